"""SSM parameters, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.providers import ssm
from stratus.local.providers.base import Provider


class SsmService(EmulatedService):
    name = "ssm"
    order = 20
    moto_backends = ("ssm",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SSM::Parameter": ssm.ParameterProvider(),
    }


SERVICES = [SsmService]
