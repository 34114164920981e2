"""What every console page reads: the running cloud, its deployment and AWS clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment

S = TypeVar("S", bound=EmulatedService)


@dataclass
class ConsoleContext:
    cloud: CloudContext
    # AWS clients per Region (root credentials), made on first use: the console lists every
    # Region the deployment provisioned into.
    _clients: dict[str, Callable[[str], Any]] = field(default_factory=dict)

    @property
    def settings(self) -> LocalSettings:
        return self.cloud.settings

    @property
    def deployment(self) -> Deployment | None:
        return self.cloud.deployment

    def service(self, kind: type[S]) -> S:
        return self.cloud.service(kind)

    def aws(self, service: str, region: str | None = None) -> Any:
        """A boto3 client of `service` against the local endpoint (root credentials)."""
        if region is None or region == self.settings.region:
            return self.cloud.aws(service)
        if region not in self._clients:
            from stratus.local.cloud import aws_client_factory

            self._clients[region] = aws_client_factory(self.settings, region)
        return self._clients[region](service)
