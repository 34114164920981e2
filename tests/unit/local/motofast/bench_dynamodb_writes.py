"""Micro-bench: in-process UpdateItem and PutItem per-call cost (thread CPU µs, p50 and min).

Run: `python tests/unit/local/motofast/bench_dynamodb_writes.py [--rounds N] [--without a,b]`
from the worktree (PYTHONPATH as for the tests). The table has a stream (NEW_AND_OLD_IMAGES),
a GSI and an LSI, like the scenario tests; items look like a to-do (eight attributes).
Not a test: figures for the module docstrings, never asserted.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from motofast_wire import Wire

from stratus.local.core.moto_app import MotoApp

TABLE = "bench-writes"


def _table(wire: Wire) -> None:
    status, body = wire.call(
        "dynamodb",
        "create_table",
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        BillingMode="PAY_PER_REQUEST",
    )
    assert status == 200, body


def _todo(pk: str, sk: str) -> dict[str, Any]:
    return {
        "pk": {"S": pk},
        "sk": {"S": sk},
        "g": {"S": "g1"},
        "title": {"S": "buy milk and some other groceries"},
        "notes": {"S": "x" * 200},
        "done": {"BOOL": False},
        "created_at": {"S": "2026-11-30T12:00:00Z"},
        "updated_at": {"S": "2026-11-30T12:00:00Z"},
        "version": {"N": "1"},
        "tags": {"SS": ["a", "b", "c"]},
        "meta": {"M": {"k": {"L": [{"N": "1"}, {"S": "two"}]}}},
    }


def cases() -> dict[str, dict[str, Any]]:
    key = {"pk": {"S": "user-1"}, "sk": {"S": "todo-1"}}
    return {
        "update SET touch (NONE)": dict(
            Key={"pk": {"S": "user-1"}, "sk": {"S": "#meta"}},
            UpdateExpression="SET last_write_at = :now",
            ExpressionAttributeValues={":now": {"N": "1764504000.5"}},
        ),
        "update todo patch (ALL_NEW, cond)": dict(
            Key=key,
            UpdateExpression="SET version = version + :one, updated_at = :now, #title = :title",
            ConditionExpression="attribute_exists(pk) AND version > :v0",
            ExpressionAttributeNames={"#title": "title"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":now": {"S": "2026-11-30T12:00:01Z"},
                ":title": {"S": "new title"},
                ":v0": {"N": "0"},
            },
            ReturnValues="ALL_NEW",
        ),
        "update ADD/REMOVE (UPDATED_OLD)": dict(
            Key=key,
            UpdateExpression="ADD tags :t, hits :one REMOVE notes_gone",
            ExpressionAttributeValues={":t": {"SS": ["z"]}, ":one": {"N": "1"}},
            ReturnValues="UPDATED_OLD",
        ),
    }


def put_cases() -> dict[str, dict[str, Any]]:
    return {
        "put plain (NONE)": dict(Item=_todo("user-1", "todo-p")),
        "put ALL_OLD": dict(Item=_todo("user-1", "todo-p"), ReturnValues="ALL_OLD"),
    }


def measure(wire: Wire, operation: str, params: dict[str, Any], n: int) -> tuple[float, float]:
    request = wire.request("dynamodb", operation, TableName=TABLE, **params)
    times = []
    for _ in range(n):
        start = time.thread_time_ns()
        status, _, body = wire.moto.call(request)
        times.append(time.thread_time_ns() - start)
        assert status == 200, body
    return statistics.median(times) / 1000, min(times) / 1000


def measure_new_puts(wire: Wire, n: int, conditional: bool) -> tuple[float, float]:
    times = []
    for i in range(n):
        params: dict[str, Any] = {
            "Item": _todo("user-2", f"new-{conditional}-{i}-{time.time_ns()}")
        }
        if conditional:
            params["ConditionExpression"] = "attribute_not_exists(pk)"
        request = wire.request("dynamodb", "put_item", TableName=TABLE, **params)
        start = time.thread_time_ns()
        status, _, body = wire.moto.call(request)
        times.append(time.thread_time_ns() - start)
        assert status == 200, body
    return statistics.median(times) / 1000, min(times) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--without", default="", help="motofast modules not to install, a,b")
    args = parser.parse_args()
    for name in filter(None, args.without.split(",")):
        module = importlib.import_module(f"stratus.local.motofast.{name}")
        module.install = lambda: None  # type: ignore[attr-defined]
    wire = Wire(MotoApp())
    _table(wire)
    for i in range(50):
        wire.call("dynamodb", "put_item", TableName=TABLE, Item=_todo("user-1", f"todo-{i}"))
    wire.call("dynamodb", "put_item", TableName=TABLE, Item=_todo("user-1", "todo-p"))
    results: dict[str, tuple[float, float]] = {}
    for name, params in cases().items():
        measure(wire, "update_item", params, 20)
        results[name] = measure(wire, "update_item", params, args.rounds)
    for name, params in put_cases().items():
        measure(wire, "put_item", params, 20)
        results[name] = measure(wire, "put_item", params, args.rounds)
    results["put new, attribute_not_exists"] = measure_new_puts(wire, args.rounds, True)
    results["put new (NONE)"] = measure_new_puts(wire, args.rounds, False)
    for name, (p50, least) in results.items():
        print(f"{name:40s} p50 {p50:6.0f} us  min {least:6.0f} us")


if __name__ == "__main__":
    main()
