"""DynamoDB answers with the item-path patches are byte for byte moto's own.

Three patches change how DynamoDB reads are answered: results serialized from moto's items in
one walk (`dynamodb_result`), Query's result copy made shallow (`dynamodb_copy`) and item
sizes counted directly (`dynamodb_size`). Below, (1) every DynamoDB result of a broad
scenario is serialized both by the one walk and by moto's conversion plus moto's serializer;
(2) reads are answered twice, with every motofast DynamoDB patch and with none, between
writes that change items in place (UpdateItem, transactions), so a stale or aliased answer
would differ; (3) sizes are compared value by value, usual and unusual.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from dynamodb_scenario import BIG, UNICODE, create_tables, every_type, ok, run_dynamodb_scenario
from motofast_wire import Wire, sent_as_moto

from stratus.local.motofast import dynamodb_result, json_serializer


def _innermost(function: Any) -> Any:
    while hasattr(function, "__wrapped__") and getattr(function, "__module__", "").startswith(
        "stratus."
    ):
        function = function.__wrapped__
    return function


class Seen:
    def __init__(self) -> None:
        self.fast: dict[str, int] = {}
        self.slow: dict[str, int] = {}


@pytest.fixture
def shadow(swap: Any) -> Iterator[Seen]:
    """Serialize every lazy DynamoDB result twice: the one walk, and moto's two steps."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoResult

    moto_serializer = _innermost(ActionResult.execute_result)
    patched = DynamoResult.execute_result
    seen = Seen()

    def both(self: Any, context: Any) -> Any:
        name = context.operation_model.name
        if "_stratus_raw" not in self.__dict__:
            return patched(self, context)
        raw = self._result
        fast = json_serializer.serialize(context, raw, dynamodb_result.lazy())
        slow = moto_serializer(ActionResult(dynamo_to_dict(raw)), context)
        answered = seen.slow if fast is None else seen.fast
        answered[name] = answered.get(name, 0) + 1
        if fast is not None:
            assert fast[0] == slow[0], name
            assert fast[1] == dict(slow[1]), name
            assert sent_as_moto("dynamodb", fast[2], slow[2]), (
                f"{name}\nfast {fast[2]!r}\nslow {slow[2]!r}"
            )
        return slow

    swap(DynamoResult, "execute_result", both)
    yield seen


def test_every_item_operation_serializes_as_moto_converts_and_serializes(
    wire: Wire, shadow: Seen
) -> None:
    run_dynamodb_scenario(wire, "lazy-shapes")
    for operation in (
        "Query",
        "GetItem",
        "PutItem",
        "Scan",
        "UpdateItem",
        "DeleteItem",
        "BatchGetItem",
        "TransactGetItems",
    ):
        assert shadow.fast.get(operation), (operation, shadow.fast, shadow.slow)
    assert not shadow.slow, shadow.slow


