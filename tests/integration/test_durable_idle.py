"""An idle cloud saves nothing: its event source mappings poll their empty queues (an SQS
ReceiveMessage per queue every second) without adding a byte to the journal, and a message
that does arrive is journaled with the receive that handed it to the poller. The CDK app is
`tests/fixtures/apps/events` (SQS, Kinesis and DynamoDB stream mappings)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.local.core.journal import read_segment
from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client
from tests.integration.test_event_sources import received

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "events"
IDLE_S = 8.0  # each SQS mapping receives about once a second meanwhile
ENV = {
    "STRATUS_SNAPSHOT_SECONDS": "3600",  # no snapshot folds the journal during the test
    "STRATUS_ALARM_SECONDS": "3600",  # no built-in metrics written (SQS's, every minute)
}


@pytest.fixture(scope="module")
def events_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir, env=ENV) as handle:
        yield handle


def _journal(cloud: LocalCloudHandle) -> dict[str, int]:
    """Bytes of whole records per segment (segments are preallocated with zeros, so the
    file size says nothing about what was written)."""
    return {
        p.name: read_segment(p).good_length
        for p in (cloud.state_dir / "state").glob("journal-*.wal")
    }


def _settled(cloud: LocalCloudHandle, quiet_s: float = 3.0, limit_s: float = 60.0) -> None:
    """Wait for the start's own writes (spare workers, logs) to end: no change for quiet_s."""
    deadline = time.monotonic() + limit_s
    last, since = _journal(cloud), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.5)
        now = _journal(cloud)
        if now != last:
            last, since = now, time.monotonic()


def _receives(cloud: LocalCloudHandle) -> int:
    """ReceiveMessage requests in the journal (SQS's JSON or query protocol)."""
    count = 0
    for path in (cloud.state_dir / "state").glob("journal-*.wal"):
        for entry in read_segment(path).entries:
            if entry.get("k") != "req":
                continue
            target = {k.lower(): v for k, v in entry["h"].items()}.get("x-amz-target", "")
            body = entry["b"] or b""
            count += target.endswith(".ReceiveMessage") or b"Action=ReceiveMessage" in body
    return count


def test_an_idle_cloud_with_queue_mappings_journals_nothing_until_a_message_comes(
    events_app: LocalCloudHandle,
) -> None:
    _settled(events_app)
    before = _journal(events_app)
    time.sleep(IDLE_S)
    assert _journal(events_app) == before  # polls of empty queues cost no save
    assert _receives(events_app) == 0

    sqs = aws_client(events_app, "sqs")
    sqs.send_message(QueueUrl=events_app.stack_output("WorkQueueUrl"), MessageBody="ok-1")
    assert received(events_app, "Worker")  # delivered to the function
    assert _receives(events_app) >= 1  # the receive that handed it out is journaled
    grown = _journal(events_app)
    assert sum(grown.values()) > sum(before.values())
