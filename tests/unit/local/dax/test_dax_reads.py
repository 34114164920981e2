"""DAX read semantics through a real boto3 client: item cache, query cache, pass-through.

"Served from cache" is proved by changing the item directly in DynamoDB behind DAX's back:
a cached answer keeps the old value, an upstream read would see the new one.
"""

from __future__ import annotations

import httpx
import pytest
from botocore.exceptions import ClientError
from dax_rig import ITEM_TTL, QUERY_TTL, DaxRig, item, key


def test_second_get_item_is_a_cache_hit_with_the_same_item(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one"))
    before = rig.stats()

    first = rig.dax.get_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="changed upstream"))
    second = rig.dax.get_item(TableName=table, Key=key("a"))

    assert first["Item"] == item("a", v="one")
    assert second["Item"] == first["Item"]
    after = rig.stats()
    assert after["item_misses"] - before["item_misses"] == 1
    assert after["item_hits"] - before["item_hits"] == 1


def test_cached_item_expires_after_record_ttl(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one"))
    rig.dax.get_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="two"))

    rig.clock.advance(ITEM_TTL + 1)

    assert rig.dax.get_item(TableName=table, Key=key("a"))["Item"]["v"] == {"S": "two"}


def test_missing_item_is_cached_negatively_until_ttl(rig: DaxRig, table: str) -> None:
    assert "Item" not in rig.dax.get_item(TableName=table, Key=key("ghost"))
    rig.direct.put_item(TableName=table, Item=item("ghost", v="appeared"))

    # DAX caches "not found" too (negative caching): the new item stays invisible...
    assert "Item" not in rig.dax.get_item(TableName=table, Key=key("ghost"))
    rig.clock.advance(ITEM_TTL + 1)
    # ...until the negative entry's TTL runs out.
    assert rig.dax.get_item(TableName=table, Key=key("ghost"))["Item"]["v"] == {"S": "appeared"}


def test_consistent_get_item_bypasses_the_cache(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one"))
    rig.dax.get_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="two"))
    before = rig.stats()

    strong = rig.dax.get_item(TableName=table, Key=key("a"), ConsistentRead=True)
    eventual = rig.dax.get_item(TableName=table, Key=key("a"))

    assert strong["Item"]["v"] == {"S": "two"}
    assert eventual["Item"]["v"] == {"S": "one"}  # the strong read did not refresh the cache
    assert rig.stats()["pass_through"] - before["pass_through"] == 1


def test_projected_get_is_cached_apart_from_the_full_item(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one", w="other"))
    full = rig.dax.get_item(TableName=table, Key=key("a"))
    projected = rig.dax.get_item(TableName=table, Key=key("a"), ProjectionExpression="v")

    assert set(full["Item"]) == {"pk", "sk", "v", "w"}
    assert projected["Item"] == {"v": {"S": "one"}}


def test_query_cache_serves_stale_results_after_a_write_until_ttl(
    rig: DaxRig, table: str
) -> None:
    rig.dax.put_item(TableName=table, Item=item("u1", "t1"))
    query = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "u1"}},
    }
    assert rig.dax.query(**query)["Count"] == 1

    rig.dax.put_item(TableName=table, Item=item("u1", "t2"))  # written THROUGH DAX

    # DAX quirk: writes never invalidate the query cache.
    assert rig.dax.query(**query)["Count"] == 1
    assert rig.dax.query(**query, ConsistentRead=True)["Count"] == 2
    rig.clock.advance(QUERY_TTL + 1)
    assert rig.dax.query(**query)["Count"] == 2


