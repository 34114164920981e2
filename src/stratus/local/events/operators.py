"""Leaf conditions shared by EventBridge event patterns and SNS filter policies.

Both services run the same matcher (AWS's open-source event-ruler), so one compiler serves both;
a `Dialect` says which operators and numeric range each service accepts. A condition is one
element of a pattern's value array: a literal (exact match) or a one-key operator object.
Error reasons reuse the matcher's own wording ("Unrecognized match type prefx", "Bottom must be
less than top") so local errors read like AWS's.

EventBridge: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
SNS: https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Test = Callable[[Any], bool]


class PatternError(ValueError):
    """A malformed pattern or policy; `reason` is the matcher's explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Dialect:
    """What one service accepts; the numeric bounds are the documented ones."""

    operators: frozenset[str]
    anything_but_operators: frozenset[str]
    numeric_limit: float
    ignore_case_in_affix: bool  # prefix/suffix: {"equals-ignore-case": "..."}
    present: Test = lambda _v: True  # which leaf values make `exists` true


# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
# ("Numeric matching": -5.0e9 to +5.0e9 inclusive).
EVENTBRIDGE = Dialect(
    operators=frozenset(
        {
            "prefix",
            "suffix",
            "anything-but",
            "numeric",
            "exists",
            "cidr",
            "equals-ignore-case",
            "wildcard",
        }
    ),
    anything_but_operators=frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"}),
    numeric_limit=5.0e9,
    ignore_case_in_affix=True,
)
# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
# ("Numeric matching": -10^9 to 10^9); no wildcard operator in SNS.
SNS = Dialect(
    operators=frozenset(
        {"prefix", "suffix", "anything-but", "numeric", "exists", "cidr", "equals-ignore-case"}
    ),
    anything_but_operators=frozenset({"prefix", "suffix"}),
    numeric_limit=1.0e9,
    ignore_case_in_affix=False,
    # https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html: for "exists": true
    # "The key must have a non-null and non-empty value."
    present=lambda v: v is not None and v != "",
)


@dataclass(frozen=True)
class Condition:
    """One compiled condition. `test` says if a leaf value matches; for an `exists` condition
    (`exists` set) it says if a leaf value counts as present."""

    test: Test
    exists: bool | None = None


