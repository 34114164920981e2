"""DynamoDB writes with the write-path patches answer, store and stream exactly as moto does.

`dynamodb_update` (UpdateExpressions parsed once per string, cheap validator walks and tree
copies) and `dynamodb_clone` (items deep-copied directly) change how UpdateItem, PutItem and
transactions run. Below, every write goes to two twin tables: once with every motofast
patch, once with moto's DynamoDB path unpatched. The answers must be byte for byte the same
(the table's name aside), and so must the stored items (down to Python types and the
aliasing of values) and the stream records (their random id and clock aside) after each write.
The same expression strings come back with other names and values, so a cached tree that a
call had changed would show.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from dynamodb_scenario import UNICODE, create_tables, every_type
from moto import mock_aws
from motofast_wire import Wire, sent_as_moto

from stratus.local.motofast import dynamodb_clone, dynamodb_condition, dynamodb_update

FAST, SLOW = "wfast", "wslow"  # same length: the answers differ only in the name


def _innermost(function: Any) -> Any:
    while hasattr(function, "__wrapped__") and getattr(function, "__module__", "").startswith(
        "stratus."
    ):
        function = function.__wrapped__
    return function


@pytest.fixture
def moto_only() -> Callable[[], Any]:
    """A context in which moto's DynamoDB write and read paths run unpatched."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
        DepthFirstTraverser,
        Node,
    )
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
    from moto.dynamodb.responses import DynamoResult

    targets = [
        (ConditionExpressionParser, "_lex_condition_expression"),
        (Table, "query"),
        (Table, "scan"),
        (Item, "__deepcopy__"),
        (Item, "__init__"),
        (Item, "size"),
        (DynamoType, "__deepcopy__"),
        (DynamoType, "size"),
        (LimitedSizeDict, "__setitem__"),
        (DynamoResult, "__init__"),
        (ActionResult, "execute_result"),
        (DepthFirstTraverser, "traverse"),
        (Node, "find_clauses"),
    ]

    @contextlib.contextmanager
    def unpatched() -> Iterator[None]:
        saved = [(owner, name, owner.__dict__[name]) for owner, name in targets]
        saved_result = DynamoResult.__dict__.get("execute_result")
        saved_make = UpdateExpressionParser.__dict__["make"]
        saved_copy = validators.deepcopy
        try:
            for owner, name, value in saved:
                setattr(owner, name, _innermost(value))
            if saved_result is not None:
                delattr(DynamoResult, "execute_result")
            UpdateExpressionParser.make = classmethod(_innermost(saved_make.__func__))
            validators.deepcopy = copy.deepcopy
            yield
        finally:
            for owner, name, value in saved:
                setattr(owner, name, value)
            if saved_result is not None:
                DynamoResult.execute_result = saved_result  # type: ignore[method-assign]
            UpdateExpressionParser.make = saved_make
            validators.deepcopy = saved_copy

    return unpatched


