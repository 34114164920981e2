"""The registry of emulated services: what each one provisions, persists, answers and runs.

Each emulated service lives in its own package and declares one `EmulatedService` subclass:
the CloudFormation resource types it provisions, the moto backends whose state it keeps,
the AWS operations it answers or hooks (before or after moto), the ports it listens on, and
how it prepares (before provisioning), starts (from the provisioned deployment) and stops.
`cloud.py` is a loop over this registry; adding a service touches its own package only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall

if TYPE_CHECKING:
    from stratus.local.core.context import CloudContext
    from stratus.local.provision.provider import Provider

BeforeHook = Callable[[AwsCall], Awaitable[Response | None]]
AfterHook = Callable[[AwsCall, Response], Awaitable[None]]
PathHandler = Callable[[AwsRequest], Awaitable[Response | None]]


@dataclass(frozen=True)
class Hook:
    """Runs for `service`'s `operation` (None: every operation of that service).

    A before-hook answers instead of moto by returning a Response (None lets the request
    go on); an after-hook sees moto's (or a before-hook's) successful answer, e.g. to
    deliver the events a write causes. After-hooks may change response headers.
    """

    service: str
    operation: str | None = None
    before: BeforeHook | None = None
    after: AfterHook | None = None


@dataclass(frozen=True)
class PathRoute:
    """A path on the AWS endpoint that is not an AWS API call (e.g. Cognito's JWKS)."""

    methods: frozenset[str]
    pattern: str  # a regular expression matched against the decoded path
    handler: PathHandler


@dataclass(frozen=True)
class PortSpec:
    """A port a service listens on; `stratus up --<name>-port` overrides the default."""

    name: str
    default: int
    purpose: str


class EmulatedService:
    """Base of every emulated service. Override what the service has; the rest is empty."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 50  # start order (low first); stop runs in reverse
    # CloudFormation type -> provider that creates (or records) resources of that type.
    providers: ClassVar[Mapping[str, Provider]] = {}
    # moto backends (moto's service names) whose state is saved and restored.
    moto_backends: ClassVar[tuple[str, ...]] = ()
    ports: ClassVar[tuple[PortSpec, ...]] = ()

    def hooks(self) -> Iterable[Hook]:
        return ()

    def paths(self) -> Iterable[PathRoute]:
        return ()

    async def prepare(self, cloud: CloudContext) -> None:
        """Before provisioning: what provisioning itself needs (e.g. a runtime to invoke)."""

    def wait_provisioned(self) -> None:
        """Block until what this service's providers started in the background is usable
        (a function run during provisioning may use it; e.g. a database server)."""

    async def start(self, cloud: CloudContext) -> None:
        """After provisioning: configure from `cloud.deployment`, start servers and tasks."""

    async def stop(self) -> None:
        """Release what start() took; called in reverse order, even after a failed start."""

    def describe(self) -> Mapping[str, Any]:
        """What the service serves, for the start-up summary (name -> value)."""
        return {}


def providers_of(services: Iterable[EmulatedService]) -> dict[str, Provider]:
    """Every resource type the registry provisions; a type claimed twice is an error."""
    table: dict[str, Provider] = {}
    owner: dict[str, str] = {}
    for service in services:
        for type_name, provider in service.providers.items():
            if type_name in table:
                raise ValueError(
                    f"{type_name} is provisioned by both {owner[type_name]} and {service.name}"
                )
            table[type_name] = provider
            owner[type_name] = service.name
    return table


def moto_backends_of(services: Iterable[EmulatedService]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for service in services:
        for backend in service.moto_backends:
            seen.setdefault(backend, None)
    return tuple(seen)


def ports_of(services: Iterable[EmulatedService]) -> tuple[PortSpec, ...]:
    specs: dict[str, PortSpec] = {}
    for service in services:
        for spec in service.ports:
            if spec.name in specs:
                raise ValueError(f"port {spec.name!r} is declared twice")
            specs[spec.name] = spec
    return tuple(specs.values())
