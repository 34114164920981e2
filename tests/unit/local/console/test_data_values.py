"""DynamoDB values shown by type, readably and cut; table descriptions summarised."""

from __future__ import annotations

import pytest

from stratus.local.console.data import dynamo


def test_scalars_are_shown_as_they_are() -> None:
    assert dynamo.show({"S": "hello"}).text == "hello"
    assert dynamo.show({"N": "12.50"}).text == "12.50"
    assert dynamo.show({"BOOL": False}).text == "false"
    assert dynamo.show({"NULL": True}).text == "null"


def test_binary_is_its_size_and_first_bytes() -> None:
    shown = dynamo.show({"B": bytes(range(40))})
    assert shown.type == "B"
    assert shown.text.startswith("40 bytes: 00 01 02") and shown.text.endswith("…")


def test_maps_lists_and_sets_are_compact_json() -> None:
    value = {"M": {"n": {"N": "3"}, "l": {"L": [{"S": "a"}, {"BOOL": True}]}, "z": {"NULL": True}}}
    assert dynamo.show(value).text == '{"n": 3, "l": ["a", true], "z": null}'
    assert dynamo.show({"SS": ["b", "a"]}).text == '["a", "b"]'
    assert dynamo.show({"NS": ["1.5", "2"]}).text == '["1.5", "2"]'


def test_long_values_are_cut_and_keep_a_bounded_full_text() -> None:
    shown = dynamo.show({"S": "x" * 10_000})
    assert shown.cut and len(shown.text) == dynamo.MAX_SHOWN and shown.text.endswith("…")
    assert len(shown.full) == 4000


def test_columns_put_the_keys_first() -> None:
    items = [{"b": {"S": ""}, "pk": {"S": ""}}, {"a": {"S": ""}, "sk": {"S": ""}}]
    assert dynamo.columns(items, ["pk", "sk"]) == ["pk", "sk", "a", "b"]


def test_a_typed_partition_key() -> None:
    assert dynamo.typed_key_value("S", "A#1") == {"S": "A#1"}
    assert dynamo.typed_key_value("N", " 7 ") == {"N": "7"}
    assert dynamo.typed_key_value("B", "AAE=") == {"B": b"\x00\x01"}
    with pytest.raises(ValueError):
        dynamo.typed_key_value("N", "seven")
    with pytest.raises(ValueError):
        dynamo.typed_key_value("B", "not base64!")


def test_table_summary_reads_describe_table() -> None:
    info = dynamo.table_info(
        {
            "TableName": "t",
            "KeySchema": [
                {"AttributeName": "sk", "KeyType": "RANGE"},
                {"AttributeName": "pk", "KeyType": "HASH"},
            ],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "g",
                    "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            "ItemCount": 3,
        },
        "eu-west-1",
        {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"},
    )
    assert info.keys == [("pk", "HASH"), ("sk", "RANGE")]
    assert info.billing == "PROVISIONED (5 RCU, 2 WCU)"
    assert info.indexes[0].kind == "GSI" and info.stream == "NEW_IMAGE" and info.ttl == "expires"
    assert info.key_names("g") == {"pk", "sk", "gk"}
    assert dynamo.size_text(2048) == "2.0 KB"
