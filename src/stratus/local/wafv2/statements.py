"""Rule statements: does this request match?

https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-list.html —
ByteMatch (positional constraints EXACTLY, STARTS_WITH, ENDS_WITH, CONTAINS,
CONTAINS_WORD; case-sensitive unless a transformation lowers the case), RegexMatch and
RegexPatternSetReference (Python `re` stands in for PCRE: the common syntax is the same),
SizeConstraint, IPSetReference (optionally on a forwarded-IP header), GeoMatch, LabelMatch,
SqliMatch and XssMatch (libinjection, the detector ModSecurity's CRS uses), And/Or/Not,
RateBased (see `rate`), and the rule groups (`acl`). A statement the loader does not know
raises at load (named once), never silently never-matches.

Statements are evaluated as dicts in the API/CloudFormation shape. Managed rules may also
use `{"_Local": predicate}` for checks a statement cannot express.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libinjection

from stratus.local.wafv2 import transforms
from stratus.local.wafv2.request import SUPPORTED_FIELDS, Inspected, WafRequest, inspect

if TYPE_CHECKING:
    from stratus.local.wafv2.rate import RateTracker

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_WORD = re.compile(r"[A-Za-z0-9_]")


@dataclass
class References:
    """What ARNs in statements resolve to (IP sets, regex pattern sets, rule groups)."""

    ip_sets: dict[str, list[IpNetwork]] = field(default_factory=dict)
    regex_sets: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    rule_groups: dict[str, Any] = field(default_factory=dict)  # arn -> acl.RuleGroup


@dataclass
class Evaluation:
    """One request's evaluation: the request, the labels so far, shared state."""

    request: WafRequest
    refs: References
    rates: RateTracker
    now: float
    rule_key: str = ""  # the rate-based rule being evaluated (its state key)
    labels: list[str] = field(default_factory=list)


# -- helpers ----------------------------------------------------------------------------
def reference_arn(spec: Mapping[str, Any]) -> str:
    """A reference's ARN: `ARN` in the API, `Arn` in CloudFormation templates."""
    return str(spec.get("ARN") or spec.get("Arn") or "")


def search_bytes(spec: Mapping[str, Any]) -> str:
    if "SearchStringBase64" in spec:
        return base64.b64decode(str(spec["SearchStringBase64"])).decode("latin-1")
    value = spec.get("SearchString", "")
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def positional(value: str, search: str, constraint: str) -> bool:
    if constraint == "EXACTLY":
        return value == search
    if constraint == "STARTS_WITH":
        return value.startswith(search)
    if constraint == "ENDS_WITH":
        return value.endswith(search)
    if constraint == "CONTAINS":
        return search in value
    if constraint == "CONTAINS_WORD":
        start = value.find(search)
        while start >= 0:
            end = start + len(search)
            before = start == 0 or not _WORD.match(value[start - 1])
            after = end == len(value) or not _WORD.match(value[end])
            if before and after:
                return True
            start = value.find(search, start + 1)
        return False
    raise ValueError(f"positional constraint {constraint!r} is not emulated")


def _compare(size: int, operator: str, limit: int) -> bool:
    return {
        "EQ": size == limit,
        "NE": size != limit,
        "LE": size <= limit,
        "LT": size < limit,
        "GE": size >= limit,
        "GT": size > limit,
    }[operator]


def _values(spec: Mapping[str, Any], request: WafRequest) -> Inspected:
    found = inspect(spec.get("FieldToMatch") or {}, request)
    specs = spec.get("TextTransformations") or []
    if not specs:
        return found
    return Inspected([transforms.apply(v, specs) for v in found.values], found.forced)


def _any(found: Inspected, test: Callable[[str], bool]) -> bool:
    if found.forced is not None:
        return found.forced
    return any(test(v) for v in found.values)


def forwarded_ip(request: WafRequest, config: Mapping[str, Any]) -> list[str] | None:
    """The IP(s) in the forwarded-IP header (Position FIRST/LAST/ANY); None when the header
    is missing or holds no valid address (then FallbackBehavior decides)."""
    header = request.header(str(config.get("HeaderName") or "X-Forwarded-For"))
    if header is None:
        return None
    addresses = [a.strip() for a in header.split(",") if a.strip()]
    valid = []
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        valid.append(address)
    if not valid:
        return None
    position = str(config.get("Position") or "FIRST")
    if position == "FIRST":
        return valid[:1]
    if position == "LAST":
        return valid[-1:]
    return valid


