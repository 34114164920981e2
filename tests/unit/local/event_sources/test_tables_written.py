"""A DynamoDB write wakes only the stream pollers of the tables it names: every wake costs
a GetRecords round trip, which slowed every write to any other table."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from stratus.local.event_sources.service import EventSourcesService, stream_table, tables_written

STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2026-01-01T00:00:00.000"


def test_single_item_writes_name_their_table() -> None:
    for operation in ("PutItem", "UpdateItem", "DeleteItem"):
        assert tables_written(operation, {"TableName": "Orders", "Item": {}}) == {"Orders"}


def test_a_table_arn_counts_by_its_name() -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders"
    assert tables_written("PutItem", {"TableName": arn}) == {"Orders"}


def test_batch_and_transaction_name_every_table() -> None:
    batch: dict[str, Any] = {"RequestItems": {"A": [], "B": []}}
    assert tables_written("BatchWriteItem", batch) == {"A", "B"}
    transaction: dict[str, Any] = {
        "TransactItems": [
            {"Put": {"TableName": "A", "Item": {}}},
            {"Update": {"TableName": "B"}},
            {"Delete": {"TableName": "C"}},
            {"ConditionCheck": {"TableName": "D"}},
        ]
    }
    assert tables_written("TransactWriteItems", transaction) == {"A", "B", "C", "D"}


def test_partiql_wakes_every_table() -> None:
    statement = {"Statement": "INSERT INTO Orders VALUE {'pk': 'a'}"}
    assert tables_written("ExecuteStatement", statement) is None
    assert tables_written("BatchExecuteStatement", {"Statements": []}) is None


def test_malformed_parameters_wake_nothing_and_never_raise() -> None:
    assert tables_written("PutItem", {}) == set()
    assert tables_written("BatchWriteItem", {"RequestItems": ["A"]}) == set()
    assert tables_written("TransactWriteItems", {"TransactItems": [{"Put": "A"}, 3]}) == set()


def test_stream_arn_names_its_table() -> None:
    assert stream_table(STREAM) == "Orders"


class Poller:
    def __init__(self, arn: str) -> None:
        self.mapping = SimpleNamespace(kind="dynamodb", source_arn=arn)
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


@pytest.mark.anyio
async def test_the_after_hook_wakes_the_written_tables_pollers_only() -> None:
    service = EventSourcesService()
    orders, other = Poller(STREAM), Poller(STREAM.replace("/Orders/", "/Other/"))
    service.shard_pollers = [orders, other]  # type: ignore[list-item]
    hook = next(h for h in service.hooks() if (h.service, h.operation) == ("dynamodb", "PutItem"))
    assert hook.after is not None
    put = SimpleNamespace(operation="PutItem", params=lambda: {"TableName": "Orders"})
    await hook.after(put, None)  # type: ignore[arg-type]
    assert (orders.woken, other.woken) == (1, 0)
    partiql = SimpleNamespace(operation="ExecuteStatement", params=lambda: {"Statement": "x"})
    await hook.after(partiql, None)  # type: ignore[arg-type]
    assert (orders.woken, other.woken) == (2, 1)
