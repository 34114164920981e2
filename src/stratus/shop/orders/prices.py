"""Where order prices come from: the `PriceSource` protocol and the catalog adapter.

The domain only sees `PriceSource.quote(ids)`; the production adapter calls catalog's
IAM-authorised route `GET {CatalogApiUrl}/v2/prices?ids=a,b`, which answers
`{"prices": {"a": "12.50"}, "missing": ["b"]}`, signing the request with SigV4 for the
`execute-api` service with the function's own credentials (its role must allow
`execute-api:Invoke` on that route).
AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
botocore signs (SigV4Auth) and sends (its urllib3 session), so no HTTP or signing code is
ours; TLS trusts `AWS_CA_BUNDLE` when set (the AWS SDKs' variable), else the system store.

A catalog that cannot be reached or answers anything but 200 with that shape is a 502 for
the customer: the order is not placed, and nothing is written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, cast
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError
from botocore.httpsession import URLLib3Session

from stratus.runtime.errors import StratusError
from stratus.shop.orders.domain import parse_money

PRICES_PATH = "v2/prices"
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


class CatalogPriceSource:
    """Prices from catalog's `GET /v2/prices` over SigV4."""

    def __init__(self, base_url: str, region: str, credentials: Any, *,
                 timeout: int = 5, verify: str | bool | None = None) -> None:
        self._url = base_url.rstrip("/") + "/" + PRICES_PATH
        self._region = region
        self._credentials = credentials  # botocore Credentials (refreshable) or a provider
        if verify is None:
            verify = os.environ.get(ENV_CA_BUNDLE) or True
        # botocore's session accepts a CA bundle path for `verify`, as its clients do.
        self._http = URLLib3Session(verify=cast("bool", verify), timeout=timeout)

    def _frozen(self) -> Credentials:
        creds = self._credentials
        if hasattr(creds, "get_frozen_credentials"):
            creds = creds.get_frozen_credentials()  # refreshable role credentials
        frozen = creds
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    def quote(self, product_ids: Sequence[str]) -> Quote:
        url = f"{self._url}?{urlencode({'ids': ','.join(product_ids)})}"
        request = AWSRequest(method="GET", url=url, headers={"Accept": "application/json"})
        SigV4Auth(self._frozen(), "execute-api", self._region).add_auth(request)
        try:
            response = self._http.send(request.prepare())
        except BotoCoreError as exc:
            raise CatalogUnavailableError(f"catalog unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise CatalogUnavailableError(f"catalog answered {response.status_code}")
        try:
            body = json.loads(response.content)
        except ValueError:
            raise CatalogUnavailableError("catalog answered non-JSON") from None
        return parse_quote(body, product_ids)
