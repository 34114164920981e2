"""The /todos API end to end over moto: CRUD, ETags, isolation, paging, idempotency, errors."""

from __future__ import annotations

from typing import Any

import pytest
from todo_cloud import IDEMPOTENCY_TABLE, TODO_TABLE, Cloud, make_deps
from todo_harness import USER_A, USER_B, api_event, call

from stratus.todo.api import build_todos_app


def _create(app: Any, title: str = "buy milk", sub: str = USER_A, **headers: str) -> Any:
    return call(app, api_event("POST", "/todos", {"title": title}, sub=sub, headers=headers))


def _count_todos(cloud: Cloud) -> int:
    items = cloud.dynamodb.scan(TableName=TODO_TABLE)["Items"]
    return sum(1 for item in items if item["sk"]["S"].startswith("todo#"))


def test_created_todo_has_location_etag_and_can_be_read_back(todos_app: Any) -> None:
    created = _create(todos_app, "  buy milk ")
    assert created.status == 201
    todo = created.body
    assert set(todo) == {"id", "title", "notes", "due", "done", "created_at", "updated_at",
                         "version"}
    assert (todo["title"], todo["done"], todo["version"]) == ("buy milk", False, 1)
    assert created.headers["Location"] == f"/todos/{todo['id']}"
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Content-Type"] == "application/json"
    fetched = call(todos_app, api_event("GET", f"/todos/{todo['id']}"))
    assert (fetched.status, fetched.body, fetched.headers["ETag"]) == (200, todo, '"1"')


def test_patch_with_current_if_match_succeeds_and_bumps_version(todos_app: Any) -> None:
    todo = _create(todos_app).body
    event = api_event("PATCH", f"/todos/{todo['id']}", {"done": True, "notes": "2 l"},
                      headers={"If-Match": '"1"'})
    reply = call(todos_app, event)
    assert reply.status == 200
    assert (reply.body["done"], reply.body["notes"], reply.body["version"]) == (True, "2 l", 2)
    assert reply.headers["ETag"] == '"2"'


def test_patch_with_stale_if_match_is_412_and_changes_nothing(todos_app: Any) -> None:
    todo = _create(todos_app).body
    call(todos_app, api_event("PATCH", f"/todos/{todo['id']}", {"title": "first"}))
    stale = api_event("PATCH", f"/todos/{todo['id']}", {"title": "second"},
                      headers={"If-Match": '"1"'})
    reply = call(todos_app, stale)
    assert reply.status == 412
    assert reply.body["error"] == "PreconditionFailed"
    current = call(todos_app, api_event("GET", f"/todos/{todo['id']}")).body
    assert (current["title"], current["version"]) == ("first", 2)


@pytest.mark.parametrize(("if_match", "status"), [("*", 200), ('W/"1"', 412), ("garbage", 412),
                                                  ('"7", "1"', 200)])
def test_if_match_forms(todos_app: Any, if_match: str, status: int) -> None:
    todo = _create(todos_app).body
    event = api_event("PATCH", f"/todos/{todo['id']}", {"done": True},
                      headers={"If-Match": if_match})
    assert call(todos_app, event).status == status


def test_patch_null_clears_notes_and_due(todos_app: Any) -> None:
    todo = call(todos_app, api_event("POST", "/todos",
                                     {"title": "t", "notes": "n", "due": "2025-01-01"})).body
    reply = call(todos_app, api_event("PATCH", f"/todos/{todo['id']}",
                                      {"notes": None, "due": None}))
    assert (reply.body["notes"], reply.body["due"]) == (None, None)


def test_delete_is_204_then_404(todos_app: Any) -> None:
    todo = _create(todos_app).body
    assert call(todos_app, api_event("DELETE", f"/todos/{todo['id']}")).status == 204
    assert call(todos_app, api_event("GET", f"/todos/{todo['id']}")).status == 404
    assert call(todos_app, api_event("DELETE", f"/todos/{todo['id']}")).status == 404
    assert call(todos_app, api_event("PATCH", f"/todos/{todo['id']}", {"done": True})).status == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_users_todo_is_404(todos_app: Any, cloud: Cloud, method: str) -> None:
    theirs = _create(todos_app, "private", sub=USER_B).body
    body = {"title": "hijacked"} if method == "PATCH" else None
    event = api_event(method, f"/todos/{theirs['id']}", body, sub=USER_A,
                      headers={"If-Match": "*"})
    reply = call(todos_app, event)
    assert reply.status == 404
    still = call(todos_app, api_event("GET", f"/todos/{theirs['id']}", sub=USER_B)).body
    assert still["title"] == "private"


def test_listing_never_shows_other_users_todos(todos_app: Any) -> None:
    _create(todos_app, "mine", sub=USER_A)
    _create(todos_app, "theirs", sub=USER_B)
    items = call(todos_app, api_event("GET", "/todos", sub=USER_A)).body["items"]
    assert [item["title"] for item in items] == ["mine"]