def _in_networks(address: str, networks: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def label_matches(labels: Sequence[str], scope: str, key: str) -> bool:
    """LabelMatchStatement: LABEL matches a full label, or a name given without its
    namespace prefix (waf-rule-statement-type-label-match.html); NAMESPACE matches labels
    under the namespace."""
    if scope == "NAMESPACE":
        prefix = key if key.endswith(":") else key + ":"
        return any(label.startswith(prefix) for label in labels)
    return any(label == key or label.endswith(":" + key) for label in labels)


def is_sqli(value: str) -> bool:
    return bool(value) and bool(libinjection.is_sql_injection(value)["is_sqli"])


def is_xss(value: str) -> bool:
    return bool(value) and bool(libinjection.is_xss(value)["is_xss"])


# -- evaluation ---------------------------------------------------------------------------
def matches(statement: Mapping[str, Any], ev: Evaluation) -> bool:
    ((kind, spec),) = statement.items()
    request = ev.request
    if kind == "_Local":
        return bool(spec(request))
    if kind == "ByteMatchStatement":
        search = search_bytes(spec)
        constraint = str(spec.get("PositionalConstraint") or "CONTAINS")
        return _any(_values(spec, request), lambda v: positional(v, search, constraint))
    if kind == "RegexMatchStatement":
        pattern = re.compile(str(spec["RegexString"]))
        return _any(_values(spec, request), lambda v: pattern.search(v) is not None)
    if kind == "RegexPatternSetReferenceStatement":
        patterns = ev.refs.regex_sets.get(reference_arn(spec), [])
        return _any(
            _values(spec, request), lambda v: any(p.search(v) is not None for p in patterns)
        )
    if kind == "SizeConstraintStatement":
        operator, size = str(spec["ComparisonOperator"]), int(spec["Size"])
        found = _values(spec, request)
        return _any(found, lambda v: _compare(len(v.encode("latin-1", "replace")), operator, size))
    if kind == "SqliMatchStatement":
        return _any(_values(spec, request), is_sqli)
    if kind == "XssMatchStatement":
        return _any(_values(spec, request), is_xss)
    if kind == "IPSetReferenceStatement":
        networks = ev.refs.ip_sets.get(reference_arn(spec), [])
        config = spec.get("IPSetForwardedIPConfig")
        if config:
            addresses = forwarded_ip(request, config)
            if addresses is None:
                return str(config.get("FallbackBehavior")) == "MATCH"
            return any(_in_networks(a, networks) for a in addresses)
        return _in_networks(request.client_ip, networks)
    if kind == "GeoMatchStatement":
        codes = {str(c).upper() for c in spec.get("CountryCodes") or []}
        return request.country.upper() in codes
    if kind == "LabelMatchStatement":
        return label_matches(ev.labels, str(spec.get("Scope") or "LABEL"), str(spec["Key"]))
    if kind == "AndStatement":
        return all(matches(s, ev) for s in spec["Statements"])
    if kind == "OrStatement":
        return any(matches(s, ev) for s in spec["Statements"])
    if kind == "NotStatement":
        return not matches(spec["Statement"], ev)
    if kind == "RateBasedStatement":
        from stratus.local.wafv2.rate import rate_matches

        return rate_matches(spec, ev)
    raise ValueError(f"{kind} is not evaluated by this emulator")


LEAF_KINDS = frozenset(
    {
        "ByteMatchStatement",
        "RegexMatchStatement",
        "RegexPatternSetReferenceStatement",
        "SizeConstraintStatement",
        "SqliMatchStatement",
        "XssMatchStatement",
        "IPSetReferenceStatement",
        "GeoMatchStatement",
        "LabelMatchStatement",
    }
)


def check(statement: Mapping[str, Any]) -> list[str]:
    """Problems with a statement this emulator would evaluate differently from AWS (empty:
    faithful). Raises ValueError for what it cannot evaluate at all."""
    if len(statement) != 1:
        raise ValueError(f"a statement has exactly one kind, got {sorted(statement)}")
    ((kind, spec),) = statement.items()
    notes: list[str] = []
    if kind in ("AndStatement", "OrStatement"):
        for sub in spec["Statements"]:
            notes += check(sub)
        return notes
    if kind == "NotStatement":
        return check(spec["Statement"])
    if kind == "RateBasedStatement":
        if spec.get("ScopeDownStatement"):
            notes += check(spec["ScopeDownStatement"])
        return notes
    if kind in ("ManagedRuleGroupStatement", "RuleGroupReferenceStatement", "_Local"):
        return notes
    if kind not in LEAF_KINDS:
        raise ValueError(f"{kind} is not evaluated by this emulator")
    transforms.check(spec.get("TextTransformations") or [])
    field_spec = spec.get("FieldToMatch") or {}
    for name in field_spec:
        if name not in SUPPORTED_FIELDS:
            notes.append(f"FieldToMatch {name} is not inspected locally (never matches)")
    if kind == "RegexMatchStatement":
        re.compile(str(spec["RegexString"]))
    if kind == "ByteMatchStatement":
        positional("", "", str(spec.get("PositionalConstraint") or "CONTAINS"))
    return notes
