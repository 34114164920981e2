"""IAM roles and policies (moto keeps them; the local cloud evaluates them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.providers import iam
from stratus.local.providers.base import Provider


class IamService(EmulatedService):
    name = "iam"
    order = 5
    moto_backends = ("iam", "sts")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::IAM::Role": iam.RoleProvider(),
        "AWS::IAM::Policy": iam.PolicyProvider(),
        "AWS::IAM::ManagedPolicy": iam.ManagedPolicyProvider(),
    }


SERVICES = [IamService]
