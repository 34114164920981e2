"""SNS subscription filter policies: validate like SetSubscriptionAttributes, match like delivery.

Written here rather than wrapping moto's `moto.sns.utils.FilterPolicyMatcher` (5.2.5): measured
against the SNS docs, it ignores `equals-ignore-case` and `cidr` (both never match), and lets
`"exists": false` match a message with no attributes at all; its validation lives apart, in
`moto.sns.models`. The leaf operators are shared with EventBridge (`operators.py`, the same
matcher runs both services) under SNS's own dialect: no wildcard, numbers within ±10^9.

Docs: https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html,
https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html,
https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html,
https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Literal

from stratus.local.events.operators import SNS, PatternError
from stratus.local.events.patterns import MISSING, compile_node, node_matches

Scope = Literal["MessageAttributes", "MessageBody"]

# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
NESTED_IN_ATTRIBUTES = "Filter policy scope MessageAttributes does not support nested filter policy"


class InvalidFilterPolicy(PatternError):
    """SNS's InvalidParameter error for a filter policy, worded as SNS words it."""

    code = "InvalidParameter"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.args = (f"Invalid parameter: FilterPolicy: {reason}",)

    def __str__(self) -> str:
        return str(self.args[0])


def _nested(policy: Mapping[str, Any]) -> bool:
    """Whether any key (also inside `$or` branches) holds an object rather than an array."""
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            if any(isinstance(b, dict) and _nested(b) for b in value):
                return True
        elif isinstance(value, dict):
            return True
    return False


def _leaf_keys(policy: Mapping[str, Any]) -> int:
    count = 0
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            count += sum(_leaf_keys(b) for b in value if isinstance(b, dict))
        elif isinstance(value, dict):
            count += _leaf_keys(value)
        else:
            count += 1
    return count


def combinations(policy: Mapping[str, Any]) -> int:
    """The policy's "total combination of values": the product of its arrays' lengths.

    An `$or` adds up its branches' combinations, as the worked examples in
    https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html do.
    """
    total = 1
    for key, value in policy.items():
        if key == "$or" and isinstance(value, list):
            total *= sum(combinations(b) for b in value if isinstance(b, dict))
        elif isinstance(value, dict):
            total *= combinations(value)
        elif isinstance(value, list):
            total *= len(value)
    return total


def attribute_value(attribute: Mapping[str, Any]) -> Any:
    """The value SNS filters on for one message attribute (`{"Type", "Value"}` or boto3 form).

    String → text; Number → a number (so only numeric conditions match it); String.Array → its
    JSON elements (any element may match); Binary → ignored, as SNS compares only String,
    String.Array and Number attributes.
    """
    kind = attribute.get("Type") or attribute.get("DataType") or ""
    value = attribute.get("Value", attribute.get("StringValue"))
    if not isinstance(value, str):
        return MISSING
    if kind == "String.Array":
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            return MISSING
        return items if isinstance(items, list) else MISSING
    if kind.startswith("Number"):  # also custom types such as Number.float
        try:
            number = float(value)
        except ValueError:
            return MISSING
        return number if math.isfinite(number) else MISSING
    if kind.startswith("String"):
        return value
    return MISSING


class FilterPolicy:
    """A validated subscription filter policy with its scope."""

    def __init__(self, policy: Mapping[str, Any], scope: Scope = "MessageAttributes") -> None:
        if scope not in ("MessageAttributes", "MessageBody"):
            raise InvalidFilterPolicy(f"Unsupported FilterPolicyScope: {scope}")
        self.policy = dict(policy)
        self.scope = scope
        try:
            self._validate()
            self._root = compile_node(self.policy, SNS)
        except InvalidFilterPolicy:
            raise
        except PatternError as exc:
            raise InvalidFilterPolicy(exc.reason) from exc

    @classmethod
    def parse(
        cls, text: str | Mapping[str, Any], scope: Scope = "MessageAttributes"
    ) -> FilterPolicy:
        """Parse the FilterPolicy attribute (JSON text) or a dict."""
        if isinstance(text, str):
            if len(text.encode()) > MAX_POLICY_BYTES:
                raise InvalidFilterPolicy("Filter policy is too large")
            try:
                text = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidFilterPolicy(f"failed to parse JSON. {exc.msg}") from exc
        if not isinstance(text, Mapping):
            raise InvalidFilterPolicy("Filter policy is not an object")
        return cls(text, scope)

    def _validate(self) -> None:
        if self.scope == "MessageAttributes" and _nested(self.policy):
            raise InvalidFilterPolicy(NESTED_IN_ATTRIBUTES)
        if _leaf_keys(self.policy) > MAX_KEYS:
            raise InvalidFilterPolicy("Filter policy can not have more than 5 keys")
        if combinations(self.policy) > MAX_COMBINATIONS:
            raise InvalidFilterPolicy("Filter policy is too complex")

    def matches(
        self, message_attributes: Mapping[str, Mapping[str, Any]] | None, message: str
    ) -> bool:
        """Whether SNS delivers this published message to the subscription."""
        if not self.policy:
            return True
        if self.scope == "MessageBody":
            try:
                body = json.loads(message)
            except (json.JSONDecodeError, TypeError):
                return False  # a body that is not JSON matches no MessageBody policy
            return isinstance(body, dict) and node_matches(self._root, body)
        values = {
            name: value
            for name, attribute in (message_attributes or {}).items()
            if (value := attribute_value(attribute)) is not MISSING
        }
        # https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html: "exists": false
        # "only matches if at least one attribute is present".
        return bool(values) and node_matches(self._root, values)
