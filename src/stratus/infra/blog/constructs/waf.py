"""The blog's web ACL (scope CLOUDFRONT) on the distribution.

Rules, by priority: a rate-based rule per client IP over 5 minutes (`cfg.waf_rate_limit`,
1,000 by default, a stage setting), then AWS's managed Common, KnownBadInputs and SQLi rule
groups (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html).
The Common group's `SizeRestrictions_BODY` (8 KB) only counts: authors' Markdown posts are
longer, and the API validates body sizes itself; the query-string, URI and cookie size
limits stay blocking.

A CLOUDFRONT web ACL must live in us-east-1; the blog stack is pinned there (see stack.py),
so the ACL is created beside the distribution and referenced by ARN.
"""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stratus.infra.blog.stage import BlogStageConfig

RATE_WINDOW_SECONDS = 300
MANAGED_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
COUNT_ONLY = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in COUNT_ONLY.get(name, ())
    ]
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(name),
    )


class BlogWaf(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: BlogStageConfig) -> None:
        super().__init__(scope, construct_id)
        rate = wafv2.CfnWebACL.RuleProperty(
            name="RatePerIp",
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=cfg.waf_rate_limit,
                    aggregate_key_type="IP",
                    evaluation_window_sec=RATE_WINDOW_SECONDS,
                )
            ),
            visibility_config=_visibility("BlogRatePerIp"),
        )
        self.acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"stratus-{cfg.name}-blog-edge",
            description="MyBlog.com distribution: rate limit per IP, AWS managed rule groups",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"stratus-{cfg.name}-blog-edge"),
            rules=[rate, *(_managed(n, 10 + i) for i, n in enumerate(MANAGED_GROUPS))],
        )

    @property
    def arn(self) -> str:
        return self.acl.attr_arn
