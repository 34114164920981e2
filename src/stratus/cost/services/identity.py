"""Amazon Cognito user pools by monthly active users and feature plan (UserPoolTier), and
Amazon SES e-mail per 1,000. https://aws.amazon.com/cognito/pricing/ ,
https://aws.amazon.com/ses/pricing/
"""

from __future__ import annotations

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services.context import PricingContext

# CloudFormation's default feature plan for a new user pool is ESSENTIALS
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpool.html).
DEFAULT_TIER = "ESSENTIALS"


def mau_cost(mau: float, tier: str, prices: PriceBook) -> float:
    return tiered(mau, prices.rate("cognito", "mau_tiers", tier))


def email_cost(emails: float, prices: PriceBook, plan: str = "per_use") -> float:
    """Per use, $0.10 per 1,000; on the Essentials plan, by its tiers per month (SES sells
    plans since 2026-07-21 and new accounts default to Essentials; accounts that sent e-mail
    since 2025-06-01 stay per use)."""
    if plan == "essentials":
        return tiered(emails, prices.rate("ses", "essentials_per_1000_emails_tiers"), per=1000)
    return emails / 1000 * float(prices.rate("ses", "per_1000_emails"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    for pool in ctx.inv.of_type("AWS::Cognito::UserPool"):
        mau = ctx.work.mau.get(pool.key, 0.0)
        tier = str(pool.props.get("UserPoolTier") or DEFAULT_TIER)
        out.append(
            ctx.line(
                "cognito",
                pool,
                f"monthly active users ({tier})",
                mau,
                "MAU",
                mau_cost(mau, tier, ctx.prices),
            )
        )
    plan = ctx.options.ses_plan
    for ident in ctx.inv.of_type("AWS::SES::EmailIdentity"):
        emails = ctx.work.emails.get(ident.key, 0.0)
        if emails:
            out.append(
                ctx.line(
                    "ses",
                    ident,
                    "e-mails sent" + (" (Essentials plan)" if plan == "essentials" else ""),
                    emails,
                    "e-mails",
                    email_cost(emails, ctx.prices, plan),
                )
            )
    return out
