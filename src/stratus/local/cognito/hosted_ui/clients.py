"""An app client's OAuth settings, as DescribeUserPoolClient shows them, read from moto.

The hosted UI answers every authorize and token request by these settings; they are read
per request (a client updated through the API applies at once). Reading moto's objects
directly, as `cognito.pools` does, keeps the hot path free of a boto3 round trip.

Local callback URLs: a CDK app written for the local cloud names the gateway's default
origin (`https://127.0.0.1:4443`, `https://localhost:4443`); when the gateway runs on
another port those URLs are read as naming the running gateway (`localize`), so an app's
callback works on whatever port `stratus up` chose. AWS stages never name a loopback
origin, so this changes nothing for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.cognito import pools
from stratus.local.core.durable import mutate, operation


@dataclass(frozen=True)
class AppClient:
    client_id: str
    pool_id: str
    region: str
    secret: str | None
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    flows: frozenset[str]  # AllowedOAuthFlows: code, implicit, client_credentials
    scopes: frozenset[str]  # AllowedOAuthScopes
    oauth_enabled: bool  # AllowedOAuthFlowsUserPoolClient
    identity_providers: tuple[str, ...]
    revocation_enabled: bool

    def allows_callback(self, url: str) -> bool:
        """Exact match, as Cognito compares (no prefix, no trailing-slash leniency):
        https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html"""
        return url in self.callback_urls

    def allows_logout(self, url: str) -> bool:
        return url in self.logout_urls


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def localize(url: str, origins: Mapping[str, str]) -> str:
    """A URL naming the gateway's default origin -> the running gateway's origin."""
    for default, real in origins.items():
        if url == default or url.startswith(default + "/"):
            return real + url[len(default) :]
    return url


def find_client(client_id: str, origins: Mapping[str, str] | None = None) -> AppClient | None:
    pool = pools.pool_by_client(client_id) if client_id else None
    if pool is None:
        return None
    client = pool.clients[client_id]
    config: dict[str, Any] = client.extended_config
    origins = origins or {}
    return AppClient(
        client_id=client_id,
        pool_id=str(pool.id),
        region=str(pool.region),
        secret=str(client.secret) if client.generate_secret else None,
        callback_urls=tuple(localize(u, origins) for u in _strings(config.get("CallbackURLs"))),
        logout_urls=tuple(localize(u, origins) for u in _strings(config.get("LogoutURLs"))),
        flows=frozenset(_strings(config.get("AllowedOAuthFlows"))),
        scopes=frozenset(_strings(config.get("AllowedOAuthScopes"))),
        oauth_enabled=bool(config.get("AllowedOAuthFlowsUserPoolClient")),
        identity_providers=_strings(config.get("SupportedIdentityProviders")) or ("COGNITO",),
        revocation_enabled=bool(config.get("EnableTokenRevocation", True)),
    )


def resource_server_scopes(pool_id: str) -> frozenset[str]:
    """`<identifier>/<scope name>` for every resource server of the pool."""
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return frozenset()
    found: set[str] = set()
    for server in pool.resource_servers.values():
        for scope in server.scopes or []:
            found.add(f"{server.identifier}/{scope.get('ScopeName')}")
    return frozenset(found)


def token_validity(pool_id: str, client_id: str) -> tuple[int, int]:
    """(access, id) token lifetimes in seconds, as the client configures them (1 h default)."""
    pool = pools.pool_by_id(pool_id)
    client = None if pool is None else pool.clients.get(client_id)
    config: dict[str, Any] = {} if client is None else client.extended_config
    units = config.get("TokenValidityUnits") or {}
    factor = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

    def seconds(key: str, unit_key: str) -> int:
        value = config.get(key)
        if not isinstance(value, int):
            return 3600
        return value * factor.get(str(units.get(unit_key, "hours")), 3600)

    return seconds("AccessTokenValidity", "AccessToken"), seconds("IdTokenValidity", "IdToken")


def relocalize(deployment: Any, origins: Mapping[str, str]) -> int:
    """At start: each provisioned app client's callback and sign-out URLs as its template
    says, localized for the gateway's port now (a state provisioned while the gateway ran
    on another port named that one). Returns how many clients changed."""
    changed = 0
    for resource in deployment.resources("AWS::Cognito::UserPoolClient"):
        pool = pools.pool_by_client(resource.physical_id)
        if pool is None:
            continue
        config = pool.clients[resource.physical_id].extended_config
        wanted: dict[str, list[str]] = {}
        for key in ("CallbackURLs", "LogoutURLs"):
            template = resource.properties.get(key)
            if isinstance(template, list):
                urls = [localize(str(url), origins) for url in template]
                if config.get(key) != urls:
                    wanted[key] = urls
        if wanted:
            mutate(
                "cognito.hosted-ui-client-urls",
                pool_id=str(pool.id),
                client_id=resource.physical_id,
                urls=wanted,
            )
            changed += 1
    return changed


@operation("cognito.hosted-ui-client-urls", services=("cognito-idp",))
def _set_urls(pool_id: str, client_id: str, urls: dict[str, list[str]]) -> None:
    pool = pools.pool_by_id(pool_id)
    client = None if pool is None else pool.clients.get(client_id)
    if client is not None:
        client.extended_config.update(urls)
