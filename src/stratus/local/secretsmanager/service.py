"""Secrets Manager secrets, in moto; target attachments add a database's connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.provision.provider import Provider
from stratus.local.secretsmanager.attachment import SecretTargetAttachmentProvider
from stratus.local.secretsmanager.providers import SecretProvider


class SecretsManagerService(EmulatedService):
    name = "secretsmanager"
    order = 20
    moto_backends = ("secretsmanager",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SecretsManager::Secret": SecretProvider(),
        "AWS::SecretsManager::SecretTargetAttachment": SecretTargetAttachmentProvider(),
    }


SERVICES = [SecretsManagerService]
