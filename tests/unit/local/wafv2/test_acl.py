"""A web ACL end to end: priorities, actions, labels, managed rule groups with exclusions
and overrides, rate-based rules over their window, custom responses."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.local.wafv2.acl import WebAcl
from stratus.local.wafv2.request import WafRequest
from stratus.local.wafv2.statements import References

ARN = "arn:aws:wafv2:us-east-1:000000000000:global/webacl/site/abc"


def req(
    uri: str = "/", query: str = "", headers: list[tuple[str, str]] | None = None, **kw: Any
) -> WafRequest:
    hdrs = (
        headers
        if headers is not None
        else [("host", "d1.cloudfront.localhost"), ("user-agent", "Mozilla/5.0")]
    )
    return WafRequest(
        kw.get("method", "GET"), uri, query, hdrs, kw.get("ip", "127.0.0.1"), kw.get("body", b"")
    )


def visibility(name: str) -> dict[str, Any]:
    return {"MetricName": name, "CloudWatchMetricsEnabled": True, "SampledRequestsEnabled": True}


def managed(name: str, priority: int, **extra: Any) -> dict[str, Any]:
    override = extra.pop("override", "None")
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": {override: {}},
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name, **extra}},
        "VisibilityConfig": visibility(name),
    }


def rate_rule(limit: int, priority: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "Name": "PerIp",
        "Priority": priority,
        "Action": {"Block": {}},
        "Statement": {"RateBasedStatement": {"Limit": limit, "AggregateKeyType": "IP", **extra}},
        "VisibilityConfig": visibility("PerIp"),
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(rules: list[dict[str, Any]], clock: Clock | None = None, **props: Any) -> WebAcl:
    spec = {
        "DefaultAction": props.pop("default", {"Allow": {}}),
        "VisibilityConfig": visibility("site"),
        "Rules": rules,
        **props,
    }
    return WebAcl(
        ARN, "site", "CLOUDFRONT", "000000000000", spec, References(), clock=clock or Clock()
    )


ALL_GROUPS = [
    managed("AWSManagedRulesCommonRuleSet", 1),
    managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
    managed("AWSManagedRulesSQLiRuleSet", 3),
]


@pytest.mark.parametrize(
    ("request_", "rule", "label"),
    [
        (
            req(query="id=1%27%20OR%20%271%27%3D%271"),
            "SQLi_QUERYARGUMENTS",
            "sql-database:SQLi_QueryArguments",
        ),
        (
            req(query="q=" + "a" * 2100),
            "SizeRestrictions_QUERYSTRING",
            "core-rule-set:SizeRestrictions_QueryString",
        ),
        (req(headers=[("host", "x")]), "NoUserAgent_HEADER", "core-rule-set:NoUserAgent_Header"),
        (
            req(query="q=%3Cscript%3Ealert(1)%3C/script%3E"),
            "CrossSiteScripting_QUERYARGUMENTS",
            "core-rule-set:CrossSiteScripting_QueryArguments",
        ),
        (req("/files/../../etc/passwd"), "GenericLFI_URIPATH", "core-rule-set:GenericLFI_URIPath"),
        (
            req(query="u=http://10.0.0.1/x.txt"),
            "GenericRFI_QUERYARGUMENTS",
            "core-rule-set:GenericRFI_QueryArguments",
        ),
        (
            req(query="next=http://169.254.169.254/latest"),
            "EC2MetaDataSSRF_QUERYARGUMENTS",
            "core-rule-set:EC2MetaDataSSRF_QueryArguments",
        ),
        (
            req(
                headers=[
                    ("host", "x"),
                    ("user-agent", "x"),
                    ("x-api-version", "${jndi:ldap://evil/a}"),
                ]
            ),
            "Log4JRCE_HEADER",
            "known-bad-inputs:Log4JRCE_Header",
        ),
        (
            req(headers=[("host", "x"), ("user-agent", "${${lower:j}ndi:ldap://e/a}")]),
            "Log4JRCE_HEADER",
            "known-bad-inputs:Log4JRCE_Header",
        ),
        (
            req(headers=[("host", "localhost:8443"), ("user-agent", "x")]),
            "Host_localhost_HEADER",
            "known-bad-inputs:Host_Localhost_Header",
        ),
        (req(method="PROPFIND"), "PROPFIND_METHOD", "known-bad-inputs:Propfind_Method"),
        (
            req("/WEB-INF/web.xml"),
            "ExploitablePaths_URIPATH",
            "known-bad-inputs:ExploitablePaths_URIPath",
        ),
        (
            req(query="x=java.lang.Runtime.getRuntime().exec(id)"),
            "JavaDeserializationRCE_QUERYSTRING",
            "known-bad-inputs:JavaDeserializationRCE_QueryString",
        ),
    ],
)
def test_managed_rules_block_what_aws_documents(
    request_: WafRequest, rule: str, label: str
) -> None:
    verdict = make(ALL_GROUPS).evaluate(request_)
    assert verdict.action == "BLOCK"
    assert verdict.group_rule == rule
    assert f"awswaf:managed:aws:{label}" in verdict.labels


def test_an_ordinary_request_is_allowed_by_the_default_action() -> None:
    verdict = make(ALL_GROUPS).evaluate(req("/posts/hello", query="page=2&tag=python"))
    assert (verdict.action, verdict.rule, verdict.labels) == ("ALLOW", "Default_Action", [])


def test_excluded_rules_and_action_overrides_count_instead_of_blocking() -> None:
    excluded = managed(
        "AWSManagedRulesCommonRuleSet", 1, ExcludedRules=[{"Name": "NoUserAgent_HEADER"}]
    )
    verdict = make([excluded]).evaluate(req(headers=[("host", "x")]))
    assert verdict.action == "ALLOW"
    assert "awswaf:managed:aws:core-rule-set:NoUserAgent_Header" in verdict.labels
    assert verdict.counted == ["NoUserAgent_HEADER"]
    overridden = managed(
        "AWSManagedRulesCommonRuleSet",
        1,
        RuleActionOverrides=[{"Name": "NoUserAgent_HEADER", "ActionToUse": {"Count": {}}}],
    )
    assert make([overridden]).evaluate(req(headers=[("host", "x")])).action == "ALLOW"


def test_group_override_action_count_keeps_labels_for_later_rules() -> None:
    counting = managed("AWSManagedRulesSQLiRuleSet", 1, override="Count")
    on_label = {
        "Name": "BlockSqliLabel",
        "Priority": 2,
        "Action": {"Block": {}},
        "Statement": {
            "LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:managed:aws:sql-database:"}
        },
        "VisibilityConfig": visibility("BlockSqliLabel"),
    }
    verdict = make([counting]).evaluate(req(query="id=1 UNION SELECT pw FROM users--"))
    assert verdict.action == "ALLOW"
    assert verdict.counted == ["AWSManagedRulesSQLiRuleSet"]
    verdict = make([counting, on_label]).evaluate(req(query="id=1 UNION SELECT pw FROM users--"))
    assert (verdict.action, verdict.rule) == ("BLOCK", "BlockSqliLabel")


def test_a_count_rule_does_not_block_and_adds_its_labels() -> None:
    rule = {
        "Name": "WatchAdmin",
        "Priority": 0,
        "Action": {"Count": {}},
        "RuleLabels": [{"Name": "admin:seen"}],
        "Statement": {
            "ByteMatchStatement": {
                "SearchString": "/admin",
                "FieldToMatch": {"UriPath": {}},
                "PositionalConstraint": "STARTS_WITH",
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
            }
        },
        "VisibilityConfig": visibility("WatchAdmin"),
    }
    verdict = make([rule]).evaluate(req("/admin/x"))
    assert verdict.action == "ALLOW"
    assert verdict.counted == ["WatchAdmin"]
    assert verdict.labels == ["awswaf:000000000000:webacl:site:admin:seen"]


def test_rules_run_in_priority_order() -> None:
    allow = {
        "Name": "AllowHealth",
        "Priority": 0,
        "Action": {"Allow": {}},
        "Statement": {
            "ByteMatchStatement": {
                "SearchString": "/health",
                "FieldToMatch": {"UriPath": {}},
                "PositionalConstraint": "EXACTLY",
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
            }
        },
        "VisibilityConfig": visibility("AllowHealth"),
    }
    # Listed after the group but with a lower priority: it runs first.
    verdict = make([managed("AWSManagedRulesCommonRuleSet", 5), allow]).evaluate(
        req("/health", headers=[("host", "x")])
    )
    assert (verdict.action, verdict.rule) == ("ALLOW", "AllowHealth")


def test_rate_based_rule_blocks_after_the_limit_and_forgets_after_the_window() -> None:
    clock = Clock()
    web_acl = make([rate_rule(10, EvaluationWindowSec=60)], clock)
    actions = [web_acl.evaluate(req(ip="10.0.0.1")).action for _ in range(12)]
    assert actions == ["ALLOW"] * 10 + ["BLOCK"] * 2
    assert web_acl.evaluate(req(ip="10.0.0.2")).action == "ALLOW"  # per IP
    clock.now += 61
    assert web_acl.evaluate(req(ip="10.0.0.1")).action == "ALLOW"


def test_rate_based_scope_down_counts_only_matching_requests() -> None:
    scope = {
        "ByteMatchStatement": {
            "SearchString": "/api/",
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "STARTS_WITH",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    web_acl = make([rate_rule(10, ScopeDownStatement=scope)])
    for _ in range(20):
        assert web_acl.evaluate(req("/index.html")).action == "ALLOW"
    actions = [web_acl.evaluate(req("/api/posts")).action for _ in range(11)]
    assert actions[-1] == "BLOCK" and actions.count("BLOCK") == 1


def test_block_custom_response_and_default_block() -> None:
    rule = rate_rule(10)
    rule["Action"] = {
        "Block": {
            "CustomResponse": {
                "ResponseCode": 429,
                "CustomResponseBodyKey": "slow",
                "ResponseHeaders": [{"Name": "reason", "Value": "rate"}],
            }
        }
    }
    web_acl = make(
        [rule],
        CustomResponseBodies={
            "slow": {"ContentType": "APPLICATION_JSON", "Content": '{"m":"slow down"}'}
        },
    )
    for _ in range(10):
        web_acl.evaluate(req())
    verdict = web_acl.evaluate(req())
    assert (verdict.status, verdict.body, verdict.content_type) == (
        429,
        b'{"m":"slow down"}',
        "application/json",
    )
    assert verdict.headers == [("x-amzn-waf-reason", "rate")]
    assert make([], default={"Block": {}}).evaluate(req()).action == "BLOCK"


def test_captcha_and_challenge_answer_as_for_a_client_without_a_token() -> None:
    rule = rate_rule(10)
    rule["Action"] = {"Captcha": {}}
    rule["Statement"] = {
        "NotStatement": {"Statement": {"LabelMatchStatement": {"Scope": "LABEL", "Key": "x"}}}
    }
    verdict = make([rule]).evaluate(req())
    assert (verdict.action, verdict.status, verdict.headers) == (
        "CAPTCHA",
        405,
        [("x-amzn-waf-action", "captcha")],
    )
    rule["Action"] = {"Challenge": {}}
    verdict = make([rule]).evaluate(req())
    assert (verdict.status, verdict.headers) == (202, [("x-amzn-waf-action", "challenge")])


def test_notes_name_what_is_not_emulated() -> None:
    web_acl = make([managed("AWSManagedRulesBotControlRuleSet", 1), rate_rule(5, priority=2)])
    notes = web_acl.notes()
    assert any("AWSManagedRulesBotControlRuleSet is not emulated" in n for n in notes)
    assert any("below AWS's minimum of 10" in n for n in notes)
