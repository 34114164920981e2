"""Evaluate IAM identity and resource policies the way AWS does (S3 guard, IAM stage).

Why not moto: `moto.iam.access_control.IAMPolicyStatement` (moto 5.2.5) was checked first.
It matches Action case-sensitively, turns `*` into `.*` without escaping the rest of the
pattern (so `.` is a wildcard) and ignores `?`; it substitutes no policy variables
(`${cognito-identity.amazonaws.com:sub}`, `${aws:PrincipalTag/x}`), so per-user prefixes
cannot work; and its conditions exist only for role trust policies, where a failed
condition turns an Allow statement into a DENY. The per-user folder rule needs all of these,
so this module is a small evaluator of its own, written from the IAM policy grammar:

- explicit Deny > Allow > implicit deny; Statement as a dict or a list;
- Action/NotAction (case-insensitive), Resource/NotResource, `*` and `?` wildcards;
- policy variables `${key}` and `${key, 'default'}`, escapes `${*}`, `${?}`, `${$}`;
- Condition operators (String*, Arn*, Bool, Null, Numeric*, Date*, IpAddress/NotIpAddress),
  `ForAnyValue:`/`ForAllValues:` and `...IfExists`.

Resource policies (`evaluate_resource_policy`) first keep the statements whose
Principal/NotPrincipal names the caller, then evaluate the same way.

Context keys are case-insensitive, as in IAM. A missing key makes a condition false, except
negated operators (true), `...IfExists` (true), `ForAllValues:` (true) and `Null`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Context = Mapping[str, str | list[str]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    explicit_deny: bool = False


class _Unresolved(Exception):
    """A policy variable has no value in the request context: the statement does not apply."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _lookup(context: Mapping[str, str | list[str]], key: str) -> list[str] | None:
    value = context.get(key.lower())
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@functools.lru_cache(maxsize=4096)
def _fixed_pattern(text: str, wildcards: bool, ignore_case: bool) -> re.Pattern[str]:
    """A pattern without policy variables: the same for every request, so compiled once."""
    return re.compile(
        "^" + _literal(text, wildcards) + "$",
        re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL,
    )


