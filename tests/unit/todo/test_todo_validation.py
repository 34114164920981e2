"""Every input rule of the to-do API is a 400 whose body names the offending field."""

from __future__ import annotations

from typing import Any

import pytest
from todo_harness import api_event, call

from stratus.todo.domain import NOTES_MAX, TITLE_MAX


def _create(todos_app: Any, body: Any) -> Any:
    return call(todos_app, api_event("POST", "/todos", body))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * (TITLE_MAX + 1)}, "title"),
        ({"title": 42}, "title"),
        ({"title": None}, "title"),
        ({"title": "ok", "notes": "n" * (NOTES_MAX + 1)}, "notes"),
        ({"title": "ok", "notes": 5}, "notes"),
        ({"title": "ok", "due": "tomorrow"}, "due"),
        ({"title": "ok", "due": "2025-13-01"}, "due"),
        ({"title": "ok", "due": 20250101}, "due"),
        ({"title": "ok", "owner": "someone-else"}, "owner"),
        ({"title": "ok", "done": True}, "done"),  # done is not settable on create
        (["not", "an", "object"], "body"),
    ],
)
def test_invalid_create_is_400_naming_the_field(todos_app: Any, body: Any, field: str) -> None:
    reply = _create(todos_app, body)
    assert reply.status == 400, reply.body
    assert reply.body["error"] == "ValidationError"
    assert reply.field == field


def test_title_is_trimmed_and_200_characters_are_allowed(todos_app: Any) -> None:
    reply = _create(todos_app, {"title": "  " + "t" * TITLE_MAX + "  ", "notes": "n" * NOTES_MAX})
    assert reply.status == 201
    assert reply.body["title"] == "t" * TITLE_MAX


@pytest.mark.parametrize(
    ("due", "stored"),
    [("2025-06-30", "2025-06-30"), ("2025-06-30T09:15:00+02:00", "2025-06-30T09:15:00+02:00"),
     ("2025-06-30T09:15:00Z", "2025-06-30T09:15:00+00:00")],
)
def test_due_accepts_iso_dates_and_datetimes(todos_app: Any, due: str, stored: str) -> None:
    reply = _create(todos_app, {"title": "ok", "due": due})
    assert reply.status == 201
    assert reply.body["due"] == stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"done": None}, "done"),
        ({"done": "yes"}, "done"),
        ({"title": " "}, "title"),
        ({"due": "soon"}, "due"),
        ({"version": 9}, "version"),
        ({}, "body"),
    ],
)
def test_invalid_patch_is_400_naming_the_field(todos_app: Any, body: Any, field: str) -> None:
    created = _create(todos_app, {"title": "ok"}).body
    reply = call(todos_app, api_event("PATCH", f"/todos/{created['id']}", body))
    assert reply.status == 400, reply.body
    assert reply.field == field


@pytest.mark.parametrize(("limit", "ok"), [("0", False), ("101", False), ("abc", False),
                                           ("1", True), ("100", True)])
def test_list_limit_must_be_1_to_100(todos_app: Any, limit: str, ok: bool) -> None:
    reply = call(todos_app, api_event("GET", "/todos", query={"limit": limit}))
    assert reply.status == (200 if ok else 400)
    if not ok:
        assert reply.field == "limit"


def test_malformed_json_is_400_naming_body(todos_app: Any) -> None:
    reply = call(todos_app, api_event("POST", "/todos", raw_body='{"title": "x",'))
    assert reply.status == 400
    assert reply.field == "body"
    assert reply.body["message"] == "malformed JSON body"


def test_non_json_content_type_is_415(todos_app: Any) -> None:
    event = api_event("POST", "/todos", raw_body="title=x",
                      headers={"Content-Type": "text/plain"})
    assert call(todos_app, event).status == 415


def test_body_over_64_kib_is_413(todos_app: Any) -> None:
    reply = call(todos_app, api_event("POST", "/todos", {"title": "x", "notes": "n" * 70_000}))
    assert reply.status == 413
    assert reply.body["error"] == "PayloadTooLarge"


def test_empty_idempotency_key_is_400_naming_the_header(todos_app: Any) -> None:
    event = api_event("POST", "/todos", {"title": "x"}, headers={"Idempotency-Key": ""})
    reply = call(todos_app, event)
    assert reply.status == 400
    assert reply.field == "idempotency-key"