def _table(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    from stratus.local.core.settings import ACCOUNT_ID

    return dynamodb_backends[ACCOUNT_ID]["us-east-1"].get_table(name)


def _dump(value: Any, seen: dict[int, int]) -> Any:
    """A value's full structure: Python types, DynamoTypes, and which objects are shared."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if type(value) is DynamoType:
        mark = seen.setdefault(id(value), len(seen))
        return ("DynamoType", mark, value.type, _dump(value.value, seen))
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _dump(v, seen)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", seen.setdefault(id(value), len(seen)), [_dump(v, seen) for v in value])
    return (type(value).__name__, value)


def _state(name: str) -> Any:
    table = _table(name)
    items = []
    for item in table.all_items():
        seen: dict[int, int] = {}
        items.append(
            (_dump(item.hash_key, seen), _dump(item.range_key, seen), _dump(item.attrs, seen))
        )
    records = []
    for record in table.stream_shard.items:
        body = copy.deepcopy(record.record)
        body.pop("eventID")
        body["dynamodb"].pop("ApproximateCreationDateTime")
        body["dynamodb"].pop("SequenceNumber")
        body["dynamodb"].pop("SizeBytes")  # the length of the above, and of what is compared
        records.append(json.dumps(body, sort_keys=True, default=repr))
    return items, records


class Twins:
    """Every write done on the fast table and, unpatched, on its slow twin."""

    def __init__(self, wire: Wire, moto_only: Callable[[], Any]) -> None:
        self.wire = wire
        self.moto_only = moto_only
        self.answers: list[tuple[int, Any]] = []

    def call(self, operation: str, **params: Any) -> tuple[int, Any]:
        fast = self.wire.call("dynamodb", operation, **_named(params, FAST))
        with self.moto_only():
            slow = self.wire.call("dynamodb", operation, **_named(params, SLOW))
        assert fast[0] == slow[0], (operation, params, fast, slow)
        sent, moto_sent = fast[1].replace(FAST.encode(), b"T"), slow[1].replace(SLOW.encode(), b"T")
        assert sent_as_moto("dynamodb", sent, moto_sent), (
            operation,
            params,
            fast[1],
            slow[1],
        )
        assert _state(FAST) == _state(SLOW), (operation, params)
        answer = (fast[0], json.loads(fast[1]) if fast[1] else {})
        self.answers.append(answer)
        return answer

    def update(self, sk: str, expression: str | None = None, **params: Any) -> tuple[int, Any]:
        if expression is not None:
            params["UpdateExpression"] = expression
        return self.call(
            "update_item", TableName="T", Key={"pk": {"S": "p1"}, "sk": {"N": sk}}, **params
        )


def _named(params: dict[str, Any], table: str) -> dict[str, Any]:
    text = json.dumps(params, default=lambda b: {"__bytes__": b.hex()})
    text = text.replace('"TableName": "T"', f'"TableName": "{table}"')
    return json.loads(
        text,
        object_hook=lambda d: bytes.fromhex(d["__bytes__"]) if set(d) == {"__bytes__"} else d,
    )


@pytest.fixture
def twins(wire: Wire, moto_only: Callable[[], Any]) -> Twins:
    for name in (FAST, SLOW):
        if name not in json.loads(wire.call("dynamodb", "list_tables")[1])["TableNames"]:
            create_tables(wire, name)
    pair = Twins(wire, moto_only)
    for i in range(4):
        item = every_type("p1", str(i))
        item["g"] = {"S": f"g{i % 2}"}
        pair.call("put_item", TableName="T", Item=item)
    return pair


def test_update_actions_answer_store_and_stream_as_moto(twins: Twins) -> None:
    update = twins.update
    v = {":one": {"N": "1"}, ":z": {"N": "0"}}
    for returns in ("NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"):
        update(
            "1",
            "SET hits = if_not_exists(hits, :z) + :one, m.u = :s, l[0] = :s",
            ExpressionAttributeValues={**v, ":s": {"S": returns}},
            ReturnValues=returns,
        )
    update(
        "1",
        "SET #l = list_append(#l, :more), m.deep.deeper[0] = :n, neg = neg - :one",
        ExpressionAttributeNames={"#l": "l"},
        ExpressionAttributeValues={
            ":more": {"L": [{"S": "tail"}, {"B": b"\x01"}]},
            ":n": {"N": "42"},
            ":one": {"N": "1"},
        },
        ReturnValues="ALL_NEW",
    )
    update(
        "1",
        "SET l = list_append(:head, l)",
        ExpressionAttributeValues={":head": {"L": [{"N": "0"}]}},
        ReturnValues="UPDATED_NEW",
    )
    update(
        "2",
        "ADD ss :ss, ns :ns, bs :bs, n :one, fresh_set :fs, tally :one",
        ExpressionAttributeValues={
            ":ss": {"SS": ["zz", "a"]},
            ":ns": {"NS": ["-1"]},
            ":bs": {"BS": [b"\x09"]},
            ":one": {"N": "1"},
            ":fs": {"SS": [UNICODE]},
        },
        ReturnValues="UPDATED_OLD",
    )
    update(
        "2",
        "DELETE ss :ss, bs :bs",
        ExpressionAttributeValues={":ss": {"SS": ["zz"]}, ":bs": {"BS": [b"\x01"]}},
        ReturnValues="ALL_NEW",
    )
    update("2", "REMOVE l[1], m.deep, empty_l, gone", ReturnValues="ALL_OLD")
    update(
        "3",
        "SET a = :x, b = m REMOVE s ADD hits :one",
        ExpressionAttributeValues={":x": {"M": {"k": {"SS": ["v"]}}}, ":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )
    update(
        "3", "ADD a.k :s", ExpressionAttributeValues={":s": {"SS": ["w"]}}, ReturnValues="ALL_NEW"
    )
    update("3", "SET g = :g", ExpressionAttributeValues={":g": {"S": "g9"}})  # GSI and LSI key
    update(
        "77",
        "SET created = :v, g = :g",
        ExpressionAttributeValues={":v": {"N": "1"}, ":g": {"S": "g1"}},
        ReturnValues="ALL_NEW",
    )  # a new item
    update("78", "REMOVE nothing")  # a new item from a REMOVE
    update("79", AttributeUpdates={"x": {"Value": {"S": "legacy"}, "Action": "PUT"}})
    update(
        "79",
        AttributeUpdates={"x": {"Action": "DELETE"}, "n": {"Value": {"N": "5"}, "Action": "ADD"}},
        Expected={"x": {"Value": {"S": "legacy"}}},
        ReturnValues="ALL_NEW",
    )
    refused = [body for status, body in twins.answers[4:] if status != 200]
    assert not refused


def test_one_expression_string_with_other_names_and_values(twins: Twins) -> None:
    """The tree is kept per string: names and values are resolved afresh on every call."""
    for sk, name, value in (
        ("1", "s", {"S": "one"}),
        ("2", "n", {"N": "7"}),
        ("1", "m", {"M": {"x": {"L": [{"N": "1"}]}}}),
        ("3", "brand_new", {"SS": ["a", "b"]}),
        ("9", "s", {"S": "creates"}),
        ("2", "pk", {"S": "key!"}),  # a key attribute: refused
        ("2", "g", {"S": ""}),  # an index key set empty: refused
        ("2", "g", {"N": "1"}),  # an index key of the wrong type: refused
    ):
        twins.update(
            sk,
            "SET #a = :v, #b = if_not_exists(#b, :v)",
            ExpressionAttributeNames={"#a": name, "#b": "copy_" + name},
            ExpressionAttributeValues={":v": value},
            ReturnValues="ALL_NEW",
        )
    for sk in ("1", "2", "3"):
        twins.update(
            sk,
            "ADD #c :one",
            ExpressionAttributeNames={"#c": "count_" + sk},
            ExpressionAttributeValues={":one": {"N": sk}},
            ReturnValues="UPDATED_NEW",
        )
    assert {status for status, _ in twins.answers[4:]} == {200, 400}


def test_conditions_and_their_failures_answer_as_moto(twins: Twins) -> None:
    update = twins.update
    update(
        "1",
        "SET s = :s",
        ConditionExpression="attribute_exists(pk) AND n > :z",
        ExpressionAttributeValues={":s": {"S": "ok"}, ":z": {"N": "0"}},
        ReturnValues="ALL_NEW",
    )
    for failure in (None, "NONE", "ALL_OLD"):
        extra = {} if failure is None else {"ReturnValuesOnConditionCheckFailure": failure}
        status, body = update(
            "1",
            "SET s = :s",
            ConditionExpression="attribute_not_exists(pk)",
            ExpressionAttributeValues={":s": {"S": "never"}},
            **extra,
        )
        assert status == 400 and "ConditionalCheckFailed" in body["__type"]
    update(
        "50",
        "SET s = :s",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":s": {"S": "missing item"}},
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    update(
        "1",
        "SET s = :s",
        ConditionExpression="#v IN (:a, :b) OR size(ss) > :z",
        ExpressionAttributeNames={"#v": "version"},
        ExpressionAttributeValues={
            ":s": {"S": "in"},
            ":a": {"N": "1"},
            ":b": {"N": "2"},
            ":z": {"N": "1"},
        },
        ReturnValues="UPDATED_NEW",
    )
    twins.call(
        "put_item",
        TableName="T",
        Item=every_type("p1", "1"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    twins.call(
        "put_item",
        TableName="T",
        Item=every_type("p1", "60"),
        ConditionExpression="attribute_not_exists(pk)",
    )
    twins.call(
        "put_item",
        TableName="T",
        Item={**every_type("p1", "1"), "s": {"S": "replaced"}},
        ReturnValues="ALL_OLD",
    )
    twins.call(
        "put_item",
        TableName="T",
        Item=every_type("p1", "2"),
        Expected={"s": {"Value": {"S": "nope"}}},
    )
    twins.call("delete_item", TableName="T", Key={"pk": {"S": "p1"}, "sk": {"N": "60"}})
    for _ in range(2):  # a refused string is refused again; a kept one serves other names
        for condition in ("s ~ :v", "(s = :v", "s = :v)", "size = :v", "#n = :v AND", "s = :v"):
            for name, value in (("s", {"S": "ok"}), ("n", {"N": "0"}), ("ss", {"S": "a"})):
                twins.update(
                    "1",
                    "SET touched = :v",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#n": name} if "#n" in condition else {},
                    ExpressionAttributeValues={":v": value},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                twins.call(
                    "put_item",
                    TableName="T",
                    Item={**every_type("p1", "61"), "s": value},
                    ConditionExpression=condition.replace(":v", ":w"),
                    ExpressionAttributeNames={"#n": name} if "#n" in condition else {},
                    ExpressionAttributeValues={":w": value},
                )


def test_bad_update_expressions_get_moto_s_errors(twins: Twins) -> None:
    bad: list[dict[str, Any]] = [
        {"UpdateExpression": "SET"},
        {"UpdateExpression": "SET a = "},
        {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":w": {"N": "1"}}},
        {
            "UpdateExpression": "SET a = :v",
            "ExpressionAttributeNames": {"#unused": "x"},
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
        {
            "UpdateExpression": "SET a = :v SET b = :v",
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
        {"UpdateExpression": "SET a = :v, a = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        {
            "UpdateExpression": "SET m = :v REMOVE m.u",
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
        {"UpdateExpression": "ADD s :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        {"UpdateExpression": "ADD ss :v", "ExpressionAttributeValues": {":v": {"NS": ["1"]}}},
        {"UpdateExpression": "SET n = s + :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        {
            "UpdateExpression": "SET n = nothing + :v",
            "ExpressionAttributeValues": {":v": {"N": "1"}},
        },
        {
            "UpdateExpression": "SET l = list_append(s, :v)",
            "ExpressionAttributeValues": {":v": {"L": []}},
        },
        {"UpdateExpression": "SET x.y.z = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        {"UpdateExpression": "SET s[0] = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        {"UpdateExpression": "SET a = unknown_fn(b)"},
        {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}
        | {
            "UpdateExpression": "SET counter = :v"  # a reserved word
        },
        {"UpdateExpression": "REMOVE sk"},
        {"UpdateExpression": "DELETE s :v", "ExpressionAttributeValues": {":v": {"SS": ["a"]}}},
        {"UpdateExpression": "   "},
        {
            "UpdateExpression": "SET a = :v",
            "ExpressionAttributeValues": {":v": {"S": "x" * 410000}},
        },
        {"UpdateExpression": "SET a = :v", "AttributeUpdates": {"b": {"Action": "DELETE"}}},
        {"UpdateExpression": "SET a = :v", "ReturnValues": "EVERYTHING"},
    ]
    for params in bad:
        status, _ = twins.update("1", **params)
        assert status == 400, params
    for params in bad[:3]:  # a second time: nothing kept from the failed parse
        status, _ = twins.update("1", **params)
        assert status == 400, params
    status, body = twins.update(
        "1", "SET a = :v", ExpressionAttributeValues={":v": {"N": "1"}}, ReturnValues="ALL_NEW"
    )
    assert status == 200 and body["Attributes"]["a"] == {"N": "1"}


def test_an_undefined_name_placeholder_is_a_validation_error() -> None:
    """moto alone answers 500 (a KeyError in its validator); the local cloud's DynamoDB patch
    answers DynamoDB's 400, for both twins alike."""
    from stratus.local.dynamodb import moto_patches

    moto_patches.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        with pytest.raises(ClientError) as raised:
            client.update_item(
                TableName="t",
                Key={"pk": {"S": "1"}},
                UpdateExpression="SET a.#b = :v",
                ExpressionAttributeValues={":v": {"N": "1"}},
            )
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "ValidationException"
    assert error["Error"]["Message"].endswith("is not defined; attribute name: #b")


def test_an_undefined_name_placeholder_fails_alike_in_both_twins(twins: Twins) -> None:
    from stratus.local.dynamodb import moto_patches

    moto_patches.install()
    status, _ = twins.update(
        "1", "SET #a = :v", ExpressionAttributeValues={":v": {"N": "1"}}, ReturnValues="ALL_NEW"
    )
    assert status == 400


def test_items_at_and_over_the_size_limit_are_refused_as_by_moto(twins: Twins) -> None:
    """A new item's size is counted once: it is refused at the same size, with moto's error."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    base = every_type("p1", "90")
    fixed = Item(DynamoType({"S": "p1"}), DynamoType({"N": "90"}), base).size() + len("big")
    for extra in (0, 1):  # 405,000 bytes is the most moto admits
        filler = "y" * (405000 - fixed + extra)
        twins.call("put_item", TableName="T", Item={**base, "big": {"S": filler}})
        twins.call("put_item", TableName="T", Item={"big": {"S": filler}, **base})
        twins.update("91", "SET big = :b", ExpressionAttributeValues={":b": {"S": filler}})
    statuses = {status for status, _ in twins.answers[4:]}
    assert statuses == {200, 400}, statuses


def test_transactions_and_their_rollback_match_moto(twins: Twins) -> None:
    key = {"pk": {"S": "p1"}, "sk": {"N": "1"}}
    twins.call(
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": "T",
                    "Key": key,
                    "UpdateExpression": "SET l[0] = :x ADD ss :ss",
                    "ExpressionAttributeValues": {":x": {"S": "tx"}, ":ss": {"SS": ["t"]}},
                }
            },
            {"Put": {"TableName": "T", "Item": every_type("p1", "70")}},
        ],
    )
    status, _ = twins.call(
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": "T",
                    "Key": key,
                    "UpdateExpression": "SET m.deep.deeper[0] = :x ADD ss :ss",
                    "ExpressionAttributeValues": {":x": {"N": "5"}, ":ss": {"SS": ["u"]}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": "T",
                    "Key": {"pk": {"S": "p1"}, "sk": {"N": "2"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ],
    )
    assert status == 400  # cancelled: the first update is rolled back from its copy


def test_the_write_patches_are_the_ones_answering(wire: Wire) -> None:
    """The fast side of the twins runs the patches (else the comparisons above prove nothing)."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
        DepthFirstTraverser,
        Node,
    )
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    assert UpdateExpressionParser.make.__func__.__module__ == dynamodb_update.__name__
    assert DepthFirstTraverser.traverse.__module__ == dynamodb_update.__name__
    assert Node.find_clauses.__module__ == dynamodb_update.__name__
    assert validators.deepcopy.__module__ == dynamodb_update.__name__
    assert DynamoType.__deepcopy__.__module__ == dynamodb_clone.__name__
    lex = ConditionExpressionParser._lex_condition_expression
    assert lex.__module__ == dynamodb_condition.__name__
    first = UpdateExpressionParser.make("SET a = :v REMOVE b")
    assert UpdateExpressionParser.make("SET a = :v REMOVE b") is first