def _stored(table: str, pk: str, sk: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    from stratus.local.core.settings import ACCOUNT_ID

    backend = dynamodb_backends[ACCOUNT_ID]["us-east-1"]
    key = {"pk": DynamoType({"S": pk}), "sk": DynamoType({"N": sk})}
    return backend.get_table(table).get_item(key["pk"], key["sk"])


def test_unusual_stored_values_are_serialized_as_moto_does(wire: Wire, shadow: Seen) -> None:
    """Values moto's own code can leave in an item: the encoder declines or matches."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    create_tables(wire, "odd")
    ok(wire, "dynamodb", "put_item", TableName="odd", Item=every_type("o", "1"))
    item = _stored("odd", "o", "1")
    odd_values: dict[str, tuple[str, Any]] = {
        "b_text": ("B", "AAEC"),  # a base64 string, as parsed requests may hold
        "b_loose": ("B", "AAF="),  # not canonical base64: moto decodes and encodes again
        "bs_text": ("BS", ["AAEC", b"\x05"]),
        "n_decimal": ("N", Decimal("1.50")),
        "n_int": ("N", 7),
        "bool_text": ("BOOL", "true"),
        "set_tuple": ("SS", ("a", "b")),
        "unknown": ("X", "y"),
        "map_plain": ("M", {"k": {"S": "plain dict, not a DynamoType"}}),
        "list_plain": ("L", [{"N": "1"}]),
        "empty_ss": ("SS", []),
        "s_unicode_key": ("M", {UNICODE: DynamoType({"N": BIG})}),
    }
    for name, (kind, value) in odd_values.items():
        odd = DynamoType.__new__(DynamoType)
        odd.type, odd.value = kind, value
        dict.__setitem__(item.attrs, name, odd)
    got = ok(
        wire, "dynamodb", "get_item", TableName="odd", Key={"pk": {"S": "o"}, "sk": {"N": "1"}}
    )
    assert got["Item"]["b_loose"] == {"B": "AAE="}
    assert got["Item"]["n_decimal"] == {"N": "1.50"}
    dict.__delitem__(item.attrs, "list_plain")  # moto's own Query fails on it (Item.size)
    ok(
        wire,
        "dynamodb",
        "query",
        TableName="odd",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "o"}},
    )
    assert shadow.fast.get("GetItem") and shadow.fast.get("Query"), shadow.slow


# (2) reads answered with every motofast DynamoDB patch, and with none.


@pytest.fixture
def moto_only(swap: Any) -> Callable[[], Any]:
    """A context in which moto's DynamoDB path runs unpatched (restored on exit)."""
    import contextlib

    from moto.core.responses import ActionResult
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    targets = [
        (Table, "query"),
        (Table, "scan"),
        (Item, "__deepcopy__"),
        (Item, "size"),
        (DynamoType, "size"),
        (DynamoResult, "__init__"),
        (ActionResult, "execute_result"),
    ]

    @contextlib.contextmanager
    def unpatched() -> Iterator[None]:
        saved = [(owner, name, owner.__dict__[name]) for owner, name in targets]
        saved_result = DynamoResult.__dict__.get("execute_result")
        try:
            for owner, name, value in saved:
                setattr(owner, name, _innermost(value))
            if saved_result is not None:
                delattr(DynamoResult, "execute_result")
            yield
        finally:
            for owner, name, value in saved:
                setattr(owner, name, value)
            if saved_result is not None:
                DynamoResult.execute_result = saved_result  # type: ignore[method-assign]

    return unpatched


def _same(wire: Wire, moto_only: Callable[[], Any], operation: str, **params: Any) -> Any:
    fast = wire.call("dynamodb", operation, **params)
    with moto_only():
        slow = wire.call("dynamodb", operation, **params)
    assert fast[0] == slow[0] and sent_as_moto("dynamodb", fast[1], slow[1]), (operation, params)
    return json.loads(fast[1])


def _reads(wire: Wire, moto_only: Callable[[], Any], table: str) -> list[Any]:
    """Every read of the table's data that the patches touch; returns the answers."""
    same = _same
    p = {":p": {"S": "p1"}}
    answers = [
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            ReturnConsumedCapacity="INDEXES",
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            ScanIndexForward=False,
            Limit=3,
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            ProjectionExpression="m.deep, ss, l[1], #n",
            ExpressionAttributeNames={"#n": "null"},
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p AND sk > :s",
            FilterExpression="contains(ss, :c) OR attribute_exists(hits)",
            ExpressionAttributeValues={**p, ":s": {"N": "1"}, ":c": {"S": "a"}},
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            IndexName="by-g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g1"}},
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            IndexName="by-g-local",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            Limit=2,
        ),
        same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            Select="COUNT",
        ),
        same(
            wire,
            moto_only,
            "get_item",
            TableName=table,
            Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
            ReturnConsumedCapacity="TOTAL",
        ),
        same(
            wire,
            moto_only,
            "get_item",
            TableName=table,
            Key={"pk": {"S": "p1"}, "sk": {"N": "2"}},
            ProjectionExpression="m, b, bs",
        ),
        same(wire, moto_only, "scan", TableName=table, Limit=4),
        same(
            wire,
            moto_only,
            "batch_get_item",
            RequestItems={
                table: {"Keys": [{"pk": {"S": "p1"}, "sk": {"N": str(i)}} for i in range(3)]}
            },
        ),
        same(
            wire,
            moto_only,
            "transact_get_items",
            TransactItems=[
                {"Get": {"TableName": table, "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}}}}
            ],
        ),
    ]
    page = answers[1]
    while "LastEvaluatedKey" in page:
        page = same(
            wire,
            moto_only,
            "query",
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=p,
            ScanIndexForward=False,
            Limit=3,
            ExclusiveStartKey=page["LastEvaluatedKey"],
        )
        answers.append(page)
    return answers


def _update(wire: Wire, table: str, sk: str, expression: str, **extra: Any) -> None:
    ok(
        wire,
        "dynamodb",
        "update_item",
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"N": sk}},
        UpdateExpression=expression,
        **extra,
    )