def test_unknown_todo_id_is_404(todos_app: Any) -> None:
    assert call(todos_app, api_event("GET", "/todos/not-an-id")).status == 404
    assert call(todos_app, api_event("GET", "/todos/01JN8S7QG072TECMQ49PKZ57H6")).status == 404


def test_25_todos_page_newest_first_over_two_pages(todos_app: Any, cloud: Cloud) -> None:
    for n in range(25):
        _create(todos_app, f"todo {n:02d}")
        cloud.clock.advance(1)
    first = call(todos_app, api_event("GET", "/todos")).body
    assert [t["title"] for t in first["items"]] == [f"todo {n:02d}" for n in range(24, 4, -1)]
    assert first["next"]
    second = call(todos_app, api_event("GET", "/todos", query={"cursor": first["next"]})).body
    assert [t["title"] for t in second["items"]] == [f"todo {n:02d}" for n in range(4, -1, -1)]
    assert second["next"] is None


def test_limit_bounds_page_size(todos_app: Any) -> None:
    for n in range(3):
        _create(todos_app, f"t{n}")
    page = call(todos_app, api_event("GET", "/todos", query={"limit": "2"})).body
    assert len(page["items"]) == 2 and page["next"]
    exact = call(todos_app, api_event("GET", "/todos", query={"limit": "3"})).body
    assert len(exact["items"]) == 3 and exact["next"] is None


def _first_cursor(todos_app: Any, sub: str = USER_A) -> str:
    for n in range(3):
        _create(todos_app, f"t{n}", sub=sub)
    cursor: str = call(todos_app, api_event("GET", "/todos", sub=sub,
                                            query={"limit": "1"})).body["next"]
    return cursor


def test_tampered_cursor_is_400_naming_cursor(todos_app: Any) -> None:
    cursor = _first_cursor(todos_app)
    payload, mac = cursor.split(".")
    for bad in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + mac, "junk", "a.b"):
        reply = call(todos_app, api_event("GET", "/todos", query={"cursor": bad}))
        assert reply.status == 400
        assert reply.field == "cursor"


def test_another_users_cursor_is_400(todos_app: Any) -> None:
    cursor = _first_cursor(todos_app, sub=USER_B)
    reply = call(todos_app, api_event("GET", "/todos", sub=USER_A, query={"cursor": cursor}))
    assert (reply.status, reply.field) == (400, "cursor")


def test_idempotent_retry_returns_first_result_and_creates_nothing(
    todos_app: Any, cloud: Cloud
) -> None:
    first = _create(todos_app, "once", **{"Idempotency-Key": "k-1"})
    cloud.clock.advance(5)
    retry = _create(todos_app, "once", **{"Idempotency-Key": "k-1"})
    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert retry.headers["Location"] == first.headers["Location"]
    assert _count_todos(cloud) == 1
    assert cloud.dynamodb.scan(TableName=IDEMPOTENCY_TABLE)["Count"] == 1


def test_same_idempotency_key_with_different_body_is_422(todos_app: Any, cloud: Cloud) -> None:
    _create(todos_app, "once", **{"Idempotency-Key": "k-2"})
    reply = _create(todos_app, "something else", **{"Idempotency-Key": "k-2"})
    assert reply.status == 422
    assert reply.body["error"] == "IdempotencyKeyReused"
    assert _count_todos(cloud) == 1


def test_idempotency_keys_are_scoped_per_user(todos_app: Any, cloud: Cloud) -> None:
    a = _create(todos_app, "same", sub=USER_A, **{"Idempotency-Key": "shared"})
    b = _create(todos_app, "same", sub=USER_B, **{"Idempotency-Key": "shared"})
    assert a.body["id"] != b.body["id"]
    assert _count_todos(cloud) == 2


def test_missing_claims_is_401(todos_app: Any) -> None:
    reply = call(todos_app, api_event("GET", "/todos", sub=None))
    assert reply.status == 401
    assert reply.body["error"] == "Unauthorized"


def test_unknown_route_is_404_json(todos_app: Any) -> None:
    reply = call(todos_app, api_event("GET", "/nothing-here"))
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body["error"] == "NotFound"


def test_cors_headers_are_on_responses_and_errors(todos_app: Any) -> None:
    origin = {"Origin": "https://app.example.com"}
    ok = call(todos_app, api_event("GET", "/todos", headers=origin))
    err = call(todos_app, api_event("GET", "/todos", sub=None, headers=origin))
    for reply in (ok, err):
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in reply.headers["Access-Control-Expose-Headers"]


class _ExplodingStore:
    def list(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("db password is hunter2")


def test_unexpected_error_is_500_without_stack_text(
    cloud: Cloud, caplog: pytest.LogCaptureFixture
) -> None:
    deps = make_deps(cloud)
    deps.todos = lambda: _ExplodingStore()  # type: ignore[assignment,return-value]
    reply = call(build_todos_app(deps), api_event("GET", "/todos"))
    assert reply.status == 500
    assert reply.body == {"error": "InternalError", "message": "internal error",
                          "request_id": "apigw-req-1"}
    assert "hunter2" in caplog.text and "Traceback" in caplog.text  # logged, not sent
