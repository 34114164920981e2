"""DAX write-through: DynamoDB first, then the item cache; failures change nothing.

After each write through DAX the item is changed directly upstream; a later DAX GetItem that
still returns the DAX-written value proves it came from the item cache, not DynamoDB.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from dax_rig import DaxRig, item, key


def test_put_through_dax_updates_the_cached_item(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="old"))
    rig.dax.get_item(TableName=table, Key=key("a"))  # cached: old

    rig.dax.put_item(TableName=table, Item=item("a", v="new"))
    rig.direct.put_item(TableName=table, Item=item("a", v="behind DAX's back"))
    before = rig.stats()

    assert rig.dax.get_item(TableName=table, Key=key("a"))["Item"] == item("a", v="new")
    assert rig.stats()["item_hits"] - before["item_hits"] == 1


def test_put_of_a_never_read_item_is_cached(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("fresh", v="via dax"))
    rig.direct.delete_item(TableName=table, Key=key("fresh"))

    assert rig.dax.get_item(TableName=table, Key=key("fresh"))["Item"]["v"] == {"S": "via dax"}


def test_update_returns_what_the_caller_asked_and_caches_the_new_image(
    rig: DaxRig, table: str
) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one", w="keep"))

    resp = rig.dax.update_item(
        TableName=table,
        Key=key("a"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "two"}},
    )
    assert "Attributes" not in resp  # ReturnValues NONE: nothing, as DynamoDB answers

    rig.direct.put_item(TableName=table, Item=item("a", v="behind DAX's back"))
    cached = rig.dax.get_item(TableName=table, Key=key("a"))["Item"]
    assert cached == item("a", v="two", w="keep")


def test_update_all_new_is_returned_unchanged(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one"))
    resp = rig.dax.update_item(
        TableName=table,
        Key=key("a"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "two"}},
        ReturnValues="ALL_NEW",
    )
    assert resp["Attributes"] == item("a", v="two")


def test_update_asking_for_old_values_gets_them_and_drops_the_cached_item(
    rig: DaxRig, table: str
) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one"))
    resp = rig.dax.update_item(
        TableName=table,
        Key=key("a"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "two"}},
        ReturnValues="UPDATED_OLD",
    )
    assert resp["Attributes"] == {"v": {"S": "one"}}
    rig.direct.put_item(TableName=table, Item=item("a", v="three"))

    assert rig.dax.get_item(TableName=table, Key=key("a"))["Item"]["v"] == {"S": "three"}


def test_conditional_check_failure_passes_through_and_keeps_the_cache(
    rig: DaxRig, table: str
) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one"))

    with pytest.raises(ClientError) as caught:
        rig.dax.put_item(
            TableName=table,
            Item=item("a", v="two"),
            ConditionExpression="attribute_not_exists(pk)",
        )

    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert rig.dax.get_item(TableName=table, Key=key("a"))["Item"]["v"] == {"S": "one"}


def test_delete_through_dax_caches_the_absence(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("a", v="one"))
    rig.dax.delete_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="behind DAX's back"))

    assert "Item" not in rig.dax.get_item(TableName=table, Key=key("a"))


def test_batch_write_through_dax_updates_the_item_cache(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("gone", v="x"))
    rig.dax.batch_write_item(
        RequestItems={
            table: [
                {"PutRequest": {"Item": item("p", v="batched")}},
                {"DeleteRequest": {"Key": key("gone")}},
            ]
        }
    )
    rig.direct.put_item(TableName=table, Item=item("p", v="behind"))
    rig.direct.put_item(TableName=table, Item=item("gone", v="behind"))

    assert rig.dax.get_item(TableName=table, Key=key("p"))["Item"]["v"] == {"S": "batched"}
    assert "Item" not in rig.dax.get_item(TableName=table, Key=key("gone"))


def test_transact_write_through_dax_updates_the_item_cache(rig: DaxRig, table: str) -> None:
    rig.dax.put_item(TableName=table, Item=item("u", v="one"))
    rig.dax.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": item("t", v="transacted")}},
            {
                "Update": {
                    "TableName": table,
                    "Key": key("u"),
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"S": "two"}},
                }
            },
        ]
    )
    rig.direct.put_item(TableName=table, Item=item("t", v="behind"))

    assert rig.dax.get_item(TableName=table, Key=key("t"))["Item"]["v"] == {"S": "transacted"}
    # Updates in a transaction return no new image: the item is refetched, so it is current.
    assert rig.dax.get_item(TableName=table, Key=key("u"))["Item"]["v"] == {"S": "two"}


def test_writes_are_counted(rig: DaxRig, table: str) -> None:
    before = rig.stats()
    rig.dax.put_item(TableName=table, Item=item("a"))
    rig.dax.delete_item(TableName=table, Key=key("a"))
    assert rig.stats()["writes"] - before["writes"] == 2
