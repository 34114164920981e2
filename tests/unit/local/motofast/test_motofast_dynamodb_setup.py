"""The DynamoDB handler set up directly is set up as moto's `setup_class` sets it up, and
the compiled parameter walk parses what moto's `JSONParser` parses.

(1) Through a broad scenario (every attribute type and item operation, conditions,
transactions, errors), each DynamoDB request is also set up by moto's own `setup_class` on
a copy of the request; every attribute must match, parameters with their key order and
value types. (2) Odd bodies (unknown members, nulls, wrong kinds, bad base64, not JSON,
not UTF-8) parse as moto parses them, or fail with moto's error.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from dynamodb_scenario import create_tables, every_type, ok, run_dynamodb_scenario

from conftest import Wire
from stratus.local.motofast import dynamodb_parse, dynamodb_setup


def _copy(request: Any) -> Any:
    environ = dict(request.environ)
    body = request.get_data()
    environ["wsgi.input"] = io.BytesIO(body)
    return type(request)(environ)


def _state(handler: Any) -> dict[str, Any]:
    state = dict(vars(handler))
    state["normalized_request"] = type(state["normalized_request"])
    state["headers"] = list(state["headers"].items())
    state["response_headers"] = dict(state["response_headers"])
    state["response_headers"].pop("date", None)  # the clock moves between the two
    state["params"] = repr(state.get("params"))  # key order and value types too
    return state


class Checked:
    def __init__(self) -> None:
        self.operations: dict[str, int] = {}


@pytest.fixture
def compared(wire: Wire, swap: Any) -> Iterator[Checked]:
    from moto.dynamodb.responses import DynamoHandler

    checked = Checked()
    fast = DynamoHandler._dispatch
    assert getattr(fast, "_stratus_dynamodb_setup", False)

    def both(self: Any, request: Any, full_url: str | None = None, headers: Any = None) -> Any:
        slow = DynamoHandler()
        slow.setup_class(_copy(request), full_url, headers)
        mine = DynamoHandler()
        assert dynamodb_setup._fast_setup(mine, request, full_url, headers)
        assert _state(mine) == _state(slow)
        name = request.headers["X-Amz-Target"].split(".")[-1]
        checked.operations[name] = checked.operations.get(name, 0) + 1
        return mine.call_action()

    swap(DynamoHandler, "_dispatch", both)
    yield checked


def test_every_request_of_a_broad_scenario_is_set_up_as_moto_does(
    wire: Wire, compared: Checked
) -> None:
    run_dynamodb_scenario(wire, "setup-shapes")
    ok(
        wire,
        "dynamodb",
        "batch_write_item",
        RequestItems={
            "setup-shapes": [
                {"PutRequest": {"Item": every_type("batch", "1")}},
                {"DeleteRequest": {"Key": {"pk": {"S": "batch"}, "sk": {"N": "2"}}}},
            ]
        },
    )
    for operation in (
        "CreateTable",
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchWriteItem",
        "BatchGetItem",
        "TransactWriteItems",
        "TransactGetItems",
    ):
        assert compared.operations.get(operation), (operation, compared.operations)


def test_errors_are_set_up_and_answered_as_moto_does(wire: Wire, compared: Checked) -> None:
    create_tables(wire, "setup-errors")
    ok(wire, "dynamodb", "put_item", TableName="setup-errors", Item=every_type("e", "1"))
    status, body = wire.call(
        "dynamodb",
        "put_item",
        TableName="setup-errors",
        Item=every_type("e", "1"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    assert status == 400 and b"ConditionalCheckFailedException" in body
    status, body = wire.call("dynamodb", "get_item", TableName="nope", Key={"pk": {"S": "x"}})
    assert status == 400 and b"ResourceNotFoundException" in body
    status, body = wire.call(
        "dynamodb", "query", TableName="setup-errors", KeyConditionExpression="pk = :missing"
    )
    assert status == 400


def test_requests_outside_the_narrow_case_use_moto_setup(wire: Wire) -> None:
    from moto.dynamodb.responses import DynamoHandler

    request = wire.request("dynamodb", "list_tables")
    environ = wire.moto._environ(request)
    for change in (
        {"HTTP_CONTENT_ENCODING": "gzip"},
        {"CONTENT_TYPE": "application/x-www-form-urlencoded"},
        {"CONTENT_TYPE": "application/json"},
        {"REQUEST_METHOD": "GET"},
    ):
        from moto.core.request import Request

        changed = Request(dict(environ, **change, **{"wsgi.input": io.BytesIO(request.body)}))
        assert not dynamodb_setup._fast_setup(DynamoHandler(), changed, None, None), change
    with_query = Request(dict(environ, QUERY_STRING="a=b", **{"wsgi.input": io.BytesIO(b"")}))
    assert not dynamodb_setup._fast_setup(DynamoHandler(), with_query, None, None)


ODD_BODIES: list[tuple[str, bytes]] = [
    ("GetItem", b""),
    ("GetItem", b"null"),
    ("GetItem", b"[]"),
    ("GetItem", b"12"),
    ("GetItem", b"not json"),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": {"S": "\xff"}}}'),
    ("GetItem", b'{"TableName": null, "Key": {"pk": {"S": "a", "N": null, "X": 1}}}'),
    ("GetItem", b'{"TableName": "t", "Key": [1, 2], "Unknown": {"a": 1}}'),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": "not an attribute value"}}'),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": {"B": "not base64!"}}}'),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": {"B": "AAE"}}}'),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": {"B": "AAE="}}, "ConsistentRead": "yes"}'),
    ("GetItem", b'{"TableName": 5, "Key": {"pk": {"L": "abc"}}}'),
    ("GetItem", b'{"TableName": "t", "Key": {"pk": {"M": [1]}}}'),
    ("Query", b'{"TableName": "t", "Limit": "5", "ScanIndexForward": 0}'),
    ("Query", b'{"TableName": "t", "Limit": 2.5, "ExclusiveStartKey": {}}'),
    ("Query", b'{"TableName": "t", "Limit": "x"}'),
    ("Query", b'{"TableName": "t", "Limit": true}'),
    ("Query", b'{"TableName": "t", "Limit": null, "AttributesToGet": "abc"}'),
    ("Scan", b'{"TableName": "t", "Segment": 1, "TotalSegments": 2, "Select": "COUNT"}'),
    ("UpdateTable", b'{"TableName": "t", "OnDemandThroughput": {"MaxReadRequestUnits": "7"}}'),
    ("RestoreTableToPointInTime", b'{"SourceTableName": "a", "RestoreDateTime": 1700000000}'),
    ("RestoreTableToPointInTime", b'{"SourceTableName": "a", "RestoreDateTime": "bad"}'),
    ("DescribeLimits", b"{}"),
    (
        "PutItem",
        json.dumps(
            {
                "Item": {"b": {"BS": ["AAE=", "AQ=="]}, "m": {"M": {"x": {"L": [{"NULL": True}]}}}},
                "TableName": "t",
                "ExpressionAttributeValues": {":v": {"NS": ["1", "2"]}},
            }
        ).encode(),
    ),
]


def _moto_parse(operation: str, body: bytes) -> Any:
    from moto.core.parse import JSONParser
    from moto.core.utils import get_service_model

    model = get_service_model("dynamodb").operation_model(operation)
    request: Any = {
        "method": "POST",
        "values": {},
        "headers": {},
        "body": body,
        "url_path": "/",
        "url_params": {},
    }
    return JSONParser(model, map_type=dict).parse(request)


def _outcome(parse: Any) -> tuple[str, str]:
    try:
        return "ok", repr(parse())
    except Exception as exc:
        return "error", type(exc).__name__


@pytest.mark.parametrize("operation,body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_parse_as_moto_parses_them(operation: str, body: bytes) -> None:
    from moto.core.utils import get_service_model

    model = get_service_model("dynamodb").operation_model(operation)

    def fast() -> Any:
        found = dynamodb_parse._fast(model, body)
        return found if found is not None else _moto_parse(operation, body)

    assert _outcome(fast) == _outcome(lambda: _moto_parse(operation, body))


def test_well_formed_bodies_take_the_compiled_walk() -> None:
    from moto.core.utils import get_service_model

    for operation, body in ODD_BODIES:
        if operation in ("PutItem", "DescribeLimits"):
            model = get_service_model("dynamodb").operation_model(operation)
            assert dynamodb_parse._fast(model, body) is not None, operation
