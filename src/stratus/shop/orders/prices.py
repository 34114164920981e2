"""Where order prices come from: the `PriceSource` protocol and the catalog adapter.

The domain only sees `PriceSource.quote(ids)`; the production adapter calls catalog's
IAM-authorised route `GET {CatalogApiUrl}/v2/prices?ids=a,b` (answer: `{"prices": {"a":
"12.50"}, "missing": ["b"]}`) through catalog's generated SDK (`stratus_catalog_client`,
shipped in the shop bundle) with the SDK's SigV4 hook, signing for `execute-api` with the
function's own credentials (its role may invoke exactly that route).
AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
TLS trusts `AWS_CA_BUNDLE` when set (the AWS SDKs' variable,
https://docs.aws.amazon.com/sdkref/latest/guide/feature-gen-config.html), else the system
store.

A catalog that cannot be reached or answers anything but 200 with that shape is a 502 for
the customer: the order is not placed, and nothing is written.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, cast

import httpx
from stratus_catalog_client import AuthenticatedClient, Client
from stratus_catalog_client.api.default import get_prices
from stratus_catalog_client.models import PriceQuote
from stratus_catalog_client.signing import SigV4

from stratus.runtime.errors import StratusError
from stratus.shop.orders.domain import parse_money

ENV_CA_BUNDLE = "AWS_CA_BUNDLE"


class CatalogUnavailableError(StratusError):
    status = 502
    code = "CatalogUnavailable"


@dataclass(frozen=True)
class Quote:
    prices: Mapping[str, Decimal]
    missing: Sequence[str] = field(default_factory=tuple)


class PriceSource(Protocol):
    def quote(self, product_ids: Sequence[str]) -> Quote: ...


def parse_quote(body: Any, asked: Sequence[str]) -> Quote:
    """Validate catalog's answer; a malformed one raises CatalogUnavailableError."""
    if not isinstance(body, Mapping):
        raise CatalogUnavailableError("catalog answered an unexpected body")
    raw_prices, missing = body.get("prices", {}), body.get("missing", [])
    if not isinstance(raw_prices, Mapping) or not isinstance(missing, list):
        raise CatalogUnavailableError("catalog answered an unexpected body")
    try:
        prices = {str(pid): parse_money(value) for pid, value in raw_prices.items()}
    except ValueError as exc:
        raise CatalogUnavailableError(f"catalog sent a bad price: {exc}") from None
    unanswered = [pid for pid in asked if pid not in prices and pid not in missing]
    return Quote(prices=prices, missing=[*map(str, missing), *unanswered])


def _verify(verify: str | bool | None) -> ssl.SSLContext | bool:
    if verify is None:
        verify = os.environ.get(ENV_CA_BUNDLE) or True
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


class CatalogPriceSource:
    """Prices from catalog's `GET /v2/prices`, through its SDK, signed with SigV4."""

    def __init__(
        self,
        base_url: str,
        region: str,
        credentials: Any = None,
        *,
        timeout: float = 5.0,
        verify: str | bool | None = None,
    ) -> None:
        # credentials: botocore Credentials (refreshable); None: the default chain.
        self._client = Client(
            base_url=base_url,
            verify_ssl=_verify(verify),
            timeout=httpx.Timeout(timeout),
            httpx_args={"auth": SigV4(region, credentials)},
            raise_on_unexpected_status=False,
        )

    def quote(self, product_ids: Sequence[str]) -> Quote:
        # The route needs SigV4, not a bearer token: the SigV4 hook is the authentication.
        client = cast("AuthenticatedClient", self._client)
        try:
            response = get_prices.sync_detailed(client=client, ids=",".join(product_ids))
        except httpx.TransportError as exc:
            raise CatalogUnavailableError(f"catalog unreachable: {type(exc).__name__}") from None
        except (ValueError, KeyError, TypeError, AttributeError):  # 200 with a foreign body
            raise CatalogUnavailableError("catalog answered an unexpected body") from None
        if response.status_code != 200 or not isinstance(response.parsed, PriceQuote):
            raise CatalogUnavailableError(f"catalog answered {int(response.status_code)}")
        return parse_quote(response.parsed.to_dict(), product_ids)
