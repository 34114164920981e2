"""DynamoDB's request units are counted off the request path (queued bodies, drained when
the totals are read or saved) and come out exactly as the inline arithmetic counts them; the
queue stays bounded however fast calls arrive."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.usage import units
from stratus.local.usage.calls import CallUsage
from stratus.local.usage.deferred import DeferredCounts
from stratus.local.usage.recorder import UsageRecorder


def _value(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    kinds = ["S", "N", "B", "BOOL", "NULL", "SS", "NS"] + (["L", "M"] if depth < 2 else [])
    kind = rng.choice(kinds)
    if kind == "S":
        return {"S": rng.choice(["", "x" * rng.randint(1, 3000), "é€😀", "to-do"])}
    if kind == "N":
        return {"N": rng.choice(["0", "-12.50", "1700000000", "1e10", "0.000123", "99999999"])}
    if kind == "B":
        return {"B": "aGVsbG8gd29ybGQ="}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "SS":
        return {"SS": ["a", "bb", "ccc"][: rng.randint(1, 3)]}
    if kind == "NS":
        return {"NS": ["1", "22.5", "-3"][: rng.randint(1, 3)]}
    if kind == "L":
        return {"L": [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]}
    return {"M": {f"k{i}": _value(rng, depth + 1) for i in range(rng.randint(0, 4))}}


def _item(rng: random.Random) -> dict[str, Any]:
    return {f"attr{i}": _value(rng) for i in range(rng.randint(1, 8))}


def _call(op: str, params: dict[str, Any]) -> AwsCall:
    request = AwsRequest("POST", "/", "/", "", {}, json.dumps(params).encode())
    return AwsCall(request, "dynamodb", op, "json", {}, "eu-west-1")


def test_deferred_units_equal_the_inline_arithmetic_on_varied_items() -> None:
    rng = random.Random(13)
    usage = UsageRecorder()
    [hook] = [h for h in CallUsage(usage).hooks() if h.service == "dynamodb"]
    after = hook.after
    assert after is not None
    expected_read = expected_write = 0.0
    expected_read_bytes = expected_write_bytes = 0

    async def traffic() -> None:
        nonlocal expected_read, expected_write, expected_read_bytes, expected_write_bytes
        for n in range(60):
            items = [_item(rng) for _ in range(rng.randint(0, 25))]
            consistent = n % 2 == 0
            answer = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
            params = {"TableName": "T", "ConsistentRead": consistent}
            await after(_call("Query", params), Response(json.dumps(answer).encode()))
            size = sum(units.item_size(i) for i in items)
            expected_read += units.read_units(size, consistent=consistent)
            expected_read_bytes += size
            item = _item(rng)
            put = {"TableName": "T", "Item": item}
            await after(_call("PutItem", put), Response(b"{}"))
            expected_write += units.write_units(units.item_size(item))
            expected_write_bytes += units.item_size(item)

    asyncio.run(traffic())
    table = usage.snapshot()["tables"]["eu-west-1/T"]
    assert table["read_units"] == expected_read
    assert table["write_units"] == expected_write
    assert table["read_bytes"] == expected_read_bytes
    assert table["write_bytes"] == expected_write_bytes
    assert (table["reads"], table["writes"]) == (60, 60)


def test_the_hook_only_queues_and_a_save_counts(tmp_path: Any) -> None:
    usage = UsageRecorder()
    [hook] = [h for h in CallUsage(usage).hooks() if h.service == "dynamodb"]
    after = hook.after
    assert after is not None
    answer = Response(json.dumps({"Item": {"a": {"S": "x"}}}).encode())

    async def one() -> None:
        await after(_call("GetItem", {"TableName": "T"}), answer)

    asyncio.run(one())
    assert len(usage._deferred) == 1  # nothing decoded on the request path
    usage.save(tmp_path / "usage.json")
    assert len(usage._deferred) == 0
    saved = json.loads((tmp_path / "usage.json").read_bytes())
    assert saved["categories"]["tables"]["eu-west-1/T"]["read_units"] == 0.5


def test_reset_drops_what_is_queued_and_a_disabled_recorder_queues_nothing() -> None:
    usage = UsageRecorder()
    usage.defer(usage.add, "tables", "t")
    usage.reset()
    assert usage.snapshot()["tables"] == {}
    usage.enabled = False
    usage.defer(usage.add, "tables", "t")
    assert len(usage._deferred) == 0


def test_the_queue_stays_bounded_without_a_loop() -> None:
    done: list[int] = []
    queue = DeferredCounts(soft_entries=10, soft_bytes=1000)
    for i in range(100):
        queue.put(done.append, i, size=5)
        assert len(queue) <= 10
    queue.put(done.append, 100, size=5000)  # over the byte bound: drained at once
    assert len(queue) == 0 and done == list(range(101))


def test_past_the_soft_bound_a_worker_thread_drains_and_past_the_hard_one_the_caller() -> None:
    done: list[int] = []
    queue = DeferredCounts(soft_entries=10, soft_bytes=10**9)

    async def burst() -> None:
        for i in range(11):
            queue.put(done.append, i)
        await asyncio.sleep(0.2)  # the worker thread's drain
        assert done == list(range(11))
        for i in range(11, 200):
            queue.put(done.append, i)
            assert len(queue) <= 40 + 1

    asyncio.run(burst())
    queue.drain()
    assert done == list(range(200))


def test_a_failing_count_is_skipped() -> None:
    done: list[int] = []
    queue = DeferredCounts()

    def fails() -> None:
        raise ZeroDivisionError

    queue.put(fails)
    queue.put(done.append, 1)
    queue.drain()
    assert done == [1]
