"""IAM roles and policies (moto keeps them; the local cloud evaluates them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.iam.providers import ManagedPolicyProvider, PolicyProvider, RoleProvider
from stratus.local.provision.provider import Provider


class IamService(EmulatedService):
    name = "iam"
    order = 5
    moto_backends = ("iam", "sts")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::IAM::Role": RoleProvider(),
        "AWS::IAM::Policy": PolicyProvider(),
        "AWS::IAM::ManagedPolicy": ManagedPolicyProvider(),
    }


SERVICES = [IamService]
