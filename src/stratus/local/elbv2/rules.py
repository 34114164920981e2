"""Listener rules as an Application Load Balancer evaluates them: conditions, priority
order, and the redirect and fixed-response actions.

Hand-written: no library evaluates ALB rules. What is copied, from
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
and https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-action-types.html:
rules run lowest priority first, the default action last; within a condition its values
are OR-ed, a rule's conditions AND-ed; `*` and `?` are the wildcards; host names, header
values and query strings compare case-insensitively, path patterns and methods with case;
a path pattern sees the path only, never the query string. A redirect's `#{protocol}`,
`#{host}`, `#{port}`, `#{path}` (without its leading `/`) and `#{query}` are the request's.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote


@dataclass(frozen=True)
class RequestFacts:
    """What rules look at in a request."""

    method: str
    host: str  # the Host header without its port, lower case
    path: str
    query: str  # raw query string
    headers: Mapping[str, str]  # lower-case names
    source_ip: str
    protocol: str  # http | https (the listener's)
    port: int  # the port the client connected to


@dataclass(frozen=True)
class Rule:
    priority: float  # the default rule: infinity
    conditions: tuple[dict[str, Any], ...]
    actions: tuple[dict[str, Any], ...]
    arn: str = ""

    @property
    def final_action(self) -> dict[str, Any]:
        """The action that answers (authenticate-* actions come before it)."""
        ordered = sorted(self.actions, key=lambda a: int(a.get("Order") or 0))
        return ordered[-1] if ordered else {"Type": "fixed-response"}

    @property
    def skipped_actions(self) -> list[str]:
        return [str(a.get("Type")) for a in self.actions if a is not self.final_action]


@functools.lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.I | re.S if ignore_case else re.S)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool) -> bool:
    return _wildcard(pattern, ignore_case).match(value) is not None


def _values(condition: Mapping[str, Any], config: str) -> list[Any]:
    nested = condition.get(config)
    if isinstance(nested, Mapping) and nested.get("Values") is not None:
        return list(nested["Values"])
    return list(condition.get("Values") or [])


def condition_matches(condition: Mapping[str, Any], req: RequestFacts) -> bool:
    kind = str(condition.get("Field", ""))
    if kind == "host-header":
        return any(
            wildcard_match(str(v), req.host, ignore_case=True)
            for v in _values(condition, "HostHeaderConfig")
        )
    if kind == "path-pattern":
        return any(
            wildcard_match(str(v), req.path, ignore_case=False)
            for v in _values(condition, "PathPatternConfig")
        )
    if kind == "http-request-method":
        return req.method in {str(v) for v in _values(condition, "HttpRequestMethodConfig")}
    if kind == "http-header":
        config = condition.get("HttpHeaderConfig") or {}
        value = req.headers.get(str(config.get("HttpHeaderName", "")).lower())
        return value is not None and any(
            wildcard_match(str(v), value, ignore_case=True) for v in config.get("Values") or []
        )
    if kind == "query-string":
        pairs = parse_qsl(req.query, keep_blank_values=True)
        for wanted in _values(condition, "QueryStringConfig"):
            key, value = wanted.get("Key"), str(wanted.get("Value", ""))
            for k, v in pairs:
                key_ok = key is None or wildcard_match(str(key), k, ignore_case=True)
                if key_ok and wildcard_match(value, v, ignore_case=True):
                    return True
        return False
    if kind == "source-ip":
        try:
            address = ipaddress.ip_address(req.source_ip)
        except ValueError:
            return False
        return any(
            address in ipaddress.ip_network(str(v), strict=False)
            for v in _values(condition, "SourceIpConfig")
        )
    return False


def matching_rule(rules: Sequence[Rule], req: RequestFacts) -> Rule:
    """The first rule (by priority) whose conditions all hold; `rules` ends with the default."""
    for rule in sorted(rules, key=lambda r: r.priority):
        if all(condition_matches(c, req) for c in rule.conditions):
            return rule
    raise LookupError("a listener always has a default rule")


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str


def redirect(config: Mapping[str, Any], req: RequestFacts, local_port: Any = None) -> Redirect:
    """The Location of a redirect action. `local_port(protocol, port)` maps a listener port
    of this load balancer to the local port that serves it (None: keep the port)."""

    def fill(template: str) -> str:
        return (
            template.replace("#{protocol}", req.protocol.upper())
            .replace("#{host}", req.host)
            .replace("#{port}", str(req.port))
            .replace("#{path}", quote(req.path.lstrip("/"), safe="/%:@!$&'()*+,;=-._~"))
            .replace("#{query}", req.query)
        )

    protocol = fill(str(config.get("Protocol") or "#{protocol}")).lower()
    host = fill(str(config.get("Host") or "#{host}"))
    port_text = str(config.get("Port") or "#{port}")
    port = req.port if port_text == "#{port}" else int(fill(port_text))
    if port_text != "#{port}" and local_port is not None:
        port = local_port(protocol, port) or port
    path = fill(str(config.get("Path") or "/#{path}"))
    query = fill(str(config.get("Query") if config.get("Query") is not None else "#{query}"))
    default = {"http": 80, "https": 443}.get(protocol)
    authority = host if port == default else f"{host}:{port}"
    location = f"{protocol}://{authority}{path}" + (f"?{query}" if query else "")
    status = 301 if str(config.get("StatusCode")) == "HTTP_301" else 302
    return Redirect(status, location)


@dataclass(frozen=True)
class FixedResponse:
    status: int
    content_type: str
    body: bytes = field(default=b"")


def fixed_response(config: Mapping[str, Any]) -> FixedResponse:
    return FixedResponse(
        status=int(config.get("StatusCode") or 200),
        content_type=str(config.get("ContentType") or "text/plain"),
        body=str(config.get("MessageBody") or "").encode(),
    )


def forward_groups(action: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(target group ARN, weight) of a forward action, either spelling."""
    config = action.get("ForwardConfig") or {}
    groups = [
        (str(g["TargetGroupArn"]), int(g.get("Weight", 1)))
        for g in config.get("TargetGroups") or []
    ]
    if not groups and action.get("TargetGroupArn"):
        groups = [(str(action["TargetGroupArn"]), 1)]
    return groups


def referenced_groups(rules: Iterable[Rule]) -> set[str]:
    return {
        arn
        for rule in rules
        for action in rule.actions
        if action.get("Type") == "forward"
        for arn, _ in forward_groups(action)
    }
