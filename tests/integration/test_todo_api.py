"""The to-do API end to end: gateway -> Lambda runtime -> DAX endpoint -> DynamoDB."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import User


def test_create_read_update_delete(api: httpx.Client, alice: User) -> None:
    created = api.post("todos", headers=alice.auth, json={"title": "Buy milk", "due": "2026-12-01"})
    assert created.status_code == 201, created.text
    todo = created.json()
    assert todo["title"] == "Buy milk" and todo["done"] is False and todo["version"] == 1
    assert created.headers["etag"] and todo["id"] in created.headers["location"]

    fetched = api.get(f"todos/{todo['id']}", headers=alice.auth)
    assert fetched.status_code == 200 and fetched.json()["id"] == todo["id"]
    etag = fetched.headers["etag"]

    done = api.patch(
        f"todos/{todo['id']}", headers={**alice.auth, "If-Match": etag}, json={"done": True}
    )
    assert done.status_code == 200, done.text
    assert done.json()["done"] is True and done.json()["version"] == 2

    stale = api.patch(
        f"todos/{todo['id']}", headers={**alice.auth, "If-Match": etag}, json={"title": "x"}
    )
    assert stale.status_code == 412

    assert api.delete(f"todos/{todo['id']}", headers=alice.auth).status_code == 204
    assert api.get(f"todos/{todo['id']}", headers=alice.auth).status_code == 404


def test_own_writes_are_visible_at_once_through_dax(api: httpx.Client, alice: User) -> None:
    api.get("todos", headers=alice.auth)  # warm DAX's query cache for this request
    title = f"fresh {uuid.uuid4().hex[:6]}"
    assert api.post("todos", headers=alice.auth, json={"title": title}).status_code == 201
    listed = api.get("todos", headers=alice.auth).json()["items"]
    assert listed[0]["title"] == title


def test_other_users_todo_is_404_and_never_listed(
    api: httpx.Client, alice: User, bob: User
) -> None:
    secret = api.post("todos", headers=alice.auth, json={"title": "alice only"}).json()
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"title": "mine now"}} if method == "PATCH" else {}
        response = api.request(method, f"todos/{secret['id']}", headers=bob.auth, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 404, (method, response.text)
    assert all(
        item["id"] != secret["id"] for item in api.get("todos", headers=bob.auth).json()["items"]
    )
    assert api.get(f"todos/{secret['id']}", headers=alice.auth).json()["title"] == "alice only"


def test_validation_errors_are_400_naming_the_field(api: httpx.Client, alice: User) -> None:
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "notes": "n" * 4001}, "notes"),
        ({"title": "ok", "due": "next tuesday"}, "due"),
    ]
    for body, field in cases:
        response = api.post("todos", headers=alice.auth, json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.text


def test_malformed_json_is_400_not_500(api: httpx.Client, alice: User) -> None:
    response = api.post(
        "todos", headers={**alice.auth, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_idempotency_key_retry_returns_first_result(api: httpx.Client, bob: User) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = api.post("todos", headers={**bob.auth, **key}, json={"title": "once"})
    second = api.post("todos", headers={**bob.auth, **key}, json={"title": "once"})
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    titles = [
        item["title"] for item in api.get("todos?limit=100", headers=bob.auth).json()["items"]
    ]
    assert titles.count("once") == 1


def test_pagination_and_cursor_bound_to_user(api: httpx.Client, alice: User, bob: User) -> None:
    for i in range(5):
        api.post("todos", headers=alice.auth, json={"title": f"page {i}"})
    page = api.get("todos?limit=2", headers=alice.auth).json()
    assert len(page["items"]) == 2 and page["next"]
    following = api.get(
        "todos", params={"limit": 2, "cursor": page["next"]}, headers=alice.auth
    ).json()
    assert {i["id"] for i in following["items"]}.isdisjoint({i["id"] for i in page["items"]})
    stolen = api.get("todos", params={"limit": 2, "cursor": page["next"]}, headers=bob.auth)
    assert stolen.status_code == 400
    assert api.get("todos?limit=0", headers=alice.auth).status_code == 400
    assert api.get("todos?limit=101", headers=alice.auth).status_code == 400
