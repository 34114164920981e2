"""What a running local cloud offers its services: settings, clients, servers, the deployment.

How an emulator reaches moto (the one stated way): through `aws(service)` — boto3 clients
with root credentials against the local endpoint, so every call goes through the same
routing, hooks and events as a user's call. Reading a moto backend object directly is
allowed only on a hot path inside a hook, and says so where it happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from stratus.local.core.clock import CloudClock
from stratus.local.core.metrics import BuiltinMetrics

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from stratus.local.cognito.keys import LocalTokenKeys
    from stratus.local.core.aws_request import AwsRequest
    from stratus.local.core.registry import EmulatedService
    from stratus.local.core.servers import RunningServer
    from stratus.local.core.settings import LocalSettings
    from stratus.local.iam.credentials import CredentialStore
    from stratus.local.provision.model import Deployment

log = logging.getLogger("stratus.up")
S = TypeVar("S", bound="EmulatedService")


class Reporter(Protocol):
    def step(self, title: str) -> contextlib.AbstractContextManager[None]: ...
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...


@dataclass
class CloudContext:
    settings: LocalSettings
    reporter: Reporter
    aws: Callable[[str], Any]  # service name -> boto3 client (root credentials)
    credentials: CredentialStore
    keys: LocalTokenKeys
    services: list[EmulatedService]
    # Send a request straight to moto, past every hook (for hooks that wrap moto's answer).
    forward_to_moto: Callable[[AwsRequest], Awaitable[Response]]
    # The AWS endpoint itself, in-process (routing, every hook, moto): what a request to
    # :4566 gets, without the socket, for services that front it (DAX's upstream).
    aws_endpoint: Callable[[AwsRequest], Awaitable[Response]] | None = None
    # The endpoint's IAM stage (iam.enforce.IamStage), for services that front another
    # service with actions of their own (DAX).
    iam: Any = None
    deployment: Deployment | None = None
    # The deployment being provisioned (custom resources run functions before `deployment`
    # is set; their roles' policies are read from here meanwhile).
    provisioning: Deployment | None = None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Extra HTTPS routes the project serves beside the APIs (web apps, documents).
    web_routes: list[BaseRoute] = field(default_factory=list)
    servers: list[RunningServer] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)
    # Built-in CloudWatch metrics any service records (AWS/ApiGateway...), sent by CloudWatch.
    metrics: BuiltinMetrics = field(default_factory=BuiltinMetrics)
    # The clock tests can move (core.clock): token issuing/verification and code expiry.
    clock: CloudClock = field(default_factory=CloudClock)

    def service(self, kind: type[S]) -> S:
        """The running instance of another service (e.g. the gateway asks for Lambda's)."""
        for candidate in self.services:
            if isinstance(candidate, kind):
                return candidate
        raise LookupError(f"{kind.__name__} is not part of this local cloud")

    def require_deployment(self) -> Deployment:
        if self.deployment is None:
            raise RuntimeError("nothing is provisioned yet (start() runs after provisioning)")
        return self.deployment

    def policies_for_role(self, role_arn: str) -> list[dict[str, Any]]:
        from stratus.local.provision.provisioner import policies_for_role

        if self.deployment is None and self.provisioning is not None:
            return policies_for_role(self.provisioning, role_arn)
        return policies_for_role(self.require_deployment(), role_arn)

    async def serve(
        self, name: str, app: Any, port: int, *, tls: bool = False, **options: Any
    ) -> RunningServer:
        """Start an HTTP(S) server for `app` on the local host; stopped with the cloud.
        `options` go to uvicorn.Config (a service's own `http=` protocol class, say)."""
        from stratus.local.core import servers
        from stratus.local.core.tls import ensure_tls

        cert = key = None
        if tls:
            material = await asyncio.to_thread(ensure_tls, self.settings)
            cert, key = str(material.cert_pem), str(material.key_pem)
        running = await servers.start_server(
            name,
            app,
            self.settings.listen_hosts,
            port,
            ssl_certfile=cert,
            ssl_keyfile=key,
            **options,
        )
        self.servers.append(running)
        return running

    def background(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A task that runs until the cloud stops (cancelled then)."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.append(task)
        return task
