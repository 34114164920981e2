"""The blog's own stage settings (CDK context), beside the shared `StageConfig`.

- `blogMailDomain`: a domain SES sends from (an `AWS::SES::EmailIdentity` with Easy DKIM and
  a MAIL FROM domain; default `blogDomain`, whose hosted zone then gets the DKIM and MAIL
  FROM records); without either, the address `blogMailFrom` is the identity (default below).
- `blogSiteUrl`: the public site URL used in feeds and mail links (default: `https://` +
  `blogDomain` when set, else a placeholder: the distribution's own domain is only known
  after deploy, see the `SiteUrl` output).
- `blogDomain` (apex, e.g. `myblog.com`) with `blogHostedZoneId` (and `blogHostedZoneName`,
  default the domain): the distribution answers the apex and `www` with a DNS-validated ACM
  certificate and Route 53 alias records; without them it answers its own domain only.
- `blogWafRateLimit`: the WAF rate-based rule's requests per 5 minutes per IP (default
  1,000, as issue 9 asks; the `local` stage 100,000 so `make bench`'s read storms from one
  address are not blocked; AWS's minimum is 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.infra.shared.stage import StageConfig, StageConfigError, shared_fields, stage_config

BLOG_KEYS = (
    "blogMailDomain",
    "blogMailFrom",
    "blogSiteUrl",
    "blogDomain",
    "blogHostedZoneId",
    "blogHostedZoneName",
    "blogWafRateLimit",
)
DEFAULT_MAIL_FROM = "newsletter@myblog.example"
DEFAULT_SITE_URL = "https://myblog.example"
DEFAULT_WAF_RATE_LIMIT = 1000
LOCAL_WAF_RATE_LIMIT = 100_000
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)  # AWS RateBasedStatement.Limit bounds


@dataclass(frozen=True)
class BlogStageConfig(StageConfig):
    mail_domain: str | None
    mail_from: str
    site_url: str
    domain: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    waf_rate_limit: int = DEFAULT_WAF_RATE_LIMIT


def blog_stage_config(
    context: Mapping[str, Any], base: StageConfig | None = None
) -> BlogStageConfig:
    base = base or stage_config(context)
    site_domain = str(context.get("blogDomain") or "").strip().lower().rstrip(".") or None
    mail_domain = str(context.get("blogMailDomain") or "").strip().lower().rstrip(".")
    domain = mail_domain or site_domain
    mail_from = str(context.get("blogMailFrom") or "").strip()
    if not mail_from:
        mail_from = f"newsletter@{domain}" if domain else DEFAULT_MAIL_FROM
    if "@" not in mail_from or (domain and not mail_from.endswith(f"@{domain}")):
        raise StageConfigError(
            f"context blogMailFrom {mail_from!r} must be an address at the mail domain"
        )
    zone_id = str(context.get("blogHostedZoneId") or "").strip() or None
    if bool(site_domain) != bool(zone_id):
        raise StageConfigError("context blogDomain and blogHostedZoneId go together")
    zone_name = str(context.get("blogHostedZoneName") or "").strip().lower().rstrip(".")
    default_url = f"https://{site_domain}" if site_domain else DEFAULT_SITE_URL
    site_url = str(context.get("blogSiteUrl") or default_url).strip().rstrip("/")
    if not site_url.startswith("https://"):
        raise StageConfigError(f"context blogSiteUrl {site_url!r} must be an https URL")
    default_rate = LOCAL_WAF_RATE_LIMIT if base.name == "local" else DEFAULT_WAF_RATE_LIMIT
    raw_rate = context.get("blogWafRateLimit")
    try:
        rate = int(raw_rate) if raw_rate not in (None, "") else default_rate
    except (TypeError, ValueError):
        raise StageConfigError(f"context blogWafRateLimit {raw_rate!r} is not a number") from None
    low, high = WAF_RATE_LIMIT_RANGE
    if not low <= rate <= high:
        raise StageConfigError(f"context blogWafRateLimit must be {low}..{high}, got {rate}")
    return BlogStageConfig(
        **shared_fields(base),
        mail_domain=domain,
        mail_from=mail_from,
        site_url=site_url,
        domain=site_domain,
        hosted_zone_id=zone_id,
        hosted_zone_name=(zone_name or site_domain) if site_domain else None,
        waf_rate_limit=rate,
    )
