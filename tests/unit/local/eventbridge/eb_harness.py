"""A small local cloud for EventBridge tests: the front door with the EventBridge service's hooks
and paths in front of in-process moto, the shared Targets, and a fake Lambda runtime.

Deliveries run on a loop of their own (as the cloud's loop), so tests wait for them by polling.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.unit.local.moto_harness import client_factory, serve

from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Targets
from stratus.local.eventbridge import delivery as eb_delivery
from stratus.local.eventbridge.delivery import EventBridgeDelivery
from stratus.local.eventbridge.retry import Backoff
from stratus.local.eventbridge.service import EventBridgeService


class FakeLambdas:
    """Records async invocations; `failures[name]` exceptions are raised first, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.attempts: dict[str, int] = {}
        self.failures: dict[str, list[Exception]] = {}
        self.known: set[str] = set()

    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        name = function.rsplit(":", 1)[-1]
        self.attempts[name] = self.attempts.get(name, 0) + 1
        if name not in self.known:
            raise FunctionNotFoundError(f"Function not found: {function}")
        pending = self.failures.get(name) or []
        if pending:
            raise pending.pop(0)
        self.calls.append((name, payload))
        return InvokeResult(status_code=202, payload=b"")


@dataclass
class EventsCloud:
    endpoint: str
    aws: Callable[[str], Any]
    lambdas: FakeLambdas
    delivery: EventBridgeDelivery
    loop: asyncio.AbstractEventLoop
    created: list[str] = field(default_factory=list)

    def queue(self, name: str | None = None, **attributes: str) -> tuple[str, str]:
        """A new queue: (url, arn)."""
        name = name or f"q-{uuid.uuid4().hex[:8]}"
        url = self.aws("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:{name}"
        return url, arn

    def receive(self, url: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for `count` messages on the queue (with their attributes)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            answer = self.aws("sqs").receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            )
            got.extend(answer.get("Messages", []))
            if len(got) < count:
                time.sleep(0.05)
        return got

    def rule(self, targets: list[dict[str, Any]], bus: str | None = None, **params: Any) -> str:
        name = f"r-{uuid.uuid4().hex[:8]}"
        on_bus = {"EventBusName": bus} if bus else {}
        self.aws("events").put_rule(Name=name, **on_bus, **params)
        if targets:
            self.aws("events").put_targets(Rule=name, Targets=targets, **on_bus)
        return name

    def settle(self, seconds: float = 0.3) -> None:
        time.sleep(seconds)


@pytest.fixture(scope="module")
def events_cloud() -> Iterator[EventsCloud]:
    from moto.events.models import Rule

    original = Rule.send_to_targets
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    service = EventBridgeService()
    hooks = HookTable()
    hooks.add(service.hooks())
    hooks.add_paths(service.paths())
    door = FrontDoor(MotoApp().handle, hooks=hooks)
    try:
        with serve(door) as endpoint:
            outbox = Outbox()
            outbox.bind(loop)
            lambdas = FakeLambdas()
            targets = Targets(
                lambda region: client_factory(endpoint),
                lambdas,
                endpoint=endpoint,
                local=door.answer,
            )
            delivery = EventBridgeDelivery(
                outbox, targets, account=ACCOUNT_ID, backoff=Backoff(base=0.01, cap=0.05)
            )
            service.delivery = delivery
            eb_delivery.install(delivery)
            yield EventsCloud(endpoint, client_factory(endpoint), lambdas, delivery, loop)
            asyncio.run_coroutine_threadsafe(outbox.drain(5), loop).result(10)
    finally:
        Rule.send_to_targets = original  # type: ignore[method-assign]
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
