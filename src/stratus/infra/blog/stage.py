"""The blog's own stage settings (CDK context), beside the shared `StageConfig`.

- `blogMailDomain`: a domain SES sends from (an `AWS::SES::EmailIdentity` with Easy DKIM);
  without it, the address `blogMailFrom` is the identity (default below).
- `blogSiteUrl`: the public site URL used in feeds (default: a placeholder until the
  CloudFront distribution and its domain are added).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.infra.shared.stage import StageConfig, StageConfigError, shared_fields, stage_config

BLOG_KEYS = ("blogMailDomain", "blogMailFrom", "blogSiteUrl")
DEFAULT_MAIL_FROM = "newsletter@myblog.example"
DEFAULT_SITE_URL = "https://myblog.example"


@dataclass(frozen=True)
class BlogStageConfig(StageConfig):
    mail_domain: str | None
    mail_from: str
    site_url: str


def blog_stage_config(
    context: Mapping[str, Any], base: StageConfig | None = None
) -> BlogStageConfig:
    base = base or stage_config(context)
    domain = str(context.get("blogMailDomain") or "").strip().lower() or None
    mail_from = str(context.get("blogMailFrom") or "").strip()
    if not mail_from:
        mail_from = f"newsletter@{domain}" if domain else DEFAULT_MAIL_FROM
    if "@" not in mail_from or (domain and not mail_from.endswith(f"@{domain}")):
        raise StageConfigError(
            f"context blogMailFrom {mail_from!r} must be an address at the mail domain"
        )
    site_url = str(context.get("blogSiteUrl") or DEFAULT_SITE_URL).strip().rstrip("/")
    if not site_url.startswith("https://"):
        raise StageConfigError(f"context blogSiteUrl {site_url!r} must be an https URL")
    return BlogStageConfig(
        **shared_fields(base), mail_domain=domain, mail_from=mail_from, site_url=site_url
    )
