"""Malformed bodies are a 400 (or 415) naming the problem on every route that takes one,
never a 500: deep nesting, huge integers, NaN, lone surrogates, forms and multipart."""

from __future__ import annotations

from typing import Any

import pytest
from todo_harness import api_event, call

from stratus.runtime.bodies import MAX_JSON_DEPTH, safe_json_loads
from stratus.runtime.errors import ValidationError

DEEP = "[" * 976 + "]" * 976
DEEPER = "[" * 100_000 + "]" * 100_000
HUGE_INT = '{"title": "x", "n": ' + "9" * 4301 + "}"
ROUTES = [
    ("todos", "POST", "/todos"),
    ("todos", "PATCH", "/todos/01JAAAAAAAAAAAAAAAAAAAAAAA"),
    ("files", "POST", "/files/upload-url"),
]


def app_for(name: str, todos_app: Any, files_app: Any) -> Any:
    return todos_app if name == "todos" else files_app


@pytest.mark.parametrize(("app", "method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (DEEP, "nested deeper than"),
        (DEEPER[:60_000], "nested deeper than"),
        ('{"a":' * 40 + "1" + "}" * 40, "nested deeper than"),
        (HUGE_INT, "longer than 4300 digits"),
        ('{"title": NaN}', "NaN is not a JSON value"),
        ('{"title": 1e999}', "out of range"),
        ('{"title": "\\ud800"}', "unpaired surrogate"),
    ],
)
def test_malformed_json_is_400_naming_the_problem(
    todos_app: Any, files_app: Any, app: str, method: str, path: str, raw: str, message: str
) -> None:
    reply = call(app_for(app, todos_app, files_app), api_event(method, path, raw_body=raw))
    assert reply.status == 400, reply.body
    assert reply.body["error"] == "ValidationError"
    assert message in reply.body["message"]
    assert reply.field == "body"


@pytest.mark.parametrize(("app", "method", "path"), ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",  # no boundary: a bare ValueError (500) in Powertools
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "text/plain",
    ],
)
def test_bodies_that_are_not_json_are_415_naming_the_type(
    todos_app: Any, files_app: Any, app: str, method: str, path: str, content_type: str
) -> None:
    body = '--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--xyz--\r\n'
    event = api_event(method, path, raw_body=body, headers={"Content-Type": content_type})
    reply = call(app_for(app, todos_app, files_app), event)
    assert reply.status == 415, reply.body
    assert reply.body["error"] == "UnsupportedMediaType"
    assert content_type.split(";")[0] in reply.body["message"]


def test_a_multipart_form_is_not_accepted_as_a_todo(todos_app: Any) -> None:
    form = '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nsneaky\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    assert (
        call(todos_app, api_event("POST", "/todos", raw_body=form, headers=headers)).status == 415
    )
    listed = call(todos_app, api_event("GET", "/todos"))
    assert listed.body["items"] == []


def test_json_with_a_charset_is_still_json(todos_app: Any) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    reply = call(todos_app, api_event("POST", "/todos", {"title": "ok"}, headers=headers))
    assert reply.status == 201


def test_safe_loader_accepts_what_json_allows_within_the_limits() -> None:
    nested: Any = 1
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert safe_json_loads(__import__("json").dumps(nested)) == nested
    assert safe_json_loads('{"n": ' + "9" * 4300 + "}")["n"] == int("9" * 4300)
    assert safe_json_loads('"caf\\u00e9 \\ud83d\\ude00"') == "café 😀"  # a paired surrogate
    with pytest.raises(ValidationError, match="not valid UTF-8"):
        safe_json_loads(b'{"title": "caf\xe9"}')
