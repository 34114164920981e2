"""Ids, ETags, the OpenAPI document and the real Lambda entry points with env config."""

from __future__ import annotations

import random
from typing import Any

import pytest
from todo_cloud import BUCKET, IDEMPOTENCY_TABLE, TODO_TABLE, Cloud
from todo_harness import FakeClock, FakeLambdaContext, api_event

from stratus.todo.domain import IdGenerator, etag, is_todo_id, parse_if_match
from stratus.todo.handlers import files as files_handler
from stratus.todo.handlers import todos as todos_handler
from stratus.todo.openapi import openapi_document


def test_ids_are_crockford_ulids_ordered_by_creation() -> None:
    clock = FakeClock()
    ids = IdGenerator(clock, random.Random(1).randbytes)
    made = []
    for n in range(50):
        made.append(ids())
        if n % 7 == 0:
            clock.advance(0.001)
    assert all(is_todo_id(i) for i in made)
    assert made == sorted(made) and len(set(made)) == 50


def test_etag_round_trips_through_if_match() -> None:
    assert etag(3) == '"3"'
    assert parse_if_match(etag(3)) == (3,)
    assert parse_if_match("*") == "*"
    assert parse_if_match('W/"3"') == ()
    assert parse_if_match(None) is None


def test_openapi_document_has_stable_operation_ids_and_cognito_security() -> None:
    doc = openapi_document()
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert ops == {"list_todos", "create_todo", "get_todo", "update_todo", "delete_todo",
                   "create_upload_url", "list_files", "get_download_url", "delete_file"}
    assert doc["components"]["securitySchemes"]["cognito"]["name"] == "Authorization"
    assert doc["security"] == [{"cognito": []}]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["TodoCreate"]["additionalProperties"] is False


@pytest.fixture
def handler_env(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_TABLE_NAME", TODO_TABLE)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("USER_FILES_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("CURSOR_SECRET_ARN", cloud.secret_arn)
    monkeypatch.setattr(todos_handler, "_app", None)
    monkeypatch.setattr(files_handler, "_app", None)


def _invoke(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


@pytest.mark.usefixtures("handler_env")
def test_lambda_handlers_work_from_environment_config(cloud: Cloud) -> None:
    for n in range(2):
        headers = {"Idempotency-Key": "h-1"} if n == 0 else None
        created = _invoke(todos_handler, api_event("POST", "/todos", {"title": f"t{n}"},
                                                   headers=headers))
        assert created["statusCode"] == 201
    listed = _invoke(todos_handler, api_event("GET", "/todos", query={"limit": "1"}))
    assert listed["statusCode"] == 200 and '"next": null' not in listed["body"]
    upload = _invoke(files_handler, api_event("POST", "/files/upload-url",
                                              {"name": "a.txt", "content_type": "text/plain",
                                               "size": 3}))
    assert upload["statusCode"] == 200
