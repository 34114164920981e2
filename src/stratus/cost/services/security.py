"""AWS WAF (web ACL, rules, requests inspected), Secrets Manager, KMS keys and Route 53 hosted
zones. https://aws.amazon.com/waf/pricing/ , https://aws.amazon.com/secrets-manager/pricing/ ,
https://aws.amazon.com/kms/pricing/ , https://aws.amazon.com/route53/pricing/
"""

from __future__ import annotations

from stratus.cost.inventory import refs
from stratus.cost.model import CostLine
from stratus.cost.services.context import PricingContext


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    waf = ctx.prices.service("waf")
    for acl in ctx.inv.of_type("AWS::WAFv2::WebACL"):
        rules = len(acl.props.get("Rules", []))
        fixed = float(waf["web_acl_month"]) + rules * float(waf["rule_month"])
        out.append(ctx.line("waf", acl, f"web ACL with {rules} rules", 1, "ACL-months", fixed))
        requests = sum(
            ctx.work.cdn_requests.get(d.key, 0.0)
            for d in ctx.inv.in_stack(acl.stack, "AWS::CloudFront::Distribution")
            if acl.logical_id in refs(d.props.get("DistributionConfig", {}).get("WebACLId"))
        )
        if requests:
            usd = requests / 1e6 * float(waf["requests_per_million"])
            out.append(ctx.line("waf", acl, "requests inspected", requests, "requests", usd))
    for secret in ctx.inv.of_type("AWS::SecretsManager::Secret"):
        rate = float(ctx.prices.rate("secretsmanager", "secret_month"))
        out.append(ctx.line("secretsmanager", secret, "secret", 1, "secret-months", rate))
    for key in ctx.inv.of_type("AWS::KMS::Key"):
        out.append(
            ctx.line(
                "kms",
                key,
                "customer managed key",
                1,
                "key-months",
                float(ctx.prices.rate("kms", "key_month")),
            )
        )
    for zone in ctx.inv.of_type("AWS::Route53::HostedZone"):
        rate = float(ctx.prices.rate("route53", "hosted_zone_month"))
        out.append(ctx.line("route53", zone, "hosted zone", 1, "zone-months", rate))
    return out
