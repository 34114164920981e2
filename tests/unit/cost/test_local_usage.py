"""The local cloud's measured usage becomes a per-day traffic profile, scaled as asked."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from stratus.cost.estimate import estimate
from stratus.cost.inventory import Inventory, refs
from stratus.cost.local_usage import LocalUsageError, fetch_usage, profile_from_usage
from stratus.cost.pricebook import PriceBook
from stratus.cost.templates import StackTemplate


def _usage(seconds: float = 600.0) -> dict[str, Any]:
    return {
        "since": 0,
        "now": seconds,
        "seconds": seconds,
        "apis": {
            "a1/prod": {
                "api_id": "a1",
                "logical_id": "TodoApi",
                "requests": 10,
                "bytes_out": 5000,
            }
        },
        "routes": {
            "a1/prod/GET /todos": {
                "api_id": "a1",
                "logical_id": "TodoApi",
                "route": "GET /todos",
                "requests": 8,
            },
            "a1/prod/POST /todos": {
                "api_id": "a1",
                "logical_id": "TodoApi",
                "route": "POST /todos",
                "requests": 2,
            },
        },
        "functions": {
            "r/fn": {"name": "fn", "logical_id": "Handler", "invocations": 10, "billed_ms": 450}
        },
        "tables": {
            "r/t": {"name": "t", "reads": 16, "writes": 4, "read_bytes": 3200, "write_bytes": 800}
        },
        "buckets": {"b": {"name": "b", "logical_id": "Files", "put_requests": 2, "bytes_in": 2000}},
        "distributions": {"E1": {"id": "E1", "requests": 30, "bytes_out": 3e6}},
        "email": {"us-east-1": {"messages": 1, "recipients": 2}},
        "messaging": {
            "r/sqs": {"service": "sqs", "requests": 6, "billed_requests": 6},
            "r/sns": {"service": "sns", "requests": 2, "billed_requests": 2},
        },
    }


def test_by_time_the_window_is_extrapolated_to_a_day() -> None:
    profile, notes = profile_from_usage(_usage(600.0))  # 10 minutes: x144
    api = profile.apis["TodoApi"]
    assert api.requests_per_day == pytest.approx(1440)
    assert api.routes == {"GET /todos": 8, "POST /todos": 2}
    assert api.response_bytes == 500
    assert profile.apis["*"].requests_per_day == 0  # APIs not used get no traffic
    assert profile.read_write_ratio == 4.0
    assert profile.db_ops_per_request == 2.0
    assert profile.item_size_bytes == 200
    assert profile.functions["Handler"].invocations_per_day == pytest.approx(1440)
    assert profile.functions["Handler"].duration_ms == 45.0
    assert profile.emails_per_day == pytest.approx(288)
    assert profile.distributions["E1"].bytes_per_day == pytest.approx(3e6 * 144)
    assert profile.buckets["Files"].puts_per_day == pytest.approx(288)
    assert profile.object_size_bytes == 1000
    assert profile.messages_per_day == pytest.approx((2 + 2) / 2 * 144)
    assert profile.users == 0
    assert "extrapolated to 24 hours" in notes[0] and "x144" in notes[0]
    assert "extrapolated" in profile.description


def test_scale_multiplies_the_day() -> None:
    profile, notes = profile_from_usage(_usage(600.0), scale=10)
    assert profile.apis["TodoApi"].requests_per_day == pytest.approx(14400)
    assert "multiplied by 10" in notes[0]


def test_by_users_the_window_is_one_users_day() -> None:
    profile, notes = profile_from_usage(_usage(600.0), users=1000)
    assert profile.apis["TodoApi"].requests_per_day == pytest.approx(10_000)
    assert profile.users == 1000
    assert "one user's day, times 1,000 users" in notes[0]


def test_a_short_window_counts_as_a_minute_and_empty_usage_is_zero_traffic() -> None:
    profile, _ = profile_from_usage(_usage(1.0))
    assert profile.apis["TodoApi"].requests_per_day == pytest.approx(10 * 1440)
    empty, _ = profile_from_usage({"seconds": 5})
    assert list(empty.apis) == ["*"]
    assert empty.emails_per_day == 0


def test_bad_scaling_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        profile_from_usage(_usage(), scale=0)
    with pytest.raises(ValueError, match="users"):
        profile_from_usage(_usage(), users=0)


def test_no_running_cloud_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LocalUsageError, match="stratus up is not running"):
        fetch_usage(tmp_path)
    record = {"aws": "http://127.0.0.1:9", "pid": os.getpid()}  # alive, nothing listens
    (tmp_path / "endpoints.json").write_text(json.dumps(record))
    with pytest.raises(LocalUsageError, match="not answering"):
        fetch_usage(tmp_path, timeout=2)


def test_dax_hits_count_as_reads_and_give_the_hit_ratio() -> None:
    usage = _usage(600.0)
    usage["dax"] = {"hits": 12, "lookups": 16}
    profile, notes = profile_from_usage(usage)
    assert profile.dax_hit_ratio == 0.75
    assert profile.read_write_ratio == (16 + 12) / 4
    assert any("DAX answered 12 of 16" in note for note in notes)


def test_resources_are_named_stack_slash_logical_id_so_stacks_never_collide() -> None:
    usage: dict[str, Any] = {
        "seconds": 600,
        "functions": {
            "r/a": {
                "name": "a",
                "stack": "Blue",
                "logical_id": "Worker",
                "invocations": 2,
                "billed_ms": 20,
            },
            "r/b": {
                "name": "b",
                "stack": "Green",
                "logical_id": "Worker",
                "invocations": 3,
                "billed_ms": 90,
            },
            "r/c": {"name": "c", "invocations": 1, "billed_ms": 5},  # not in the deployment
        },
        "apis": {
            "h1/$default": {
                "api_id": "h1",
                "stack": "Web",
                "logical_id": "Http",
                "kind": "HTTP",
                "requests": 4,
                "bytes_out": 400,
                "bytes_in": 2_000_000,
                "metered_requests": 4,
            },
        },
        "routes": {
            "h1/$default/GET /x": {
                "api_id": "h1",
                "stack": "Web",
                "logical_id": "Http",
                "route": "GET /x",
                "requests": 4,
            },
        },
    }
    profile, notes = profile_from_usage(usage)
    assert set(profile.functions) == {"Blue/Worker", "Green/Worker", "c"}
    assert profile.functions["Blue/Worker"].invocations_per_day == pytest.approx(2 * 144)
    assert profile.functions["Green/Worker"].duration_ms == 30.0
    http = profile.apis["Web/Http"]
    assert (http.requests_per_day, http.request_bytes, http.response_bytes) == (
        pytest.approx(4 * 144),
        500_000,
        100,
    )
    assert http.routes == {"GET /x": 4}
    assert any("3 functions carry their measured invocations" in note for note in notes)
    assert any("HTTP API requests: 4 measured, metered as 4" in note for note in notes)


def test_kinesis_records_become_the_streams_messages_and_size() -> None:
    usage: dict[str, Any] = {
        "seconds": 600,
        "streams": {
            "r/clicks": {
                "name": "clicks",
                "stack": "Events",
                "logical_id": "Clicks",
                "records": 10,
                "payload_units": 12,
                "bytes_in": 30_000,
            },
            "r/idle": {"name": "idle", "records": 0},
        },
    }
    profile, notes = profile_from_usage(usage)
    assert profile.channels == {"Events/Clicks": pytest.approx(1440)}
    assert profile.channel_bytes == {"Events/Clicks": 3000}
    assert "10 Kinesis records" in notes[1]
    assert any("10 records measured as 12 PUT payload units" in note for note in notes)


def test_measured_event_driven_function_and_stream_are_priced_on_the_real_templates(
    prod_templates: list[StackTemplate], prices: PriceBook
) -> None:
    """The prod stage's Kinesis consumer (mapped to the clickstream) gets the invocations the
    local cloud measured for it, not the flow's one-per-message, and the stream its records."""
    inv = Inventory.of(prod_templates)
    streams = {r.key for r in inv.of_type("AWS::Kinesis::Stream")}
    esm = next(
        e
        for e in inv.of_type("AWS::Lambda::EventSourceMapping")
        if any(f"{e.stack}/{lid}" in streams for lid in refs(e.props.get("EventSourceArn")))
    )
    stream = next(iter(refs(esm.props.get("EventSourceArn"))))
    consumer = inv.function_of(esm.stack, esm.props.get("FunctionName"))
    assert consumer is not None
    usage: dict[str, Any] = {
        "seconds": 600,
        "functions": {
            "r/c": {
                "name": "c",
                "stack": esm.stack,
                "logical_id": consumer,
                "invocations": 5,
                "billed_ms": 50,
            },
        },
        "streams": {
            "r/s": {
                "name": "s",
                "stack": esm.stack,
                "logical_id": stream,
                "records": 40,
                "payload_units": 40,
                "bytes_in": 40_000,
            },
        },
        "messaging": {"r/sns": {"service": "sns", "billed_requests": 1000}},
    }
    profile, _ = profile_from_usage(usage)
    est = estimate(prod_templates, profile, prices)
    (requests,) = [
        line.quantity
        for line in est.lines
        if (line.service, line.stack, line.resource, line.item)
        == ("lambda", esm.stack, consumer, "requests")
    ]
    assert requests == pytest.approx(5 * 144 * 730 / 24)
    assert profile.channels == {f"{esm.stack}/{stream}": pytest.approx(40 * 144)}
