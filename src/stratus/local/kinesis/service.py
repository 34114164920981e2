"""Kinesis data streams, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.kinesis.providers import StreamProvider
from stratus.local.provision.provider import Provider


class KinesisService(EmulatedService):
    name = "kinesis"
    order = 20
    moto_backends = ("kinesis",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Kinesis::Stream": StreamProvider(),
    }


SERVICES = [KinesisService]
