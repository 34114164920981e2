"""DynamoDB tables and their streams, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.dynamodb import moto_patches
from stratus.local.dynamodb.providers import TableProvider
from stratus.local.provision.provider import Provider

moto_patches.install()  # bad UpdateExpressions answered 400, not 500


class DynamoDbService(EmulatedService):
    name = "dynamodb"
    order = 20
    moto_backends = ("dynamodb",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::DynamoDB::Table": TableProvider(),
    }


SERVICES = [DynamoDbService]