def test_deep_copies_of_items_keep_moto_s_structure_and_aliasing(wire: Wire) -> None:
    """An item whose values are shared or unusual is copied as moto's own methods copy it."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    assert DynamoType.__deepcopy__.__module__ == dynamodb_clone.__name__  # installed by MotoApp

    item = Item(DynamoType({"S": "p"}), DynamoType({"N": "1"}), every_type("p", "1"))
    shared = DynamoType({"M": {"k": {"SS": ["a"]}}})
    odd = DynamoType.__new__(DynamoType)
    odd.type, odd.value = "L", [shared, {"N": "1"}, shared]  # a plain dict among the members
    for key, value in (("one", shared), ("two", shared), ("odd", odd), ("key", item.hash_key)):
        dict.__setitem__(item.attrs, key, value)

    def dumped(copied: Any) -> Any:
        seen: dict[int, int] = {}
        return (
            type(copied).__name__,
            _dump(copied.hash_key, seen),
            _dump(copied.range_key, seen),
            _dump(copied.attrs, seen),
        )

    fast = copy.deepcopy(item)
    saved = DynamoType.__dict__["__deepcopy__"], Item.__dict__["__deepcopy__"]
    try:
        DynamoType.__deepcopy__ = _innermost(saved[0])  # type: ignore[method-assign]
        Item.__deepcopy__ = _innermost(saved[1])  # type: ignore[method-assign]
        slow = copy.deepcopy(item)
    finally:
        DynamoType.__deepcopy__, Item.__deepcopy__ = saved  # type: ignore[method-assign]
    assert dumped(fast) == dumped(slow)
    assert fast.attrs["one"] is fast.attrs["two"] is fast.attrs["odd"].value[0]
    assert fast.attrs["one"] is not shared
    plain = fast.attrs["odd"].value[1]
    assert plain == {"N": "1"} and plain is not odd.value[1]  # copied by copy.deepcopy
    assert fast.attrs["key"] is fast.hash_key
    assert type(fast.attrs).__name__ == "LimitedSizeDict"


def _tree(node: Any, ids: dict[int, int], original: set[int]) -> Any:
    """A tree's full structure: classes, attributes in order, atoms, and which objects recur."""
    if type(node) in (str, int, float, bool, type(None)):
        return node
    assert id(node) not in original  # nothing of the copied tree is shared with it
    mark = ids.get(id(node))
    if mark is not None:
        return ("seen", mark)
    ids[id(node)] = len(ids)
    if type(node) is list:
        return ("list", [_tree(v, ids, original) for v in node])
    if hasattr(node, "__dict__"):
        return (type(node).__name__, [(k, _tree(v, ids, original)) for k, v in vars(node).items()])
    return (type(node).__name__, repr(node))


def _objects(node: Any, found: set[int]) -> set[int]:
    if id(node) in found or type(node) in (str, int, float, bool, type(None)):
        return found
    found.add(id(node))
    for v in (
        node if type(node) is list else vars(node).values() if hasattr(node, "__dict__") else ()
    ):
        _objects(v, found)
    return found


@pytest.mark.parametrize(
    "expression",
    [
        "SET a = :v",
        "SET version = version + :one, #t = list_append(if_not_exists(#t, :e), :l)"
        " REMOVE x[2], y.z",
        "ADD s :s, n :n DELETE d :d SET m.deep[1].x = m.other - :v",
    ],
)
def test_expression_trees_are_copied_as_deepcopy_copies_them(wire: Wire, expression: str) -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    assert validators.deepcopy.__module__ == dynamodb_update.__name__  # installed by MotoApp

    tree = UpdateExpressionParser.make(expression)
    for root in (tree, tree.children[0], tree.children[0].children[0]):  # parents copied too
        original = _objects(root, set())
        fast = validators.deepcopy(root)
        slow = copy.deepcopy(root)
        assert _tree(fast, {}, original) == _tree(slow, {}, original)
