"""moto's dashboard list of DynamoDB items keeps only the items that are alive.

Without the patch every `Item` ever built stays in `Item.instances_tracked` (each UpdateItem
adds two dead copies). With it the list holds weak references: a table's items and any copy
still in use are listed, in order of creation, and the dashboard still shows them.
"""

from __future__ import annotations

import copy
import gc
import json

from dynamodb_scenario import create_tables, every_type, ok
from motofast_wire import Wire

from stratus.local.core.aws_request import AwsRequest
from stratus.local.motofast.dynamodb_untracked import WeakInstances


def _tracked() -> list[object]:
    from moto.dynamodb.models.dynamo_type import Item

    gc.collect()
    return list(Item.instances_tracked)  # type: ignore[attr-defined]


def test_dead_copies_are_dropped_and_live_items_stay_listed(wire: Wire) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    create_tables(wire, "tracked")
    for i in range(3):
        ok(wire, "dynamodb", "put_item", TableName="tracked", Item=every_type("p", str(i)))
    before = len(_tracked())
    for n in range(20):
        ok(
            wire,
            "dynamodb",
            "update_item",
            TableName="tracked",
            Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": str(n)}},
            ReturnValues="ALL_OLD",
        )
    assert len(_tracked()) == before  # forty old-image copies made, none kept
    assert type(Item.instances_tracked) is WeakInstances  # type: ignore[attr-defined]
    table_items = set(map(id, _table_items("tracked")))
    assert table_items <= set(map(id, _tracked()))
    kept = copy.deepcopy(_table_items("tracked")[0])
    assert _tracked()[-1] is kept  # a copy in use is listed, last made last


def test_after_moto_s_reset_new_items_are_tracked_weakly_again(wire: Wire) -> None:
    from moto.core.model_instances import reset_model_data
    from moto.dynamodb.models.dynamo_type import Item

    create_tables(wire, "reset")
    ok(wire, "dynamodb", "put_item", TableName="reset", Item=every_type("p", "1"))
    reset_model_data()
    assert type(Item.instances_tracked) is list  # type: ignore[attr-defined]
    ok(wire, "dynamodb", "put_item", TableName="reset", Item=every_type("p", "2"))
    assert type(Item.instances_tracked) is WeakInstances  # type: ignore[attr-defined]
    assert _tracked() == _table_items("reset")[1:]  # the new item; the old list was empty


def test_the_dashboard_still_lists_the_live_items(wire: Wire) -> None:
    create_tables(wire, "dashboard")
    ok(wire, "dynamodb", "put_item", TableName="dashboard", Item=every_type("p", "9"))
    status, _, body = wire.moto.call(
        AwsRequest(
            method="GET",
            path="/moto-api/data.json",
            raw_path="/moto-api/data.json",
            query_string="",
            headers={"host": "127.0.0.1:4566"},
            body=b"",
        )
    )
    assert status == 200
    items = json.loads(body)["dynamodb"]["Item"]
    assert len(items) == len(_tracked()) >= 1  # one (empty) entry per item alive


def _table_items(name: str) -> list[object]:
    from moto.dynamodb.models import dynamodb_backends

    from stratus.local.core.settings import ACCOUNT_ID

    return list(dynamodb_backends[ACCOUNT_ID]["us-east-1"].get_table(name).all_items())