def test_reads_match_unpatched_moto_before_and_after_in_place_updates(
    wire: Wire, moto_only: Callable[[], Any]
) -> None:
    table = "inplace"
    create_tables(wire, table)
    for i in range(7):
        item = every_type("p1", str(i))
        item["g"] = {"S": f"g{i % 2}"}
        ok(wire, "dynamodb", "put_item", TableName=table, Item=item)
    before = _reads(wire, moto_only, table)
    # UpdateItem changes moto's stored DynamoTypes in place: nested map, list, sets, numbers.
    _update(
        wire,
        table,
        "1",
        "SET m.deep.deeper[0] = :n, l = list_append(l, :more), hits = :one, s = :s "
        "ADD ss :ss, ns :ns REMOVE m.u",
        ExpressionAttributeValues={
            ":n": {"N": "42"},
            ":more": {"L": [{"S": "appended"}, {"B": b"\x01"}]},
            ":one": {"N": "1"},
            ":s": {"S": "changed " + UNICODE},
            ":ss": {"SS": ["zz"]},
            ":ns": {"NS": ["-1"]},
        },
    )
    _update(
        wire,
        table,
        "2",
        "DELETE bs :b SET g = :g",
        ExpressionAttributeValues={":b": {"BS": [b"\x01"]}, ":g": {"S": "g1"}},
    )
    ok(
        wire,
        "dynamodb",
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "p1"}, "sk": {"N": "3"}},
                    "UpdateExpression": "SET l[0] = :x",
                    "ExpressionAttributeValues": {":x": {"S": "in a transaction"}},
                }
            }
        ],
    )
    after = _reads(wire, moto_only, table)
    assert before != after
    first_query_items = {item["sk"]["N"]: item for item in after[0]["Items"]}
    assert first_query_items["1"]["m"]["M"]["deep"]["M"]["deeper"]["L"][0] == {"N": "42"}
    assert first_query_items["1"]["l"]["L"][-1] == {"B": "AQ=="}
    assert first_query_items["1"]["s"] == {"S": "changed " + UNICODE}
    assert first_query_items["3"]["l"]["L"][0] == {"S": "in a transaction"}
    assert after[7]["Item"]["hits"] == {"N": "1"}  # GetItem sees the update too


def test_cancelled_transaction_still_restores_items_fully(wire: Wire) -> None:
    """The shallow copy is Query's only: a transaction's rollback image is moto's deep copy."""
    table = "rollback"
    create_tables(wire, table)
    ok(wire, "dynamodb", "put_item", TableName=table, Item=every_type("p1", "1"))
    original = ok(
        wire, "dynamodb", "get_item", TableName=table, Key={"pk": {"S": "p1"}, "sk": {"N": "1"}}
    )
    ok(
        wire,
        "dynamodb",
        "query",
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}},
    )
    status, body = wire.call(
        "dynamodb",
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}},
                    "UpdateExpression": "SET m.deep.deeper[0] = :n, l = list_append(l, :l)",
                    "ExpressionAttributeValues": {":n": {"N": "7"}, ":l": {"L": [{"S": "x"}]}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": {"pk": {"S": "p1"}, "sk": {"N": "2"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    assert status == 400 and b"TransactionCanceledException" in body
    again = ok(
        wire, "dynamodb", "get_item", TableName=table, Key={"pk": {"S": "p1"}, "sk": {"N": "1"}}
    )
    assert again == original


def test_pages_stop_at_one_megabyte_as_in_moto(wire: Wire, moto_only: Callable[[], Any]) -> None:
    """Query and Scan stop a page by the items' sizes (counted by the patched size)."""
    table = "large"
    create_tables(wire, table)
    for i in range(30):
        item = {
            "pk": {"S": "p1"},
            "sk": {"N": str(i)},
            "text": {"S": ("ü" if i % 2 else "a") * (20_000 + i)},
            "blob": {"B": bytes(10_000)},
            "nested": {"M": {"l": {"L": [{"S": "é" * 100}, {"NS": ["1", "22"]}]}}},
        }
        ok(wire, "dynamodb", "put_item", TableName=table, Item=item)
    page = _same(
        wire,
        moto_only,
        "query",
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}},
    )
    assert "LastEvaluatedKey" in page and page["Count"] < 30
    _same(
        wire,
        moto_only,
        "query",
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p1"}},
        ExclusiveStartKey=page["LastEvaluatedKey"],
    )
    scanned = _same(wire, moto_only, "scan", TableName=table)
    assert "LastEvaluatedKey" in scanned