def test_scan_is_cached_by_its_request_parameters(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a"))
    before = rig.stats()
    assert rig.dax.scan(TableName=table)["Count"] == 1
    rig.direct.put_item(TableName=table, Item=item("b"))

    assert rig.dax.scan(TableName=table)["Count"] == 1  # same request: cached
    assert rig.dax.scan(TableName=table, Limit=10)["Count"] == 2  # other request: fetched
    after = rig.stats()
    assert after["query_hits"] - before["query_hits"] == 1
    assert after["query_misses"] - before["query_misses"] == 2


def test_batch_get_mixes_cache_hits_and_upstream_misses(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="cached"))
    rig.dax.get_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="newer"))
    rig.direct.put_item(TableName=table, Item=item("b", v="fresh"))
    before = rig.stats()

    keys = [key("a"), key("b"), key("missing")]
    got = rig.dax.batch_get_item(RequestItems={table: {"Keys": keys}})

    values = {i["pk"]["S"]: i["v"]["S"] for i in got["Responses"][table]}
    assert values == {"a": "cached", "b": "fresh"}
    assert got["UnprocessedKeys"] == {}
    mid = rig.stats()
    assert mid["item_hits"] - before["item_hits"] == 1
    assert mid["item_misses"] - before["item_misses"] == 2

    again = rig.dax.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert {i["pk"]["S"] for i in again["Responses"][table]} == {"a", "b"}
    assert rig.stats()["item_hits"] - mid["item_hits"] == 3  # "missing" is a negative hit
    # and GetItem shares the same item cache
    assert rig.dax.get_item(TableName=table, Key=key("b"))["Item"]["v"] == {"S": "fresh"}


def test_stats_endpoint_reports_hit_ratio(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a"))
    for _ in range(3):
        rig.dax.get_item(TableName=table, Key=key("a"))

    stats = rig.stats()
    hits = stats["item_hits"] + stats["query_hits"]
    lookups = hits + stats["item_misses"] + stats["query_misses"]
    assert stats["hit_ratio"] == pytest.approx(hits / lookups)
    assert 0 < stats["item_hit_ratio"] < 1
    assert rig.endpoint.stats.item_hits == stats["item_hits"]


def test_flush_empties_both_caches(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one"))
    rig.dax.get_item(TableName=table, Key=key("a"))
    rig.dax.scan(TableName=table)
    rig.direct.put_item(TableName=table, Item=item("a", v="two"))

    assert httpx.post(f"{rig.dax_url}/_stratus/flush").status_code == 200

    assert rig.dax.get_item(TableName=table, Key=key("a"))["Item"]["v"] == {"S": "two"}
    assert rig.dax.scan(TableName=table)["Items"][0]["v"] == {"S": "two"}


def test_upstream_error_is_returned_exactly(rig: DaxRig) -> None:
    body = b'{"TableName": "no-such-table", "Key": {"pk": {"S": "a"}}}'
    headers = {
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host, Signature=00",
    }
    direct = httpx.post(rig.upstream_url + "/", content=body, headers=headers)
    via_dax = httpx.post(rig.dax_url + "/", content=body, headers=headers)

    assert direct.status_code == 400
    assert via_dax.status_code == direct.status_code
    assert via_dax.content == direct.content
    assert via_dax.headers.get("x-amzn-errortype") == direct.headers.get("x-amzn-errortype")
    with pytest.raises(ClientError) as caught:
        rig.dax.get_item(TableName="no-such-table", Key=key("a"))
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_table_operations_are_refused_like_the_dax_client(rig: DaxRig, table: str) -> None:
    with pytest.raises(ClientError) as caught:
        rig.dax.describe_table(TableName=table)
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "Table operations are not supported on DAX" in error["Message"]


def test_transact_get_items_passes_through(rig: DaxRig, table: str) -> None:
    rig.direct.put_item(TableName=table, Item=item("a", v="one"))
    rig.dax.get_item(TableName=table, Key=key("a"))
    rig.direct.put_item(TableName=table, Item=item("a", v="two"))

    got = rig.dax.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key("a")}}])

    assert got["Responses"][0]["Item"]["v"] == {"S": "two"}


def test_malformed_requests_get_a_clean_400(rig: DaxRig) -> None:
    target = {"X-Amz-Target": "DynamoDB_20120810.GetItem"}
    not_json = httpx.post(rig.dax_url + "/", content=b"{nope", headers=target)
    no_target = httpx.post(rig.dax_url + "/", content=b"{}")

    assert not_json.status_code == 400
    assert not_json.json()["__type"].endswith("#SerializationException")
    assert no_target.status_code == 400
    assert no_target.json()["__type"].endswith("#UnknownOperationException")
