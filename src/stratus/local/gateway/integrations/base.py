"""What every integration type shares: the call it receives, the result it gives back, the
error it raises, and the services it may use (HTTP client, role sessions).

An integration is ``async def integrate(call: IntegrationCall) -> IntegrationResult``; it
raises :class:`IntegrationError` with the gateway error to answer (the app renders it with
the API's GatewayResponses). Timeouts are the dispatcher's (``integrations.integrate``).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from stratus.local.gateway import errors as E
from stratus.local.gateway.errors import GatewayError

if TYPE_CHECKING:
    from stratus.local.core.contracts import LocalContext
    from stratus.local.gateway.config import Method, RestApi, Stage
    from stratus.local.gateway.integrations.sessions import RoleSessions
    from stratus.local.gateway.proxy import RequestInfo


class IntegrationError(Exception):
    """End the request with ``error``; ``detail`` is for the local log only."""

    def __init__(self, error: GatewayError, detail: str = "") -> None:
        super().__init__(detail or error.message)
        self.error = error
        self.detail = detail


def configuration_error(detail: str) -> IntegrationError:
    """AWS's 500 for an API it cannot execute (API_CONFIGURATION_ERROR,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html)."""
    return IntegrationError(E.CONFIGURATION_ERROR, detail)


@dataclass
class IntegrationResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class BackendResponse:
    """What the backend answered, before integration responses: ``selector`` is what a
    selectionPattern is matched against (the status code, or a Lambda's errorMessage)."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    selector: str
    lambda_error: bool = False


@dataclass
class IntegrationCall:
    """One request on its way to the integration (after throttling, authorization and
    validation)."""

    ctx: LocalContext
    req: RequestInfo
    hmap: dict[str, str]
    api: RestApi
    stage: Stage
    method: Method
    path_params: dict[str, str]
    claims: Mapping[str, str] | None
    log: dict[str, Any]
    services: IntegrationServices
    extra: dict[str, Any] = field(default_factory=dict)
    # Adds what the authorizer granted to a proxy event (requestContext.identity/authorizer).
    decorate: Callable[[dict[str, Any]], None] | None = None

    def proxy_event(self) -> dict[str, Any]:
        """The Lambda proxy event for this request, with the authorizer's grant."""
        from stratus.local.gateway.proxy import build_event

        event = build_event(
            self.req, self.api, self.stage, self.method, self.path_params, self.claims
        )
        if self.decorate is not None:
            self.decorate(event)
        return event

    @cached_property
    def context(self) -> dict[str, Any]:
        """``$context`` for templates and ``context.X`` mapping sources: the proxy event's
        requestContext, which has the same names."""
        context: dict[str, Any] = dict(self.proxy_event()["requestContext"])
        if not context.get("accountId"):
            context["accountId"] = self.ctx.settings.account_id
        if self.stage.canary is not None:  # $context.isCanaryRequest, only with a canary
            context["isCanaryRequest"] = self.stage.is_canary
        return context

    @cached_property
    def multi_query(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.req.query:
            out.setdefault(name, []).append(value)
        return out

    @cached_property
    def multi_headers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.req.headers:
            out.setdefault(name, []).append(value)
        return out


class Integration(Protocol):
    async def __call__(self, call: IntegrationCall) -> IntegrationResult: ...


@dataclass
class IntegrationServices:
    """Long-lived helpers of the gateway's integrations: one HTTP client (connections kept
    alive) and the sessions of integration credentials roles."""

    sessions: RoleSessions
    origins: Mapping[str, str]  # declared web origin -> where it is really served
    ca_file: str | None = None
    _client: httpx.AsyncClient | None = None
    make_client: Callable[[], httpx.AsyncClient] | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            if self.make_client is not None:
                self._client = self.make_client()
            else:
                verify = ssl.create_default_context()
                if self.ca_file:
                    verify.load_verify_locations(self.ca_file)
                # The environment's proxies are not for calls between local services.
                self._client = httpx.AsyncClient(verify=verify, trust_env=False, timeout=None)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
