"""CloudFormation custom resource requests and response validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent
from aws_lambda_powertools.utilities.parser.models import (
    CloudFormationCustomResourceCreateModel,
    CloudFormationCustomResourceDeleteModel,
    CloudFormationCustomResourceUpdateModel,
)

from stratus.local.events.shapes.cloudformation import (
    InvalidCustomResourceResponse,
    parse_response,
    request,
    stringify,
)

TOKEN = "arn:aws:lambda:us-west-2:123456789012:function:provider"
COMMON: dict[str, Any] = {
    "service_token": TOKEN,
    "response_url": "https://cloudformation-custom-resource-response.example/x?sig=1",
    "stack_id": "arn:aws:cloudformation:us-west-2:123456789012:stack/stack-name/guid",
    "request_id": "unique-id-for-this-create-request",
    "resource_type": "Custom::TestResource",
    "logical_resource_id": "MyTestResource",
}


def test_create_request_matches_the_docs_sample() -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-create.html
    event = request("Create", properties={"Name": "Value", "List": [1, 2, 3]}, **COMMON)
    assert event["RequestType"] == "Create"
    assert event["ServiceToken"] == TOKEN
    assert event["ResourceProperties"] == {
        "ServiceToken": TOKEN,
        "Name": "Value",
        "List": ["1", "2", "3"],
    }
    assert "PhysicalResourceId" not in event
    assert "OldResourceProperties" not in event
    CloudFormationCustomResourceCreateModel.model_validate(event)
    parsed = CloudFormationCustomResourceEvent(event)
    assert parsed.request_type == "Create"
    assert parsed.service_token == TOKEN
    assert parsed.logical_resource_id == "MyTestResource"
    assert parsed.resource_properties["Name"] == "Value"


def test_update_request_carries_physical_id_and_old_properties() -> None:
    event = request(
        "Update",
        properties={"Size": 2},
        old_properties={"Size": 1},
        physical_resource_id="phys-1",
        **COMMON,
    )
    assert event["PhysicalResourceId"] == "phys-1"
    assert event["OldResourceProperties"] == {"ServiceToken": TOKEN, "Size": "1"}
    CloudFormationCustomResourceUpdateModel.model_validate(event)
    assert CloudFormationCustomResourceEvent(event).old_resource_properties == {
        "ServiceToken": TOKEN,
        "Size": "1",
    }


def test_delete_request_carries_physical_id() -> None:
    event = request("Delete", properties={}, physical_resource_id="phys-1", **COMMON)
    assert event["PhysicalResourceId"] == "phys-1"
    CloudFormationCustomResourceDeleteModel.model_validate(event)


def test_update_and_delete_without_physical_id_are_refused() -> None:
    with pytest.raises(ValueError):
        request("Delete", properties={}, **COMMON)
    with pytest.raises(ValueError):
        request("Update", properties={}, physical_resource_id="p", **COMMON)


def test_numbers_and_booleans_become_strings_recursively() -> None:
    assert stringify({"a": 1, "b": 2.5, "c": True, "d": [False, {"e": 3}], "f": "x"}) == {
        "a": "1",
        "b": "2.5",
        "c": "true",
        "d": ["false", {"e": "3"}],
        "f": "x",
    }


REQUEST = request("Create", properties={}, **COMMON)


def response(**fields: Any) -> str:
    base = {
        "Status": "SUCCESS",
        "PhysicalResourceId": "phys-1",
        "StackId": REQUEST["StackId"],
        "RequestId": REQUEST["RequestId"],
        "LogicalResourceId": REQUEST["LogicalResourceId"],
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None})


def test_valid_success_response_is_accepted() -> None:
    body = response(Data={"Arn": "x"}, NoEcho=True)
    assert parse_response(body, REQUEST)["Data"] == {"Arn": "x"}


def test_failed_response_needs_a_reason() -> None:
    with pytest.raises(InvalidCustomResourceResponse):
        parse_response(response(Status="FAILED"), REQUEST)
    assert parse_response(response(Status="FAILED", Reason="boom"), REQUEST)["Reason"] == "boom"


@pytest.mark.parametrize(
    "body",
    [
        response(Status="OK"),
        response(PhysicalResourceId=None),
        response(RequestId="another"),
        response(LogicalResourceId="Other"),
        response(Data=["x"]),
        response(NoEcho="yes"),
        "not json",
        "[]",
    ],
)
def test_invalid_response_is_rejected(body: str) -> None:
    with pytest.raises(InvalidCustomResourceResponse):
        parse_response(body, REQUEST)


def test_response_over_4096_bytes_is_rejected() -> None:
    body = response(Data={"blob": "x" * 4096})
    with pytest.raises(InvalidCustomResourceResponse, match="too long"):
        parse_response(body, REQUEST)
    parse_response(response(Data={"blob": "x" * 3500}), REQUEST)
