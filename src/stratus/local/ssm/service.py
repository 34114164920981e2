"""SSM parameters, in moto."""

from __future__ import annotations

from stratus.local.core.registry import EmulatedService


class SsmService(EmulatedService):
    name = "ssm"
    order = 20
    moto_backends = ("ssm",)


SERVICES = [SsmService]
