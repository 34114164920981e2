"""The AWS managed rule groups emulated locally, rule by rule, with AWS's names and labels.

What each rule inspects is what AWS publishes on "AWS Managed Rules rule groups list"
(https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
for AWSManagedRulesCommonRuleSet and AWSManagedRulesKnownBadInputsRuleSet,
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html
for AWSManagedRulesSQLiRuleSet). AWS deliberately does not publish its exact patterns, so
the patterns here are a documented local stand-in built from the examples AWS gives:
the size limits are AWS's own numbers; SQL injection and cross-site scripting use
libinjection (the detector behind ModSecurity's core rule set) after URL and HTML-entity
decoding; the other rules use the example patterns AWS names. Every rule's action is Block,
as AWS documents; ExcludedRules and RuleActionOverrides change that per rule (`acl`).

Only these three groups (latest static version) are emulated; another managed group is
named at start and skipped (it never matches).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.wafv2 import transforms
from stratus.local.wafv2.request import WafRequest, inspect
from stratus.local.wafv2.statements import is_sqli, is_xss

DECODE = [
    {"Priority": 0, "Type": "URL_DECODE"},
    {"Priority": 1, "Type": "HTML_ENTITY_DECODE"},
]
DECODE_LOWER = [*DECODE, {"Priority": 2, "Type": "LOWERCASE"}]


@dataclass(frozen=True)
class ManagedRule:
    name: str
    label: str  # the label name, without the group's namespace
    statement: Mapping[str, Any]
    action: str = "Block"


@dataclass(frozen=True)
class ManagedGroup:
    name: str
    namespace: str  # label namespace, e.g. awswaf:managed:aws:core-rule-set:
    rules: tuple[ManagedRule, ...]


def _values(field: Mapping[str, Any], request: WafRequest, specs: list[Any]) -> list[str]:
    found = inspect(field, request)
    return [transforms.apply(v, specs) for v in found.values]


def _on(
    field: Mapping[str, Any], test: Callable[[str], bool], specs: list[Any] | None = None
) -> dict[str, Any]:
    chosen = DECODE if specs is None else specs

    def predicate(request: WafRequest) -> bool:
        return any(test(v) for v in _values(field, request, chosen))

    return {"_Local": predicate}


def _size(field: Mapping[str, Any], limit: int) -> dict[str, Any]:
    return {
        "SizeConstraintStatement": {
            "FieldToMatch": field,
            "ComparisonOperator": "GT",
            "Size": limit,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


QUERY_ARGS: Mapping[str, Any] = {"AllQueryArguments": {}}
QUERY: Mapping[str, Any] = {"QueryString": {}}
URI: Mapping[str, Any] = {"UriPath": {}}
BODY: Mapping[str, Any] = {"Body": {"OversizeHandling": "CONTINUE"}}
COOKIES: Mapping[str, Any] = {"SingleHeader": {"Name": "cookie"}}
HEADERS: Mapping[str, Any] = {"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE"}}

# Example patterns AWS gives (its exact lists are not published).
_BAD_BOTS = re.compile(r"nessus|nmap|sqlmap|nikto|masscan|zgrab|dirbuster|acunetix", re.I)
_METADATA = re.compile(r"169\.254\.169\.254|\[fd00:ec2::254\]", re.I)
_LFI = re.compile(r"(?:^|[/\\])\.\.(?:[/\\]|$)")
_RFI = re.compile(r"(?:https?|ftps?|file)://\d{1,3}(?:\.\d{1,3}){3}", re.I)
_EXTENSIONS = re.compile(
    r"\.(?:log|ini|bak|backup|cfg|conf|config|old|orig|sql|swp|tmp|dist)(?:$|[?#;])", re.I
)
_LOG4J = re.compile(r"\$\{(?:[^}]*?(?:jndi|\$\{)|(?:lower|upper|env|sys|::-)[^}]*?\})", re.I)
_JAVA_RCE = re.compile(r"java\.lang\.(?:runtime|processbuilder)|ro0ab|aced0005", re.I)
_EXPLOITABLE = re.compile(r"/(?:web-inf|meta-inf)(?:/|$)", re.I)
_SQLI_EXTENDED = re.compile(
    r"\bunion\b[\s\S]*\bselect\b|\b(?:sleep|benchmark|pg_sleep)\s*\(|waitfor\s+delay"
    r"|information_schema|\bxp_cmdshell\b|;\s*(?:drop|shutdown|truncate)\b",
    re.I,
)


def _user_agent_missing(request: WafRequest) -> bool:
    value = request.header("user-agent")
    return value is None or value == ""


def _host_localhost(request: WafRequest) -> bool:
    host = (request.header("host") or "").strip().lower()
    return host == "localhost" or host.startswith("localhost:")


def _crs() -> ManagedGroup:
    rules = [
        ManagedRule("NoUserAgent_HEADER", "NoUserAgent_Header", {"_Local": _user_agent_missing}),
        ManagedRule(
            "UserAgent_BadBots_HEADER",
            "BadBots_Header",
            _on({"SingleHeader": {"Name": "user-agent"}}, lambda v: bool(_BAD_BOTS.search(v))),
        ),
        ManagedRule(
            "SizeRestrictions_QUERYSTRING", "SizeRestrictions_QueryString", _size(QUERY, 2048)
        ),
        ManagedRule(
            "SizeRestrictions_Cookie_HEADER",
            "SizeRestrictions_Cookie_Header",
            _size(COOKIES, 10240),
        ),
        ManagedRule("SizeRestrictions_BODY", "SizeRestrictions_Body", _size(BODY, 8192)),
        ManagedRule("SizeRestrictions_URIPATH", "SizeRestrictions_URIPath", _size(URI, 1024)),
    ]
    for suffix, label, field in (
        ("BODY", "Body", BODY),
        ("COOKIE", "Cookie", COOKIES),
        ("URIPATH", "URIPath", URI),
        ("QUERYARGUMENTS", "QueryArguments", QUERY_ARGS),
    ):
        rules.append(
            ManagedRule(
                f"EC2MetaDataSSRF_{suffix}",
                f"EC2MetaDataSSRF_{label}",
                _on(field, lambda v: bool(_METADATA.search(v))),
            )
        )
    for suffix, label, field in (
        ("QUERYARGUMENTS", "QueryArguments", QUERY_ARGS),
        ("URIPATH", "URIPath", URI),
        ("BODY", "Body", BODY),
    ):
        rules.append(
            ManagedRule(
                f"GenericLFI_{suffix}",
                f"GenericLFI_{label}",
                _on(field, lambda v: bool(_LFI.search(v))),
            )
        )
    for suffix, label, field in (
        ("URIPATH", "URIPath", URI),
        ("QUERYARGUMENTS", "QueryArguments", QUERY_ARGS),
    ):
        rules.append(
            ManagedRule(
                f"RestrictedExtensions_{suffix}",
                f"RestrictedExtensions_{label}",
                _on(field, lambda v: bool(_EXTENSIONS.search(v))),
            )
        )
    for suffix, label, field in (
        ("QUERYARGUMENTS", "QueryArguments", QUERY_ARGS),
        ("BODY", "Body", BODY),
        ("URIPATH", "URIPath", URI),
    ):
        rules.append(
            ManagedRule(
                f"GenericRFI_{suffix}",
                f"GenericRFI_{label}",
                _on(field, lambda v: bool(_RFI.search(v))),
            )
        )
    for suffix, label, field in (
        ("COOKIE", "Cookie", COOKIES),
        ("QUERYARGUMENTS", "QueryArguments", QUERY_ARGS),
        ("BODY", "Body", BODY),
        ("URIPATH", "URIPath", URI),
    ):
        rules.append(
            ManagedRule(
                f"CrossSiteScripting_{suffix}", f"CrossSiteScripting_{label}", _on(field, is_xss)
            )
        )
    return ManagedGroup(
        "AWSManagedRulesCommonRuleSet", "awswaf:managed:aws:core-rule-set:", tuple(rules)
    )


def _known_bad_inputs() -> ManagedGroup:
    rules = []
    for suffix, label, field in (
        ("HEADER", "Header", HEADERS),
        ("BODY", "Body", BODY),
        ("URIPATH", "URIPath", URI),
        ("QUERYSTRING", "QueryString", QUERY),
    ):
        rules.append(
            ManagedRule(
                f"JavaDeserializationRCE_{suffix}",
                f"JavaDeserializationRCE_{label}",
                _on(field, lambda v: bool(_JAVA_RCE.search(v))),
            )
        )
    rules += [
        ManagedRule("Host_localhost_HEADER", "Host_Localhost_Header", {"_Local": _host_localhost}),
        ManagedRule(
            "PROPFIND_METHOD",
            "Propfind_Method",
            {"_Local": lambda r: r.method.upper() == "PROPFIND"},
        ),
        ManagedRule(
            "ExploitablePaths_URIPATH",
            "ExploitablePaths_URIPath",
            _on(URI, lambda v: bool(_EXPLOITABLE.search(v))),
        ),
    ]
    for suffix, label, field in (
        ("HEADER", "Header", HEADERS),
        ("QUERYSTRING", "QueryString", QUERY),
        ("BODY", "Body", BODY),
        ("URIPATH", "URIPath", URI),
    ):
        rules.append(
            ManagedRule(
                f"Log4JRCE_{suffix}",
                f"Log4JRCE_{label}",
                _on(field, lambda v: bool(_LOG4J.search(v)), DECODE_LOWER),
            )
        )
    return ManagedGroup(
        "AWSManagedRulesKnownBadInputsRuleSet", "awswaf:managed:aws:known-bad-inputs:", tuple(rules)
    )


def _sqli() -> ManagedGroup:
    extended = lambda v: bool(_SQLI_EXTENDED.search(v))  # noqa: E731
    rules = (
        ManagedRule(
            "SQLiExtendedPatterns_QUERYARGUMENTS",
            "SQLiExtendedPatterns_QueryArguments",
            _on(QUERY_ARGS, extended),
        ),
        ManagedRule("SQLi_QUERYARGUMENTS", "SQLi_QueryArguments", _on(QUERY_ARGS, is_sqli)),
        ManagedRule("SQLi_BODY", "SQLi_Body", _on(BODY, is_sqli)),
        ManagedRule("SQLiExtendedPatterns_BODY", "SQLiExtendedPatterns_Body", _on(BODY, extended)),
        ManagedRule("SQLi_COOKIE", "SQLi_Cookie", _on(COOKIES, is_sqli)),
        ManagedRule("SQLi_URIPATH", "SQLi_URIPath", _on(URI, is_sqli)),
    )
    return ManagedGroup("AWSManagedRulesSQLiRuleSet", "awswaf:managed:aws:sql-database:", rules)


GROUPS: Mapping[str, ManagedGroup] = {g.name: g for g in (_crs(), _known_bad_inputs(), _sqli())}


def group(vendor: str, name: str) -> ManagedGroup | None:
    return GROUPS.get(name) if vendor == "AWS" else None
