"""What every service module of `iam.actions` shares: the `Need`, the lookups, the request.

A `Need` is one authorization AWS makes for a request: an IAM action on one resource ARN
(or `*` where the action takes no resource), with the service's own condition keys. A
request may need several (TransactWriteItems: one per entry; SES SendTemplatedEmail: the
identity, the configuration set and the template). The enforcer allows the request only
when every Need is allowed.

Parameters arrive as `AwsCall.params()` gives them: nested for JSON and REST protocols, flat
for the query protocol (`Entries.member.1.Id`, `AttributeNames.member.1`); `items` and
`scalars` read a list in either shape, so one mapping serves both protocols (SQS is sent
either way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from stratus.local.core.call import AwsCall

Context = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class Need:
    """One IAM check: `action` ("dynamodb:Query") on `resource` (an ARN, or "*")."""

    action: str
    resource: str
    context: Context = field(default_factory=dict)


class Lookups(Protocol):
    """State the mapping cannot read from the request itself.

    Only `secret_arn` is required. A lookups object may also offer, found with getattr so
    an object without them still works:
    - `ses_identity(region, address) -> str | None`: the verified SES identity (the address
      itself or its domain) that sending from `address` uses;
    - `kms_key_arn(region, key_id) -> str | None`: the key ARN an alias or key id names;
    - `dynamodb_hash_key(region, table) -> str | None`: the partition key attribute of a
      table ("Music") or of one of its indexes ("Music/index/byArtist").
    """

    def secret_arn(self, region: str, secret_id: str) -> str | None: ...


@dataclass(slots=True)
class Request:
    """The parts of a call every mapper reads (made per call: slots, not frozen, for speed)."""

    call: AwsCall
    operation: str
    params: dict[str, Any]
    region: str
    account: str
    lookups: Lookups | None

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if isinstance(value, str) and value else None

    def lookup(self, method: str, *args: str) -> str | None:
        """An optional lookup (see `Lookups`); None when the lookups object lacks it."""
        fn: Callable[..., str | None] | None = getattr(self.lookups, method, None)
        if fn is None:
            return None
        value = fn(self.region, *args)
        return value if isinstance(value, str) and value else None


Mapper = Callable[[Request], list[Need]]

_FLAT = re.compile(r"^(?:member\.)?(\d+)(?:\.(.*))?$")


def _flat(params: Mapping[str, Any], name: str) -> dict[int, dict[str, Any] | Any]:
    """Query-protocol members of list `name`, by index: {1: value} or {1: {sub: value}}."""
    prefix = name + "."
    out: dict[int, Any] = {}
    for key, value in params.items():
        if not key.startswith(prefix):
            continue
        match = _FLAT.match(key[len(prefix) :])
        if match is None:
            continue
        index, rest = int(match.group(1)), match.group(2)
        if rest is None:
            out[index] = value
        else:
            slot = out.setdefault(index, {})
            if isinstance(slot, dict):
                slot[rest] = value
    return dict(sorted(out.items()))


def items(params: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """List-of-structures parameter `name` in either protocol shape (flat keys keep their
    dotted sub-paths: `{"Id": ..., "MessageAttribute.1.Name": ...}`)."""
    value = params.get(name)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [v for v in _flat(params, name).values() if isinstance(v, dict)]


def scalars(params: Mapping[str, Any], name: str) -> list[str]:
    """List-of-strings parameter `name` in either protocol shape."""
    value = params.get(name)
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int)]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in _flat(params, name).values() if not isinstance(v, dict)]


def dig(params: Mapping[str, Any], path: str) -> Any:
    """`a.b` in nested params, or the flat key `a.b` as the query protocol sends it."""
    if path in params:
        return params[path]
    node: Any = params
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def dedupe(needs: list[Need]) -> list[Need]:
    """Needs in first-seen order without repeats (a batch naming one table twice)."""
    seen: list[Need] = []
    for need in needs:
        if need not in seen:
            seen.append(need)
    return seen


def by_name(
    prefix: str,
    actions: Mapping[str, str],
    resource: Callable[[Request], str | None],
) -> Mapper:
    """A mapper for a service whose operations act on the one resource `resource` finds:
    action `actions.get(op, op)`, resource the ARN or "*" when the request names none."""

    def mapper(req: Request) -> list[Need]:
        action = f"{prefix}:{actions.get(req.operation, req.operation)}"
        return [Need(action, resource(req) or "*")]

    return mapper


def is_arn(value: str) -> bool:
    return value.startswith("arn:")


def arn_part(arn: str, index: int) -> str:
    """Field `index` of an ARN (3 = region, 4 = account, 5 = resource)."""
    parts = arn.split(":", 5)
    return parts[index] if len(parts) > index else ""
