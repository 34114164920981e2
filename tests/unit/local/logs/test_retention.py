"""Log groups honour their retention, and no group grows past the local cap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.local.moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core import durable
from stratus.local.core.durable import DurableState
from stratus.local.core.moto_app import MotoApp
from stratus.local.logs.retention import DAY_MS, expire_due


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture
def aws(moto: MotoApp) -> Iterator[Any]:
    moto.reset()
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)
    moto.writes = None
    moto.reset()


def _put(aws: Any, group: str, stream: str, stamps: list[int]) -> None:
    logs = aws("logs")
    for name, call in (("group", logs.create_log_group), ("stream", logs.create_log_stream)):
        try:
            if name == "group":
                call(logGroupName=group)
            else:
                call(logGroupName=group, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": ts, "message": f"at {ts}"} for ts in stamps],
    )


def _messages(aws: Any, group: str) -> list[str]:
    events = aws("logs").filter_log_events(logGroupName=group)["events"]
    return sorted(e["message"] for e in events)


def test_events_older_than_the_retention_expire(aws: Any) -> None:
    now = int(time.time() * 1000)
    old, recent = now - 3 * DAY_MS - 1000, now - 1 * DAY_MS
    _put(aws, "/aws/lambda/kept-a-day", "s", [old, recent])
    aws("logs").put_retention_policy(logGroupName="/aws/lambda/kept-a-day", retentionInDays=3)
    _put(aws, "/forever", "s", [old, recent])  # no retention: kept (under the cap)

    assert expire_due(now_ms=now, cap=1000) == 1
    assert _messages(aws, "/aws/lambda/kept-a-day") == [f"at {recent}"]
    assert len(_messages(aws, "/forever")) == 2
    assert expire_due(now_ms=now, cap=1000) == 0  # nothing due: not even a journal entry


def test_a_group_without_retention_is_capped_oldest_first(aws: Any) -> None:
    now = int(time.time() * 1000)
    _put(aws, "/busy", "a", [now - 50, now - 30, now - 10])
    _put(aws, "/busy", "b", [now - 40, now - 20])
    assert expire_due(now_ms=now, cap=3) == 2
    assert _messages(aws, "/busy") == [f"at {now - 30}", f"at {now - 20}", f"at {now - 10}"]


def test_expiry_is_journaled_and_replays(moto: MotoApp, aws: Any, tmp_path: Path) -> None:
    state = DurableState(tmp_path / "state", ("logs",))
    state.open(moto.call)
    moto.writes = state
    try:
        now = int(time.time() * 1000)
        _put(aws, "/g", "s", [now - 5 * DAY_MS, now])
        aws("logs").put_retention_policy(logGroupName="/g", retentionInDays=1)
        assert expire_due(now_ms=now, cap=1000) == 1
        state.close(snapshot=False)
        moto.writes = None
        moto.reset()
        state = DurableState(tmp_path / "state", ("logs",))
        recovery = state.open(moto.call)
        moto.writes = state
        assert recovery.mismatches == 0
        assert _messages(aws, "/g") == [f"at {now}"]
    finally:
        if durable._active is not None:
            durable._active.close(snapshot=False)
