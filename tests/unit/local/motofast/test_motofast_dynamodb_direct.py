"""Direct DynamoDB PutItem/GetItem answers are moto's answers.

Two tables (a stream and a GSI each) live through the same history. Each call is made
twice, once per table: moto's own route answers the first, the direct path the second,
under the same random seed and frozen clock, so request ids, CRCs and bodies must agree
exactly, and so must what the tables and their streams hold afterwards. Calls the direct
path does not cover are refused before any draw or change, and then moto answers both.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from route_pair import RoutePair

from conftest import Wire
from stratus.local.core.moto_app import MotoApp

SEED = 24681357


class Pair(RoutePair):
    service, resource_param = "dynamodb", "TableName"

    def state(self, table: str) -> Any:
        return self.contents(table)

    def contents(self, table: str) -> tuple[Any, Any]:
        status, body = self.wire.call("dynamodb", "scan", TableName=table)
        assert status == 200
        items = sorted(json.loads(body)["Items"], key=json.dumps)
        return items, self.stream(table)

    def stream(self, table: str) -> list[Any]:
        _, body = self.wire.call("dynamodb", "describe_table", TableName=table)
        arn = json.loads(body)["Table"]["LatestStreamArn"]
        _, body = self.wire.call("dynamodbstreams", "describe_stream", StreamArn=arn)
        shard = json.loads(body)["StreamDescription"]["Shards"][0]["ShardId"]
        _, body = self.wire.call(
            "dynamodbstreams",
            "get_shard_iterator",
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="TRIM_HORIZON",
        )
        iterator = json.loads(body)["ShardIterator"]
        _, body = self.wire.call("dynamodbstreams", "get_records", ShardIterator=iterator)
        return [
            (r["eventName"], r["dynamodb"].get("Keys"), r["dynamodb"].get("NewImage"))
            for r in json.loads(body)["Records"]
        ]


@pytest.fixture
def pair(wire: Wire, moto: MotoApp, request: pytest.FixtureRequest) -> Pair:
    base = f"direct-{request.node.name[:40]}".replace("[", "-").replace("]", "")
    for side in ("a", "b", "warm"):
        status, body = wire.call(
            "dynamodb",
            "create_table",
            TableName=f"{base}-{side}",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "owner", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-owner",
                    "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            BillingMode="PAY_PER_REQUEST",
        )
        assert status == 200, body
    # moto imports some modules on a first use, and their backends draw ids as they load:
    # that happens here, not inside one side of a comparison
    status, body = wire.call("dynamodb", "put_item", TableName=f"{base}-warm", Item=ITEM)
    assert status == 200, body
    return Pair(wire, moto, f"{base}-a", f"{base}-b", SEED)


ITEM = {
    "pk": {"S": "user-1"},
    "sk": {"S": "todo-é✓"},
    "owner": {"S": "ann"},
    "n": {"N": "12.50"},
    "ok": {"BOOL": True},
    "nothing": {"NULL": True},
    "blob": {"B": b"\x00\xffbytes"},
    "tags": {"SS": ["b", "a"]},
    "nums": {"NS": ["3", "1"]},
    "bins": {"BS": [b"x", b"y"]},
    "list": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}}}]},
    "map": {"M": {"k": {"S": "v"}, "e": {"L": []}}},
}


def test_put_and_get_are_motos(pair: Pair) -> None:
    assert pair("put_item", Item=ITEM) == {}
    got = pair("get_item", Key={"pk": {"S": "user-1"}, "sk": {"S": "todo-é✓"}})
    assert got["Item"]["owner"] == {"S": "ann"} and got["Item"]["n"] == {"N": "12.50"}
    pair("put_item", Item={**ITEM, "owner": {"S": "bob"}})  # overwrite: MODIFY in the stream
    pair("get_item", Key={"pk": {"S": "user-1"}, "sk": {"S": "todo-é✓"}}, ConsistentRead=True)
    assert pair("get_item", Key={"pk": {"S": "user-1"}, "sk": {"S": "none"}}) == {}
    pair("put_item", Item={"pk": {"S": "user-2"}, "sk": {"S": "x"}})  # no GSI key: fine


def test_calls_the_direct_path_leaves_to_moto(pair: Pair) -> None:
    key = {"pk": {"S": "user-1"}, "sk": {"S": "a"}}
    pair("put_item", Item={**key, "v": {"N": "1"}})
    pair(
        "put_item",
        direct=False,
        Item={**key, "v": {"N": "2"}},
        ConditionExpression="attribute_not_exists(pk)",  # moto's ConditionalCheckFailed
    )
    pair("put_item", direct=False, Item={**key, "v": {"N": "3"}}, ReturnValues="ALL_OLD")
    pair("put_item", direct=False, Item=key, ReturnConsumedCapacity="TOTAL")
    pair("put_item", direct=False, Item={"pk": {"S": "only-hash"}})  # missing the range key
    pair("put_item", direct=False, Item={"pk": {"N": "1"}, "sk": {"S": "a"}})  # wrong key type
    pair("put_item", direct=False, Item={**key, "owner": {"S": ""}})  # empty GSI key
    pair("put_item", direct=False, Item={**key, "s": {"SS": []}})  # empty set
    pair("get_item", direct=False, Key=key, ProjectionExpression="v")
    pair("get_item", direct=False, Key={"pk": {"S": "user-1"}})  # not the whole key
    pair("get_item", direct=False, Key={"pk": {"S": ""}, "sk": {"S": "a"}})  # empty key
    pair("get_item", direct=False, Key={**key, "other": {"S": "x"}})


def test_a_missing_table_is_motos_error(wire: Wire, moto: MotoApp) -> None:
    request = wire.request("dynamodb", "put_item", TableName="nope", Item={"pk": {"S": "x"}})
    assert moto._dispatch.answer_directly(request, moto.account_id) is None
    status, _, body = moto.call(request)
    assert status == 400 and b"ResourceNotFoundException" in body


def test_a_table_named_by_its_arn_answers_directly(pair: Pair) -> None:
    _, body = pair.wire.call("dynamodb", "describe_table", TableName=pair.b)
    arn = json.loads(body)["Table"]["TableArn"]
    item = {"pk": {"S": "arn"}, "sk": {"S": "1"}}
    request = pair.wire.request("dynamodb", "put_item", TableName=arn, Item=item)
    answer = pair.moto._dispatch.answer_directly(request, pair.moto.account_id)
    assert answer is not None and answer[0] == 200 and answer[2] == b"{}"
    request = pair.wire.request("dynamodb", "get_item", TableName=pair.b, Key=item)
    answer = pair.moto._dispatch.answer_directly(request, pair.moto.account_id)
    assert answer is not None and json.loads(answer[2]) == {"Item": item}


def test_a_body_that_is_not_an_object_is_left_to_moto(wire: Wire, moto: MotoApp) -> None:
    request = wire.request("dynamodb", "put_item", TableName="t", Item={"pk": {"S": "x"}})
    for body in (b"[]", b"not json", b'{"TableName": 5, "Item": {}}'):
        odd = type(request)(
            method=request.method,
            path=request.path,
            raw_path=request.raw_path,
            query_string=request.query_string,
            headers=request.headers,
            body=body,
        )
        assert moto._dispatch.answer_directly(odd, moto.account_id) is None
