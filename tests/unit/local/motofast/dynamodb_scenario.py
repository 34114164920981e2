"""One DynamoDB scenario touching every attribute type and every item operation."""

from __future__ import annotations

import base64
import json
from typing import Any

from motofast_wire import Wire

UNICODE = 'ünïcødé ✓ 😀 \u2028 "quoted" \\ back'
BIG = "1234567890123456789012345678901234.5678"  # 38 digits, the most DynamoDB keeps


def every_type(pk: str, sk: str) -> dict[str, Any]:
    return {
        "pk": {"S": pk},
        "sk": {"N": sk},
        "s": {"S": UNICODE},
        "empty_s": {"S": ""},
        "n": {"N": BIG},
        "neg": {"N": "-0.000001"},
        "b": {"B": b"\x00\xff binary \x80"},
        "empty_b": {"B": b""},
        "ss": {"SS": ["a", UNICODE, "c"]},
        "ns": {"NS": ["1", "2.5", BIG]},
        "bs": {"BS": [b"\x01", b"\x02\x03"]},
        "bool": {"BOOL": False},
        "null": {"NULL": True},
        "empty_l": {"L": []},
        "empty_m": {"M": {}},
        "m": {
            "M": {
                "deep": {"M": {"deeper": {"L": [{"N": "1"}, {"M": {"x": {"B": b"\x07"}}}]}}},
                "u": {"S": UNICODE},
                "ns": {"NS": ["3"]},
            }
        },
        "l": {"L": [{"S": "x"}, {"L": [{"BOOL": True}, {"NULL": True}]}, {"SS": ["q"]}]},
    }


def create_tables(wire: Wire, name: str) -> None:
    status, body = wire.call(
        "dynamodb",
        "create_table",
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-g-local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "g", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["s"]},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        BillingMode="PAY_PER_REQUEST",
    )
    assert status == 200, body


def ok(wire: Wire, service: str, operation: str, **params: Any) -> dict[str, Any]:
    status, body = wire.call(service, operation, **params)
    assert status == 200, body
    return json.loads(body) if body else {}


def run_dynamodb_scenario(wire: Wire, table: str) -> None:
    """Items of every shape through every item operation, indexes, pages and streams."""
    create_tables(wire, table)
    for i in range(12):
        item = every_type("p1", str(i))
        item["g"] = {"S": f"g{i % 3}"}
        ok(wire, "dynamodb", "put_item", TableName=table, Item=item)
    old = ok(
        wire,
        "dynamodb",
        "put_item",
        TableName=table,
        Item=every_type("p1", "0"),
        ReturnValues="ALL_OLD",
        ReturnConsumedCapacity="TOTAL",
    )
    assert base64.b64decode(old["Attributes"]["b"]["B"]) == b"\x00\xff binary \x80"
    got = ok(
        wire, "dynamodb", "get_item", TableName=table, Key={"pk": {"S": "p1"}, "sk": {"N": "3"}}
    )
    assert got["Item"]["n"] == {"N": BIG}
    assert got["Item"]["s"] == {"S": UNICODE}
    ok(wire, "dynamodb", "get_item", TableName=table, Key={"pk": {"S": "none"}, "sk": {"N": "1"}})
    ok(
        wire,
        "dynamodb",
        "get_item",
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "3"}},
        ProjectionExpression="#m.deep, ss, l[1]",
        ExpressionAttributeNames={"#m": "m"},
        ReturnConsumedCapacity="INDEXES",
    )
    page = ok(
        wire,
        "dynamodb",
        "query",
        TableName=table,
        KeyConditionExpression="pk = :p AND sk > :s",
        ExpressionAttributeValues={":p": {"S": "p1"}, ":s": {"N": "2"}},
        Limit=4,
        ScanIndexForward=False,
        ReturnConsumedCapacity="INDEXES",
    )
    assert page["LastEvaluatedKey"]
    ok(
        wire,
        "dynamodb",
        "query",
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}},
        ExclusiveStartKey=page["LastEvaluatedKey"],
        Select="COUNT",
    )
    ok(
        wire,
        "dynamodb",
        "query",
        TableName=table,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g1"}},
    )
    ok(
        wire,
        "dynamodb",
        "query",
        TableName=table,
        IndexName="by-g-local",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}},
        ProjectionExpression="s, g",
    )
    ok(
        wire,
        "dynamodb",
        "scan",
        TableName=table,
        FilterExpression="attribute_exists(#n) AND size(ss) > :z",
        ExpressionAttributeNames={"#n": "null"},
        ExpressionAttributeValues={":z": {"N": "0"}},
        Limit=5,
    )
    ok(
        wire,
        "dynamodb",
        "update_item",
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
        UpdateExpression="SET m.u = :u, hits = if_not_exists(hits, :z) + :one ADD ns :more",
        ExpressionAttributeValues={
            ":u": {"S": "new"},
            ":z": {"N": "0"},
            ":one": {"N": "1"},
            ":more": {"NS": ["99"]},
        },
        ReturnValues="ALL_NEW",
    )
    ok(
        wire,
        "dynamodb",
        "update_item",
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
        UpdateExpression="REMOVE empty_l SET b = :b",
        ExpressionAttributeValues={":b": {"B": b"\x10"}},
        ReturnValues="UPDATED_OLD",
    )
    ok(
        wire,
        "dynamodb",
        "batch_get_item",
        RequestItems={
            table: {"Keys": [{"pk": {"S": "p1"}, "sk": {"N": str(i)}} for i in range(4)]}
        },
    )
    ok(
        wire,
        "dynamodb",
        "transact_get_items",
        TransactItems=[{"Get": {"TableName": table, "Key": {"pk": {"S": "p1"}, "sk": {"N": "2"}}}}],
    )
    ok(
        wire,
        "dynamodb",
        "transact_write_items",
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": every_type("p2", "1"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "p1"}, "sk": {"N": "2"}},
                    "UpdateExpression": "SET s = :s",
                    "ExpressionAttributeValues": {":s": {"S": "x"}},
                }
            },
        ],
    )
    ok(
        wire,
        "dynamodb",
        "delete_item",
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "5"}},
        ReturnValues="ALL_OLD",
    )
    ok(wire, "dynamodb", "describe_table", TableName=table)
    ok(wire, "dynamodb", "list_tables")
    ok(wire, "dynamodb", "describe_time_to_live", TableName=table)
    stream = ok(wire, "dynamodbstreams", "list_streams", TableName=table)["Streams"][0]
    shards = ok(wire, "dynamodbstreams", "describe_stream", StreamArn=stream["StreamArn"])
    shard = shards["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = ok(
        wire,
        "dynamodbstreams",
        "get_shard_iterator",
        StreamArn=stream["StreamArn"],
        ShardId=shard,
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    records = ok(wire, "dynamodbstreams", "get_records", ShardIterator=iterator)
    assert records["Records"]
