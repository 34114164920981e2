"""The shop's own stage settings: catalog's optional custom domain and its certificate.

Context `catalogDomain` (e.g. `catalog.example.com`) puts v1 and v2 of the catalog API side
by side on that domain (base paths `v1` and `v2`); `catalogCertificateArn` names a regional
ACM certificate for it (without one, the stack requests a DNS-validated certificate).
The `local` stage (`stratus up`) has `catalog.shop.local.localhost` unless given another:
`*.localhost` names are loopback (RFC 6761), so the local gateway answers it, and the
local ACM issues its certificate from the local CA.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.infra.shared.stage import StageConfig, StageConfigError, shared_fields, stage_config

SHOP_KEYS = ("catalogDomain", "catalogCertificateArn")
LOCAL_CATALOG_DOMAIN = "catalog.shop.local.localhost"
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class ShopStageConfig(StageConfig):
    catalog_domain: str | None
    catalog_certificate_arn: str | None


def shop_stage_config(
    context: Mapping[str, Any], base: StageConfig | None = None
) -> ShopStageConfig:
    base = base or stage_config(context)
    domain = str(context.get("catalogDomain") or "").strip().lower() or None
    if domain is None and base.name == "local":
        domain = LOCAL_CATALOG_DOMAIN
    if domain is not None and not _DOMAIN_RE.match(domain):
        raise StageConfigError(f"context catalogDomain {domain!r} is not a domain name")
    cert = str(context.get("catalogCertificateArn") or "").strip() or None
    if cert is not None and not cert.startswith("arn:"):
        raise StageConfigError(f"context catalogCertificateArn {cert!r} is not an ARN")
    return ShopStageConfig(
        **shared_fields(base), catalog_domain=domain, catalog_certificate_arn=cert
    )
