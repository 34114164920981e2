"""API Gateway's request body validation: a method with a body-validating RequestValidator
and a model for the request's content type refuses a body the model does not accept (400
"Invalid request body") before the integration; bodies that are not UTF-8 JSON among them.
Content types without a model are not validated (AWS's rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gateway_rig import API_ID, Rig, method_props, without_limits

from stratus.local.provision.model import Deployment, Resource


def with_validator(deployment: Deployment) -> None:
    without_limits(deployment)
    stack = deployment.stacks["GwFixture"]
    stack.resources["Validator"] = Resource(
        "GwFixture",
        "Validator",
        "AWS::ApiGateway::RequestValidator",
        {"RestApiId": API_ID, "ValidateRequestBody": True, "ValidateRequestParameters": True},
        physical_id="val123",
    )
    stack.resources["JsonObject"] = Resource(
        "GwFixture",
        "JsonObject",
        "AWS::ApiGateway::Model",
        {
            "RestApiId": API_ID,
            "ContentType": "application/json",
            "Name": "JsonObject",
            "Schema": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"},
        },
        physical_id="JsonObject",
    )
    post = method_props(deployment, "ApitodosPOST")
    post["RequestValidatorId"] = "val123"
    post["RequestModels"] = {"application/json": "JsonObject"}


@pytest.fixture
def validating(tmp_path: Path) -> Rig:
    return Rig(tmp_path, tweak=with_validator)


def post(rig: Rig, body: bytes, content_type: str | None = "application/json") -> tuple[int, str]:
    headers = {"Authorization": rig.id_token()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    resp = rig.request("POST", "/todos", content=body, headers=headers)
    return resp.status_code, resp.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "caf\xe9"}',  # Latin-1, not UTF-8
        b'{"title": "\xff\xfe"}',
        b"[1, 2]",  # JSON, but not the model's object
        b'{"title": ',  # not JSON
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_a_body_the_model_refuses_is_400_and_never_invoked(validating: Rig, body: bytes) -> None:
    assert post(validating, body) == (400, '{"message":"Invalid request body"}')
    assert validating.lambdas.events == []


def test_a_body_the_model_accepts_is_invoked(validating: Rig) -> None:
    status, _ = post(
        validating, '{"title": "café", "n": 1e400, "big": 1'.encode() + b"9" * 5000 + b"}"
    )
    assert status == 200
    assert len(validating.lambdas.events) == 1


def test_an_empty_body_is_validated_as_an_empty_object(validating: Rig) -> None:
    # As AWS (recorded by LocalStack): no body is validated as {}, which this model accepts.
    assert post(validating, b"")[0] == 200


def test_no_content_type_is_validated_as_json(validating: Rig) -> None:
    assert post(validating, b"\xff", content_type=None)[0] == 400


def test_a_content_type_without_a_model_is_not_validated(validating: Rig) -> None:
    # AWS: "If no matching content type is found, request validation is not performed."
    status, _ = post(validating, b"--x\r\n\xff", content_type="multipart/form-data")
    assert status == 200
    assert len(validating.lambdas.events) == 1


def test_methods_without_a_validator_are_not_validated(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)
    assert post(rig, b"\xff")[0] == 200
