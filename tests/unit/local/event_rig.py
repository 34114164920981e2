"""Test rig for the event sources and deliveries: a scripted Lambda, in-process moto behind
the front door (so after-hooks and `CURRENT_CALL` run as in the cloud), and a wait helper."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from moto_harness import client_factory, serve

from stratus.local.core.contracts import InvokeResult
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.service_call import ServiceCaller

Answer = InvokeResult | BaseException | Any
Respond = Callable[[dict[str, Any]], Answer | Awaitable[Answer]]


@dataclass
class Call:
    function: str
    event: dict[str, Any]
    invocation_type: str

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self.event.get("Records", []))


@dataclass
class FakeLambda:
    """A `LambdaInvoker` that records every call and answers with `respond(event)`: an
    exception (raised, e.g. TooManyRequestsError), an InvokeResult, or a value returned as
    the function's JSON payload (None: an empty payload)."""

    respond: Respond = lambda event: None
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    attempts: int = 0  # every invoke, also the throttled ones
    in_flight: int = 0
    max_in_flight: int = 0

    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        event = json.loads(payload)
        self.attempts += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            answer = self.respond(event)
            if asyncio.iscoroutine(answer):
                answer = await answer
            if isinstance(answer, BaseException):
                raise answer
            self.calls.append(Call(function, event, invocation_type))
            if isinstance(answer, InvokeResult):
                return answer
            body = b"" if answer is None else json.dumps(answer).encode()
            return InvokeResult(202 if invocation_type == "Event" else 200, body)
        finally:
            self.in_flight -= 1

    @property
    def batches(self) -> list[list[dict[str, Any]]]:
        return [call.records for call in self.calls]


def function_error() -> InvokeResult:
    """What Invoke answers when the handler raised: 200 with X-Amz-Function-Error."""
    return InvokeResult(200, b'{"errorMessage": "boom"}', function_error="Unhandled")


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@dataclass
class Endpoint:
    url: str
    hooks: HookTable
    door: FrontDoor

    def clients(self) -> Callable[[str], Any]:
        return client_factory(self.url)

    def caller(self, service: str) -> ServiceCaller:
        """What the cloud's own services call the endpoint with: in-process, no socket."""
        return ServiceCaller(
            self.door.answer, service, region="us-east-1", host=urlsplit(self.url).netloc
        )


@contextmanager
def moto_endpoint() -> Iterator[Endpoint]:
    """moto in-process behind a FrontDoor (hooks can be added later) on an ephemeral port."""
    hooks = HookTable()
    door = FrontDoor(MotoApp().handle, hooks=hooks)
    with serve(door) as url:
        yield Endpoint(url, hooks, door)
