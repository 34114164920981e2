"""SES, in moto (identities, sent mail)."""

from __future__ import annotations

from stratus.local.core.registry import EmulatedService


class SesService(EmulatedService):
    name = "ses"
    order = 20
    moto_backends = ("ses",)


SERVICES = [SesService]
