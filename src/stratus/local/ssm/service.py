"""SSM parameters, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.provision.provider import Provider
from stratus.local.ssm import moto_patches
from stratus.local.ssm.providers import ParameterProvider

moto_patches.install()  # before anything imports moto's SSM: EC2 stays unloaded until used


class SsmService(EmulatedService):
    name = "ssm"
    order = 20
    moto_backends = ("ssm",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SSM::Parameter": ParameterProvider(),
    }


SERVICES = [SsmService]