def _size_cases() -> list[Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    def odd(kind: str, value: Any) -> Any:
        made = DynamoType.__new__(DynamoType)
        made.type, made.value = kind, value
        return made

    usual = [DynamoType(value) for value in every_type("p", "1").values()]
    return [
        *usual,
        DynamoType({"S": UNICODE}),
        DynamoType({"S": ""}),
        DynamoType({"N": BIG}),
        DynamoType({"B": b"\x00\xff"}),
        DynamoType({"SS": ["ü", "a", ""]}),
        DynamoType({"BS": [b"\x01", "AAEC"]}),
        DynamoType({"M": {"ключ": {"L": [{"M": {"x": {"NULL": True}}}, {"BOOL": False}]}}}),
        odd("N", Decimal("-0.50")),
        odd("N", 12),
        odd("B", "AAEC"),
        odd("S", True),
        odd("X", "unknown"),
        odd("SS", ("a", "ü")),
        odd("NS", [1, Decimal("2.5")]),
        odd("M", {"plain": {"S": "a plain dict"}}),
        odd("M", {"k": odd("L", [{"S": "plain in a list"}])}),
        odd("L", [odd("S", "x"), odd("N", 3)]),
        odd("BOOL", True),
        odd("NULL", True),
    ]


def test_sizes_are_moto_sizes() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    original = _innermost(DynamoType.size)
    for value in _size_cases():
        assert value.size() == original(value), (value.type, value.value)
    attrs = every_type("p", "1")
    item = Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
    for value in _size_cases():
        dict.__setitem__(item.attrs, f"k{len(item.attrs)}ü", value)
    assert item.size() == _innermost(Item.size)(item)


def test_an_item_that_grows_is_sized_again_by_the_next_query(
    wire: Wire, moto_only: Callable[[], Any]
) -> None:
    table = "grows"
    create_tables(wire, table)
    for i in range(3):
        ok(
            wire,
            "dynamodb",
            "put_item",
            TableName=table,
            Item={"pk": {"S": "p1"}, "sk": {"N": str(i)}, "text": {"S": "x"}},
        )
    query = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p1"}},
    }
    assert _same(wire, moto_only, "query", **query)["Count"] == 3
    for i in range(3):
        _update(
            wire,
            table,
            str(i),
            "SET #t = :t",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={":t": {"S": "y" * 390_000}},
        )
    assert _same(wire, moto_only, "query", **query)["Count"] == 2  # 1 MB holds two now


def test_an_item_is_refused_at_the_same_size_as_in_moto() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    patched = LimitedSizeDict.__setitem__
    original = _innermost(patched)
    base = {name: DynamoType(value) for name, value in every_type("p", "1").items()}
    used = sum(len(k.encode()) + v.size() for k, v in base.items())
    outcomes: dict[str, list[Any]] = {"patched": [], "moto": []}
    for setitem, seen in ((patched, outcomes["patched"]), (original, outcomes["moto"])):
        for extra in range(-3, 4):
            room = 405000 - used - len("big") - len("plain") - len("not a DynamoType") + extra
            attrs = LimitedSizeDict()
            for name, value in base.items():
                setitem(attrs, name, value)
            try:
                setitem(attrs, "big", DynamoType({"S": "ü" * (room // 2) + "a" * (room % 2)}))
                setitem(attrs, "plain", "not a DynamoType")
                seen.append(dict(attrs))
            except ItemSizeTooLarge:
                seen.append("too large")
    assert outcomes["patched"] == outcomes["moto"]
    assert "too large" in outcomes["moto"] and any(o != "too large" for o in outcomes["moto"])
