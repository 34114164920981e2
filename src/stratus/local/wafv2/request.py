"""The web request as WAF inspects it, and the parts a statement's FieldToMatch selects.

FieldToMatch (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html):
UriPath, QueryString, SingleHeader, SingleQueryArgument, AllQueryArguments, Method, Body,
JsonBody (inspected as the body's text: its MatchPattern/MatchScope are not applied
locally), Headers and Cookies (MatchPattern All/IncludedHeaders/ExcludedHeaders or
IncludedCookies/ExcludedCookies, MatchScope ALL/KEY/VALUE). Body inspection stops at the
protected resource's limit (16 KB for CloudFront and API Gateway by default,
waf-web-request-body-inspection.html); beyond it OversizeHandling decides: CONTINUE
inspects what fits, MATCH matches, NO_MATCH does not. HeaderOrder, JA3/JA4 fingerprints
and UriFragment are not emulated (they never match; named at load).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BODY_LIMIT = 16 * 1024
SUPPORTED_FIELDS = frozenset(
    {
        "UriPath",
        "QueryString",
        "SingleHeader",
        "SingleQueryArgument",
        "AllQueryArguments",
        "Method",
        "Body",
        "JsonBody",
        "Headers",
        "Cookies",
    }
)


@dataclass
class WafRequest:
    method: str
    uri: str  # the path, as sent (not decoded)
    query: str  # the raw query string, without "?"
    headers: list[tuple[str, str]]  # (name, value) in order
    client_ip: str
    body: bytes = b""
    country: str = ""  # the client IP's country (GeoMatch), set by the caller
    labels: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def query_args(self) -> list[tuple[str, str]]:
        return urllib.parse.parse_qsl(self.query, keep_blank_values=True, encoding="latin-1")

    def cookies(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key, value in self.headers:
            if key.lower() != "cookie":
                continue
            for part in value.split(";"):
                name, _, val = part.strip().partition("=")
                if name:
                    out.append((name, val))
        return out


@dataclass(frozen=True)
class Inspected:
    """What a statement looks at: candidate strings (any may match), or a forced answer
    (oversized body with OversizeHandling MATCH / NO_MATCH)."""

    values: list[str]
    forced: bool | None = None


def _latin(data: bytes) -> str:
    return data.decode("latin-1")


def _pattern_keep(pattern: Mapping[str, Any], name: str, inc: str, exc: str) -> bool:
    if "All" in pattern:
        return True
    lower = name.lower()
    if inc in pattern:
        return lower in {str(n).lower() for n in pattern[inc]}
    if exc in pattern:
        return lower not in {str(n).lower() for n in pattern[exc]}
    return True


def _scoped(pairs: list[tuple[str, str]], scope: str) -> list[str]:
    if scope == "KEY":
        return [k for k, _ in pairs]
    if scope == "VALUE":
        return [v for _, v in pairs]
    return [v for pair in pairs for v in pair]


def inspect(field_to_match: Mapping[str, Any], request: WafRequest) -> Inspected:
    if not field_to_match:
        return Inspected([])
    kind, spec = next(iter(field_to_match.items()))
    spec = spec or {}
    if kind == "UriPath":
        return Inspected([request.uri])
    if kind == "QueryString":
        return Inspected([request.query])
    if kind == "Method":
        return Inspected([request.method])
    if kind == "SingleHeader":
        value = request.header(str(spec.get("Name", "")))
        return Inspected([] if value is None else [value])
    if kind == "SingleQueryArgument":
        wanted = str(spec.get("Name", "")).lower()
        return Inspected([v for k, v in request.query_args() if k.lower() == wanted][:1])
    if kind == "AllQueryArguments":
        return Inspected([v for _, v in request.query_args()])
    if kind in ("Body", "JsonBody"):
        body = request.body
        if len(body) > BODY_LIMIT:
            handling = str(spec.get("OversizeHandling") or "CONTINUE")
            if handling == "MATCH":
                return Inspected([], forced=True)
            if handling == "NO_MATCH":
                return Inspected([], forced=False)
            body = body[:BODY_LIMIT]
        return Inspected([_latin(body)] if body or kind == "Body" else [])
    if kind == "Headers":
        pattern = spec.get("MatchPattern") or {"All": {}}
        pairs = [
            (k, v)
            for k, v in request.headers
            if _pattern_keep(pattern, k, "IncludedHeaders", "ExcludedHeaders")
        ]
        return Inspected(_scoped(pairs, str(spec.get("MatchScope") or "ALL")))
    if kind == "Cookies":
        pattern = spec.get("MatchPattern") or {"All": {}}
        pairs = [
            (k, v)
            for k, v in request.cookies()
            if _pattern_keep(pattern, k, "IncludedCookies", "ExcludedCookies")
        ]
        return Inspected(_scoped(pairs, str(spec.get("MatchScope") or "ALL")))
    return Inspected([])


def body_size(request: WafRequest) -> int:
    return len(request.body)
