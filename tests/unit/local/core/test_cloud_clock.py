"""The cloud clock tests move through /_stratus/clock on the AWS endpoint."""

from __future__ import annotations

import asyncio
import json

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.clock import CLOCK_PATH, CloudClock, clock_routes
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable


def _door(clock: CloudClock) -> FrontDoor:
    async def moto(request: AwsRequest) -> object:
        raise AssertionError("the clock route never reaches moto")

    hooks = HookTable()
    hooks.add_paths(clock_routes(clock))
    return FrontDoor(moto, hooks=hooks)  # type: ignore[arg-type]


def _call(door: FrontDoor, method: str, body: bytes = b"") -> tuple[int, dict[str, object]]:
    request = AwsRequest(method, CLOCK_PATH, CLOCK_PATH, "", {}, body)
    response = asyncio.run(door.answer(request))
    return response.status_code, json.loads(bytes(response.body))


def test_advance_read_and_reset_the_clock() -> None:
    clock = CloudClock(real=lambda: 1000.0)
    door = _door(clock)
    assert _call(door, "GET") == (200, {"now": 1000.0, "offset_seconds": 0.0})
    assert _call(door, "POST", b'{"advance_seconds": 3600}')[1]["now"] == 4600.0
    assert _call(door, "POST", b'{"advance_seconds": 1.5}')[1]["offset_seconds"] == 3601.5
    assert clock.now() == 4601.5
    assert _call(door, "DELETE") == (200, {"now": 1000.0, "offset_seconds": 0.0})


def test_bad_clock_requests_are_400_and_change_nothing() -> None:
    clock = CloudClock(real=lambda: 1000.0)
    door = _door(clock)
    for body in (b"not json", b'{"advance_seconds": "1"}', b"{}", b'{"advance_seconds": 1e12}'):
        status, answer = _call(door, "POST", body)
        assert status == 400, body
        assert answer["__type"] == "ValidationException"
    assert clock.offset == 0.0
