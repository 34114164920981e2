"""Rule statements against requests: each statement type, fields and combinators."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest

from stratus.local.wafv2.rate import RateTracker
from stratus.local.wafv2.request import WafRequest
from stratus.local.wafv2.statements import Evaluation, References, matches

IPSET = "arn:aws:wafv2:us-east-1:000000000000:global/ipset/bad/1"
REGEXES = "arn:aws:wafv2:us-east-1:000000000000:global/regexpatternset/r/2"


def req(
    uri: str = "/",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    method: str = "GET",
    ip: str = "127.0.0.1",
    body: bytes = b"",
    country: str = "US",
) -> WafRequest:
    return WafRequest(method, uri, query, headers or [("user-agent", "test")], ip, body, country)


def ev(request: WafRequest, labels: list[str] | None = None) -> Evaluation:
    refs = References(
        ip_sets={IPSET: [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]},
        regex_sets={REGEXES: [re.compile(r"^/admin"), re.compile(r"\.php$")]},
    )
    return Evaluation(request, refs, RateTracker(), 1000.0, "rule", labels or [])


def byte(search: str, where: dict[str, Any], constraint: str, *types: str) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "SearchString": search,
            "FieldToMatch": where,
            "PositionalConstraint": constraint,
            "TextTransformations": [{"Priority": i, "Type": t} for i, t in enumerate(types)]
            or [{"Priority": 0, "Type": "NONE"}],
        }
    }


URI = {"UriPath": {}}


@pytest.mark.parametrize(
    ("constraint", "uri", "expected"),
    [
        ("EXACTLY", "/admin", True),
        ("EXACTLY", "/admin/x", False),
        ("STARTS_WITH", "/admin/x", True),
        ("ENDS_WITH", "/x/admin", True),
        ("CONTAINS", "/xadminx", True),
        ("CONTAINS_WORD", "/x/admin/y", True),
        ("CONTAINS_WORD", "/xadminx", False),
    ],
)
def test_byte_match_positional_constraints(constraint: str, uri: str, expected: bool) -> None:
    search = "/admin" if constraint in ("EXACTLY", "STARTS_WITH", "ENDS_WITH") else "admin"
    assert matches(byte(search, URI, constraint), ev(req(uri))) is expected


def test_byte_match_is_case_sensitive_unless_lowercased() -> None:
    assert not matches(byte("admin", URI, "CONTAINS"), ev(req("/ADMIN")))
    assert matches(byte("admin", URI, "CONTAINS", "LOWERCASE"), ev(req("/ADMIN")))


def test_byte_match_on_a_url_encoded_query_argument() -> None:
    statement = byte("<script>", {"SingleQueryArgument": {"Name": "Q"}}, "CONTAINS", "URL_DECODE")
    assert matches(statement, ev(req(query="q=%3Cscript%3E")))
    assert not matches(statement, ev(req(query="other=%3Cscript%3E")))


def test_byte_match_on_a_single_header_and_method() -> None:
    ua = byte("curl", {"SingleHeader": {"Name": "User-Agent"}}, "STARTS_WITH")
    assert matches(ua, ev(req(headers=[("User-Agent", "curl/8")])))
    assert not matches(ua, ev(req(headers=[])))  # a missing header does not match
    assert matches(byte("DELETE", {"Method": {}}, "EXACTLY"), ev(req(method="DELETE")))


def test_regex_match_and_regex_pattern_set() -> None:
    regex = {
        "RegexMatchStatement": {
            "RegexString": r"^id=\d+$",
            "FieldToMatch": {"QueryString": {}},
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    assert matches(regex, ev(req(query="id=42")))
    assert not matches(regex, ev(req(query="id=4x")))
    ref = {
        "RegexPatternSetReferenceStatement": {
            "ARN": REGEXES,
            "FieldToMatch": URI,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    assert matches(ref, ev(req("/index.php")))
    assert matches(ref, ev(req("/admin/users")))
    assert not matches(ref, ev(req("/index.html")))


def size(where: dict[str, Any], op: str, limit: int) -> dict[str, Any]:
    return {
        "SizeConstraintStatement": {
            "FieldToMatch": where,
            "ComparisonOperator": op,
            "Size": limit,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def test_size_constraint_operators() -> None:
    q = {"QueryString": {}}
    request = req(query="a" * 10)
    assert matches(size(q, "GT", 9), ev(request))
    assert not matches(size(q, "GT", 10), ev(request))
    assert matches(size(q, "EQ", 10), ev(request))
    assert matches(size(q, "LE", 10), ev(request))
    assert matches(size(q, "NE", 3), ev(request))


def test_oversized_body_follows_oversize_handling() -> None:
    big = req(method="POST", body=b"x" * (16 * 1024 + 1))
    for handling, expected in (("MATCH", True), ("NO_MATCH", False), ("CONTINUE", True)):
        statement = byte("x", {"Body": {"OversizeHandling": handling}}, "CONTAINS")
        if handling == "NO_MATCH":
            statement = byte("x", {"Body": {"OversizeHandling": handling}}, "CONTAINS")
        assert matches(statement, ev(big)) is expected, handling


def test_ip_set_reference_by_client_address_and_forwarded_header() -> None:
    statement: dict[str, Any] = {"IPSetReferenceStatement": {"ARN": IPSET}}
    assert matches(statement, ev(req(ip="10.1.2.3")))
    assert matches(statement, ev(req(ip="::1")))
    assert not matches(statement, ev(req(ip="127.0.0.1")))
    forwarded = {
        "IPSetReferenceStatement": {
            "ARN": IPSET,
            "IPSetForwardedIPConfig": {
                "HeaderName": "X-Forwarded-For",
                "FallbackBehavior": "MATCH",
                "Position": "FIRST",
            },
        }
    }
    assert matches(forwarded, ev(req(headers=[("x-forwarded-for", "10.0.0.9, 1.2.3.4")])))
    assert not matches(forwarded, ev(req(headers=[("x-forwarded-for", "1.2.3.4, 10.0.0.9")])))
    assert matches(forwarded, ev(req(headers=[])))  # missing header: the fallback


def test_geo_match_uses_the_request_country() -> None:
    statement = {"GeoMatchStatement": {"CountryCodes": ["FR", "DE"]}}
    assert matches(statement, ev(req(country="FR")))
    assert not matches(statement, ev(req(country="US")))


def test_and_or_not() -> None:
    admin = byte("/admin", URI, "STARTS_WITH")
    post = byte("POST", {"Method": {}}, "EXACTLY")
    both = {"AndStatement": {"Statements": [admin, post]}}
    either = {"OrStatement": {"Statements": [admin, post]}}
    assert matches(both, ev(req("/admin", method="POST")))
    assert not matches(both, ev(req("/admin")))
    assert matches(either, ev(req("/admin")))
    assert matches({"NotStatement": {"Statement": admin}}, ev(req("/public")))


def test_label_match_by_label_and_namespace() -> None:
    labels = ["awswaf:managed:aws:core-rule-set:NoUserAgent_Header"]
    full = {"LabelMatchStatement": {"Scope": "LABEL", "Key": labels[0]}}
    short = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "NoUserAgent_Header"}}
    space = {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:managed:aws:"}}
    other = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "Other"}}
    assert matches(full, ev(req(), labels))
    assert matches(short, ev(req(), labels))
    assert matches(space, ev(req(), labels))
    assert not matches(other, ev(req(), labels))


def test_sqli_and_xss_detection() -> None:
    sqli = {
        "SqliMatchStatement": {
            "FieldToMatch": {"AllQueryArguments": {}},
            "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}],
        }
    }
    assert matches(sqli, ev(req(query="id=1%27%20OR%20%271%27%3D%271")))
    assert matches(sqli, ev(req(query="id=1 UNION SELECT password FROM users--")))
    assert not matches(sqli, ev(req(query="id=42&name=O'Brien's%20blog")))
    xss = {
        "XssMatchStatement": {
            "FieldToMatch": {"Body": {}},
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    assert matches(xss, ev(req(method="POST", body=b"<script>alert(1)</script>")))
    assert not matches(xss, ev(req(method="POST", body=b"a plain comment")))


def test_headers_and_cookies_with_match_scope() -> None:
    cookie_key = byte(
        "session",
        {
            "Cookies": {
                "MatchPattern": {"All": {}},
                "MatchScope": "KEY",
                "OversizeHandling": "CONTINUE",
            }
        },
        "EXACTLY",
    )
    assert matches(cookie_key, ev(req(headers=[("cookie", "a=1; session=x")])))
    value_only = byte(
        "evil",
        {
            "Headers": {
                "MatchPattern": {"IncludedHeaders": ["X-Test"]},
                "MatchScope": "VALUE",
                "OversizeHandling": "CONTINUE",
            }
        },
        "CONTAINS",
    )
    assert matches(value_only, ev(req(headers=[("x-test", "so evil")])))
    assert not matches(value_only, ev(req(headers=[("x-other", "so evil")])))


def test_an_unknown_statement_raises() -> None:
    with pytest.raises(ValueError, match="not evaluated"):
        matches({"AsnMatchStatement": {}}, ev(req()))