def is_number(value: Any) -> bool:
    """JSON numbers only: Python's bool is an int, but true is not 1 to AWS."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def compile_condition(spec: Any, dialect: Dialect) -> Condition:
    """Compile one element of a value array, raising PatternError if it is malformed."""
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise PatternError("Only one key allowed in match expression")
        ((name, arg),) = spec.items()
        if name not in dialect.operators:
            raise PatternError(f"Unrecognized match type {name}")
        if name == "exists":
            if not isinstance(arg, bool):
                raise PatternError("exists match pattern must be either true or false.")
            return Condition(test=dialect.present, exists=arg)
        return Condition(test=_OPERATORS[name](arg, dialect))
    if spec is None or isinstance(spec, str | bool) or is_number(spec):
        return Condition(test=_exact(spec))
    raise PatternError("Match value must be String, number, true, false, or null")


def _exact(literal: Any) -> Test:
    if is_number(literal):
        return lambda v: is_number(v) and v == literal
    return lambda v: type(v) is type(literal) and v == literal


def _string(arg: Any, name: str) -> str:
    if not isinstance(arg, str):
        raise PatternError(f"{name} match pattern must be a string")
    return arg


def _affix(arg: Any, dialect: Dialect, name: str, check: Callable[[str, str], bool]) -> Test:
    if isinstance(arg, dict) and dialect.ignore_case_in_affix:
        if set(arg) != {"equals-ignore-case"}:
            raise PatternError(f"Unsupported {name} pattern: {sorted(arg)}")
        folded = _string(arg["equals-ignore-case"], "equals-ignore-case").casefold()
        return lambda v: isinstance(v, str) and check(v.casefold(), folded)
    text = _string(arg, name)
    return lambda v: isinstance(v, str) and check(v, text)


def _prefix(arg: Any, dialect: Dialect) -> Test:
    return _affix(arg, dialect, "prefix", str.startswith)


def _suffix(arg: Any, dialect: Dialect) -> Test:
    return _affix(arg, dialect, "suffix", str.endswith)


def _equals_ignore_case(arg: Any, dialect: Dialect) -> Test:
    folded = _string(arg, "equals-ignore-case").casefold()
    return lambda v: isinstance(v, str) and v.casefold() == folded


def _strings(arg: Any, name: str) -> list[str]:
    items = arg if isinstance(arg, list) else [arg]
    if not items or not all(isinstance(s, str) for s in items):
        raise PatternError(f"{name} match pattern must be a string or an array of strings")
    return items


def _anything_but(arg: Any, dialect: Dialect) -> Test:
    """Matches any present value except the listed ones (an array matches if any element does)."""
    if isinstance(arg, dict):
        if len(arg) != 1 or next(iter(arg)) not in dialect.anything_but_operators:
            raise PatternError(f"Unsupported anything-but pattern: {sorted(arg)}")
        ((name, inner),) = arg.items()
        if name == "equals-ignore-case":
            folded = {s.casefold() for s in _strings(inner, name)}
            return lambda v: isinstance(v, str) and v.casefold() not in folded
        if name == "wildcard":
            tests = [_wildcard(w, dialect) for w in _strings(inner, name)]
            return lambda v: isinstance(v, str) and not any(t(v) for t in tests)
        positive = _OPERATORS[name](inner, dialect)
        return lambda v: isinstance(v, str) and not positive(v)
    values = arg if isinstance(arg, list) else [arg]
    strings = all(isinstance(x, str) for x in values)
    numbers = all(is_number(x) for x in values)
    if not values or not (strings or numbers):
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
        # "lists that contain only strings, or only numbers".
        raise PatternError("Value of anything-but must be an array or single string/number value.")
    excluded = [_exact(x) for x in values]
    return lambda v: not any(t(v) for t in excluded)


_RANGE_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda v, x: v < x,
    "<=": lambda v, x: v <= x,
    ">": lambda v, x: v > x,
    ">=": lambda v, x: v >= x,
}


def _numeric(arg: Any, dialect: Dialect) -> Test:
    """`["=", 5]` or one or two bounds (`[">", 0, "<=", 5]`); values must be JSON numbers."""
    if not isinstance(arg, list) or not arg:
        raise PatternError("Value of numeric must be an array.")
    if len(arg) > 4:
        raise PatternError("Too many elements in numeric expression")
    pairs: list[tuple[str, float]] = []
    for i in range(0, len(arg), 2):
        op = arg[i]
        if not isinstance(op, str):
            raise PatternError(f"Invalid member in numeric match: {op}")
        if op not in _RANGE_OPERATORS and op != "=":
            raise PatternError(f"Unrecognized numeric range operator: {op}")
        if i + 1 >= len(arg) or not is_number(arg[i + 1]):
            raise PatternError(f"Value of {op} must be numeric")
        bound = float(arg[i + 1])
        if abs(bound) > dialect.numeric_limit:
            raise PatternError(f"Value of {op} is out of range")
        pairs.append((op, bound))
    ops = [op for op, _ in pairs]
    if ("=" in ops and len(pairs) > 1) or (len(pairs) == 2 and ops[0][0] == ops[1][0]):
        raise PatternError(f"Bad numeric range operator: {ops[-1]}")
    if len(pairs) == 2:
        low, high = sorted(pairs, key=lambda p: p[0][0] == "<")
        if low[1] >= high[1]:
            raise PatternError("Bottom must be less than top")
    if ops == ["="]:
        return lambda v: is_number(v) and v == pairs[0][1]
    return lambda v: is_number(v) and all(_RANGE_OPERATORS[op](v, x) for op, x in pairs)


def _cidr(arg: Any, dialect: Dialect) -> Test:
    """IPv4 and IPv6 blocks; a value that is not an IP address does not match."""
    text = _string(arg, "cidr")
    if text.count("/") != 1:
        raise PatternError("Malformed CIDR, one '/' required")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise PatternError(f"Nonstandard IP address: {text}") from exc

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return test


def _wildcard(arg: Any, dialect: Dialect) -> Test:
    r"""`*` matches any run of characters; `\*` and `\\` are literal; `**` is rejected.

    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
    ("Wildcard matching").
    """
    text = _string(arg, "wildcard")
    parts: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise PatternError(f"Invalid escape character at pos {i}")
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        if char == "*":
            if i + 1 < len(text) and text[i + 1] == "*":
                raise PatternError(f"Consecutive wildcard characters at pos {i + 1}")
            parts.append(".*")
        else:
            parts.append(re.escape(char))
        i += 1
    regex = re.compile("".join(parts), re.DOTALL)
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


_OPERATORS: dict[str, Callable[[Any, Dialect], Test]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "anything-but": _anything_but,
    "numeric": _numeric,
    "cidr": _cidr,
    "wildcard": _wildcard,
}
