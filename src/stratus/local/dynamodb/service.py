"""DynamoDB tables and their streams, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.providers import dynamodb
from stratus.local.providers.base import Provider


class DynamoDbService(EmulatedService):
    name = "dynamodb"
    order = 20
    moto_backends = ("dynamodb",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::DynamoDB::Table": dynamodb.TableProvider(),
    }


SERVICES = [DynamoDbService]
