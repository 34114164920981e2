"""boto3 clients for the local AWS endpoint, per service, region and account.

Each stack lives in its own region and account (its CDK env), so the provisioner asks for
`clients(service, region, account)`; a provider sees that bound to its stack as
`ctx.aws(service)`. moto keeps one backend per account and region: the region comes from the
client's SigV4 scope, the account from moto's `x-moto-account-id` request header
(moto/core/responses.py `get_current_account`; MotoApp sets it to the local account when a
request does not carry one).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any, Protocol

from botocore.config import Config

from stratus.local.core.botocore_data import boto3_session

ACCOUNT_HEADER = "x-moto-account-id"


class ClientFactory(Protocol):
    def __call__(
        self, service: str, region: str | None = None, account: str | None = None
    ) -> Any: ...


class AwsClients:
    """A thread-safe cache of clients; `(service)` alone gives the default region/account."""

    def __init__(
        self,
        endpoint: str,
        *,
        region: str,
        account: str,
        access_key: str = "test",
        secret_key: str = "test",
        config: Config | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.region = region
        self.account = account
        self._session = boto3_session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key
        )
        self._config = config or Config(
            retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}
        )
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str | None = None, account: str | None = None) -> Any:
        key = (service, region or self.region, account or self.account)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._make(*key)
            return self._cache[key]

    def _make(self, service: str, region: str, account: str) -> Any:
        client = self._session.client(  # type: ignore[call-overload]
            service, region_name=region, endpoint_url=self.endpoint, config=self._config
        )
        if account != self.account:

            def add_account(request: Any, **_: Any) -> None:
                request.headers[ACCOUNT_HEADER] = account

            client.meta.events.register("before-sign.*.*", add_account)
        return client


def bind(
    clients: Callable[..., Any], region: str, account: str, *, default_region: str
) -> Callable[[str], Any]:
    """`service -> client` in one region/account, from a factory.

    A plain one-argument factory (`service -> client`, as older callers pass) serves only its
    own default region; asking it for another region raises TypeError naming the need.
    """
    if accepts_region(clients):
        return lambda service: clients(service, region=region, account=account)
    if region != default_region:
        raise TypeError(
            f"stacks in {region} need a region-aware client factory "
            "(service, region=None, account=None), e.g. stratus.local.core.clients.AwsClients"
        )
    return lambda service: clients(service)


def accepts_region(clients: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(clients).parameters
    except (TypeError, ValueError):
        return False
    return "region" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )
