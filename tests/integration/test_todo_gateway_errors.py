"""The to-do OpenAPI document describes API Gateway's own 401 and 403 bodies exactly as the
running gateway sends them, so a strict client (the generated SDK) parses them."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import jsonschema
from stratus_todo_client import AuthenticatedClient
from stratus_todo_client.api.default import list_todos
from stratus_todo_client.models.gateway_message import GatewayMessage

from tests.conftest import LocalCloudHandle


def _document(cloud: LocalCloudHandle) -> dict[str, Any]:
    """The document as the running cloud serves it beside the API."""
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    answer = httpx.get(f"{cloud.gateway_origin}/openapi/todo.json", verify=verify)
    assert answer.status_code == 200, answer.text
    doc: dict[str, Any] = answer.json()
    return doc


def _schema(doc: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = doc["paths"][path][method]["responses"][status]
    assert "x-amzn-ErrorType" in response["headers"]
    ref = response["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def test_documented_401_is_the_body_the_gateway_sends(
    local_cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    schema = _schema(_document(local_cloud), "/todos", "get", "401")
    for headers in ({}, {"Authorization": "not-a-token"}):
        answer = api.get("todos", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["x-amzn-ErrorType"] == "UnauthorizedException"
        assert answer.json() == {"message": "Unauthorized"}
        jsonschema.validate(answer.json(), schema)
    # The old `ErrorBody` would not have accepted it: it requires an `error` object.
    error_body = _document(local_cloud)["components"]["schemas"]["ErrorBody"]
    assert "error" in error_body["required"]


def test_documented_403_is_the_body_the_gateway_sends(
    local_cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    schema = _schema(_document(local_cloud), "/todos", "get", "403")
    answer = api.patch("todos")  # no such method: API Gateway's own 403
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    jsonschema.validate(answer.json(), schema)


def test_generated_sdk_parses_a_401(local_cloud: LocalCloudHandle) -> None:
    client = AuthenticatedClient(
        base_url=str(local_cloud.stack_output("TodoApiUrl")),
        token="expired-or-forged",
        prefix="",
        verify_ssl=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        raise_on_unexpected_status=True,
    )
    with client:
        response = list_todos.sync_detailed(client=client)
    assert response.status_code == 401
    assert isinstance(response.parsed, GatewayMessage)
    assert response.parsed.message == "Unauthorized"