def _pattern(text: str, context: Context, *, wildcards: bool, ignore_case: bool) -> re.Pattern[str]:
    """Compile `text` (with variables resolved) to a regex; substituted values are literal."""
    if "${" not in text:
        return _fixed_pattern(text, wildcards, ignore_case)
    parts: list[str] = []
    pos = 0
    for match in _VARIABLE.finditer(text):
        parts.append(_literal(text[pos : match.start()], wildcards))
        parts.append(re.escape(_resolve(match.group(1), context)))
        pos = match.end()
    parts.append(_literal(text[pos:], wildcards))
    return re.compile(
        "^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    )


def _literal(text: str, wildcards: bool) -> str:
    if not wildcards:
        return re.escape(text)
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _resolve(expr: str, context: Context) -> str:
    expr = expr.strip()
    if expr in _ESCAPES:
        return _ESCAPES[expr]
    default: str | None = None
    if "," in expr:  # ${aws:username, 'nobody'}
        expr, _, raw_default = expr.partition(",")
        expr = expr.strip()
        default = raw_default.strip().strip("'")
    values = _lookup(context, expr)
    if values is None or len(values) != 1:  # multivalued keys cannot be variables
        if default is not None:
            return default
        raise _Unresolved(expr)
    return values[0]


def _substitute(text: str, context: Context) -> str:
    return _VARIABLE.sub(lambda m: _resolve(m.group(1), context), text)


def _matches_any(
    patterns: Iterable[str], value: str, context: Context, *, ignore_case: bool
) -> bool:
    for pattern in patterns:
        try:
            if _pattern(str(pattern), context, wildcards=True, ignore_case=ignore_case).match(
                value
            ):
                return True
        except _Unresolved:
            continue
    return False


# Condition operators ----------------------------------------------------------------------


def _parse_number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _parse_date(value: str) -> float | None:
    try:
        return float(value)  # epoch seconds are allowed
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _numeric(test: Callable[[float, float], bool]) -> Callable[[str, str, Context], bool]:
    def compare(actual: str, expected: str, context: Context) -> bool:
        a, e = _parse_number(actual), _parse_number(_substitute(expected, context))
        return a is not None and e is not None and test(a, e)

    return compare


def _dated(test: Callable[[float, float], bool]) -> Callable[[str, str, Context], bool]:
    def compare(actual: str, expected: str, context: Context) -> bool:
        a, e = _parse_date(actual), _parse_date(_substitute(expected, context))
        return a is not None and e is not None and test(a, e)

    return compare


def _string_equals(actual: str, expected: str, context: Context) -> bool:
    return actual == _substitute(expected, context)


def _string_equals_ic(actual: str, expected: str, context: Context) -> bool:
    return actual.lower() == _substitute(expected, context).lower()


def _string_like(actual: str, expected: str, context: Context) -> bool:
    return bool(_pattern(expected, context, wildcards=True, ignore_case=False).match(actual))


def _bool(actual: str, expected: str, context: Context) -> bool:
    return actual.lower() == _substitute(expected, context).lower()


def _ip(actual: str, expected: str, context: Context) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


# name -> (compare one context value with one policy value, negated?)
_OPERATORS: dict[str, tuple[Callable[[str, str, Context], bool], bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ic, False),
    "stringnotequalsignorecase": (_string_equals_ic, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "arnequals": (_string_like, False),  # IAM treats ArnEquals like ArnLike (wildcards allowed)
    "arnlike": (_string_like, False),
    "arnnotequals": (_string_like, True),
    "arnnotlike": (_string_like, True),
    "bool": (_bool, False),
    "numericequals": (_numeric(lambda a, e: a == e), False),
    "numericnotequals": (_numeric(lambda a, e: a == e), True),
    "numericlessthan": (_numeric(lambda a, e: a < e), False),
    "numericlessthanequals": (_numeric(lambda a, e: a <= e), False),
    "numericgreaterthan": (_numeric(lambda a, e: a > e), False),
    "numericgreaterthanequals": (_numeric(lambda a, e: a >= e), False),
    "dateequals": (_dated(lambda a, e: a == e), False),
    "datenotequals": (_dated(lambda a, e: a == e), True),
    "datelessthan": (_dated(lambda a, e: a < e), False),
    "datelessthanequals": (_dated(lambda a, e: a <= e), False),
    "dategreaterthan": (_dated(lambda a, e: a > e), False),
    "dategreaterthanequals": (_dated(lambda a, e: a >= e), False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
}


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool:
    name = operator.lower()
    set_op = ""
    for prefix in ("foranyvalue:", "forallvalues:"):
        if name.startswith(prefix):
            set_op, name = prefix[:-1], name[len(prefix) :]
    if_exists = name.endswith("ifexists") and name != "ifexists"
    if if_exists:
        name = name[: -len("ifexists")]
    policy_values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(expected)]
    actual = _lookup(context, key)

    if name == "null":  # "true": the key must be absent; "false": it must be present
        absent = actual is None or actual == []
        return any((v.lower() == "true") == absent for v in policy_values)
    if name not in _OPERATORS:
        return False  # an operator IAM would reject: never grants anything
    compare, negated = _OPERATORS[name]

    if actual is None or actual == []:
        if set_op == "forallvalues":
            return True
        if set_op == "foranyvalue":
            return False
        return if_exists or negated

    def hit(value: str) -> bool:
        found = False
        for expected_value in policy_values:
            try:
                if compare(value, expected_value, context):
                    found = True
                    break
            except _Unresolved:
                continue
        return found != negated

    if set_op == "forallvalues":
        return all(hit(v) for v in actual)
    if set_op == "foranyvalue":
        return any(hit(v) for v in actual)
    return all(hit(v) for v in actual) if negated else any(hit(v) for v in actual)


def _conditions_hold(conditions: Any, context: Context) -> bool:
    if not conditions:
        return True
    if not isinstance(conditions, dict):
        return False
    for operator, keys in conditions.items():
        if not isinstance(keys, dict):
            return False
        for key, expected in keys.items():
            if not _condition_holds(str(operator), str(key), expected, context):
                return False
    return True


def _statement_applies(
    statement: dict[str, Any],
    action: str,
    resource: str,
    context: Context,
    *,
    any_resource: bool = False,
) -> bool:
    if "Action" in statement:
        if not _matches_any(_as_list(statement["Action"]), action, context, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if _matches_any(_as_list(statement["NotAction"]), action, context, ignore_case=True):
            return False
    else:
        return False
    if any_resource:
        pass  # the caller could not name the resource: Action and Condition decide
    elif "Resource" in statement:
        if not _matches_any(_as_list(statement["Resource"]), resource, context, ignore_case=False):
            return False
    elif "NotResource" in statement:
        if _matches_any(_as_list(statement["NotResource"]), resource, context, ignore_case=False):
            return False
    else:
        return False
    try:
        return _conditions_hold(statement.get("Condition"), context)
    except _Unresolved:
        return False


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(policy.get("Statement")) if isinstance(s, dict)]


def evaluate(
    policies: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    *,
    any_resource: bool = False,
) -> Decision:
    """Decide whether `policies` allow `action` on `resource` in the request `context`.

    `any_resource`: the resource is unknown to the caller (a statement's Resource is not
    matched); only for requests whose resource cannot be named yet."""
    return _evaluate(policies, action, resource, context, any_resource=any_resource)


def _evaluate(
    policies: list[dict[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    *,
    any_resource: bool = False,
    caller: Iterable[str] | None = None,
    kind: str = "identity-based",
) -> Decision:
    ctx = {k.lower(): v for k, v in context.items()}
    callers = None if caller is None else [c for c in caller]
    allowed_by: str | None = None
    for p_index, policy in enumerate(policies):
        for s_index, statement in enumerate(_statements(policy)):
            if callers is not None and not _names_caller(statement, callers):
                continue
            if not _statement_applies(statement, action, resource, ctx, any_resource=any_resource):
                continue
            label = statement.get("Sid") or f"policy {p_index} statement {s_index}"
            if str(statement.get("Effect", "")).lower() == "deny":
                return Decision(False, f"explicitly denied by {label}", explicit_deny=True)
            if str(statement.get("Effect", "")).lower() == "allow" and allowed_by is None:
                allowed_by = label
    if allowed_by is not None:
        return Decision(True, f"allowed by {allowed_by}")
    return Decision(False, f"no {kind} policy allows the {action} action")


def evaluate_resource_policy(
    policy: dict[str, Any],
    caller: Iterable[str],
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
) -> Decision:
    """Decide what a resource policy (queue, topic, function, secret, bus) says about
    `caller` (every name the caller goes by: session ARN, role ARN, account root ARN, account
    id) doing `action` on `resource`. Only statements whose Principal names the caller (or
    whose NotPrincipal does not) count; a service principal never names a caller.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    return _evaluate([policy], action, resource, context, caller=caller, kind="resource-based")


def _principal_values(principal: Any) -> list[str] | None:
    """The AWS principals a Principal element names; None: none of the AWS kind."""
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return None
    if "AWS" not in principal:
        return None
    return [str(v) for v in _as_list(principal["AWS"])]


def _names_caller(statement: dict[str, Any], callers: list[str]) -> bool:
    if "Principal" in statement:
        named = _principal_values(statement["Principal"])
        return named is not None and any(n == "*" or n in callers for n in named)
    if "NotPrincipal" in statement:
        named = _principal_values(statement["NotPrincipal"]) or []
        return not any(n == "*" or n in callers for n in named)
    return False  # a resource policy statement without a principal never applies
