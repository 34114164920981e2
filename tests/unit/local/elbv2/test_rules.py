"""Listener rules: priorities, each condition type, wildcards and case, the default rule,
redirect templates and local ports, fixed responses, forward spellings."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.local.elbv2.rules import (
    RequestFacts,
    Rule,
    fixed_response,
    forward_groups,
    matching_rule,
    redirect,
    wildcard_match,
)


def facts(**kw: Any) -> RequestFacts:
    base: dict[str, Any] = {
        "method": "GET",
        "host": "shop.example.test",
        "path": "/api/items",
        "query": "",
        "headers": {},
        "source_ip": "127.0.0.1",
        "protocol": "https",
        "port": 4700,
    }
    return RequestFacts(**{**base, **kw})


def rule(priority: float, *conditions: dict[str, Any], name: str = "") -> Rule:
    return Rule(priority, conditions, ({"Type": "fixed-response"},), arn=name)


DEFAULT = Rule(float("inf"), (), ({"Type": "forward", "TargetGroupArn": "tg"},), "default")


def path(*values: str) -> dict[str, Any]:
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}


def host(*values: str) -> dict[str, Any]:
    return {"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}


def test_lowest_priority_wins_whatever_the_list_order() -> None:
    rules = [rule(20, path("/api/*"), name="b"), rule(10, path("/api/*"), name="a"), DEFAULT]
    assert matching_rule(rules, facts()).arn == "a"


def test_no_match_falls_to_the_default_rule() -> None:
    rules = [rule(10, path("/admin/*"), name="a"), DEFAULT]
    assert matching_rule(rules, facts()).arn == "default"


def test_conditions_are_anded_and_values_ored() -> None:
    both = rule(10, path("/x", "/api/*"), host("other.test"), name="both")
    assert matching_rule([both, DEFAULT], facts()).arn == "default"
    assert matching_rule([both, DEFAULT], facts(host="other.test")).arn == "both"


def test_path_pattern_is_case_sensitive_and_ignores_the_query() -> None:
    assert not wildcard_match("/API/*", "/api/items", ignore_case=False)
    r = rule(10, path("/api/items"), name="exact")
    assert matching_rule([r, DEFAULT], facts(query="a=1")).arn == "exact"


def test_host_header_is_case_insensitive_with_wildcards() -> None:
    r = rule(10, host("*.Example.test"), name="h")
    assert matching_rule([r, DEFAULT], facts(host="shop.example.test")).arn == "h"
    q = rule(10, host("sho?.example.test"), name="q")
    assert matching_rule([q, DEFAULT], facts(host="shopping.example.test")).arn == "default"


def test_legacy_values_spelling_still_matches() -> None:
    r = rule(10, {"Field": "path-pattern", "Values": ["/api/*"]}, name="old")
    assert matching_rule([r, DEFAULT], facts()).arn == "old"


def test_method_header_query_and_source_ip_conditions() -> None:
    method = {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}}
    header = {
        "Field": "http-header",
        "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["ON"]},
    }
    query = {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}}
    source = {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}
    rules = [
        rule(1, method, name="m"),
        rule(2, header, name="h"),
        rule(3, query, name="q"),
        rule(4, source, name="s"),
        DEFAULT,
    ]
    assert matching_rule(rules, facts(method="POST")).arn == "m"
    assert matching_rule(rules, facts(headers={"x-canary": "on"})).arn == "h"
    assert matching_rule(rules, facts(query="v=2&x=1")).arn == "q"
    assert matching_rule(rules, facts(source_ip="10.1.2.3")).arn == "s"
    assert matching_rule(rules, facts(method="post")).arn == "default"  # methods keep case


def test_http_to_https_redirect_goes_to_the_local_port_of_the_443_listener() -> None:
    config = {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    moved = redirect(
        config,
        facts(protocol="http", port=4701, path="/a b", query="x=1"),
        lambda _proto, port: {443: 4700}.get(port),
    )
    assert moved.status == 301
    assert moved.location == "https://shop.example.test:4700/a%20b?x=1"


def test_redirect_path_keyword_has_no_leading_slash() -> None:
    moved = redirect({"Path": "/new/#{path}", "StatusCode": "HTTP_302"}, facts(path="/old/x"))
    assert moved.status == 302
    assert moved.location == "https://shop.example.test:4700/new/old/x"


def test_redirect_to_a_default_port_leaves_it_out() -> None:
    moved = redirect({"Host": "www.example.test", "Port": "443"}, facts(), None)
    assert moved.location == "https://www.example.test/api/items"


def test_fixed_response_and_forward_spellings() -> None:
    fixed = fixed_response({"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no"})
    assert (fixed.status, fixed.content_type, fixed.body) == (404, "text/plain", b"no")
    assert forward_groups({"Type": "forward", "TargetGroupArn": "a"}) == [("a", 1)]
    weighted = {"ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "a", "Weight": 3}]}}
    assert forward_groups(weighted) == [("a", 3)]


@pytest.mark.parametrize("order", [[1, 2], [2, 1]])
def test_authenticate_actions_are_skipped_for_the_final_one(order: list[int]) -> None:
    actions = (
        {"Type": "authenticate-cognito", "Order": order[0]},
        {"Type": "forward", "Order": order[1], "TargetGroupArn": "a"},
    )
    r = Rule(1, (), actions)
    expected = "forward" if order[1] > order[0] else "authenticate-cognito"
    assert r.final_action["Type"] == expected
