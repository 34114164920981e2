"""Read-your-writes through a DAX-like query cache (see the design in stratus.todo.store).

`QueryCachingClient` models the part of DAX that matters: Query results are cached per exact
request for the TTL and NOT invalidated by writes; ConsistentRead queries pass through
uncached; GetItem/writes pass through (DAX's item cache is write-through).
"""

from __future__ import annotations

import json
from typing import Any

from todo_cloud import Cloud, make_deps
from todo_harness import FakeClock, api_event, call

from stratus.todo.api import build_todos_app

TTL = 300


class QueryCachingClient:
    def __init__(self, client: Any, clock: FakeClock) -> None:
        self._client = client
        self._clock = clock
        self._cache: dict[str, tuple[float, Any]] = {}
        self.hits = 0
        self.consistent = 0

    def query(self, **request: Any) -> Any:
        if request.get("ConsistentRead"):
            self.consistent += 1
            return self._client.query(**request)
        key = json.dumps(request, sort_keys=True)
        now = self._clock().timestamp()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            self.hits += 1
            return cached[1]
        result = self._client.query(**request)
        self._cache[key] = (now + TTL, result)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _titles(app: Any) -> list[str]:
    return [t["title"] for t in call(app, api_event("GET", "/todos")).body["items"]]


def _setup(cloud: Cloud) -> tuple[Any, QueryCachingClient]:
    dax = QueryCachingClient(cloud.dynamodb, cloud.clock)
    return build_todos_app(make_deps(cloud, dynamodb=dax)), dax


def test_new_todo_is_listed_at_once_despite_query_cache(cloud: Cloud) -> None:
    app, dax = _setup(cloud)
    cloud.clock.advance(1)
    assert _titles(app) == []  # GIVEN an empty listing sitting in the query cache
    call(app, api_event("POST", "/todos", {"title": "fresh"}))  # WHEN the user writes
    assert _titles(app) == ["fresh"]  # THEN the next listing shows it
    assert dax.consistent >= 1


def test_the_cache_model_really_is_stale_without_the_design(cloud: Cloud) -> None:
    """Control: the fake cache does serve an old Query result after a write."""
    dax = QueryCachingClient(cloud.dynamodb, cloud.clock)
    request = {"TableName": "todos", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "u"}}}
    assert dax.query(**request)["Items"] == []
    dax.put_item(TableName="todos", Item={"pk": {"S": "u"}, "sk": {"S": "todo#x"}})
    assert dax.query(**request)["Items"] == []


def test_updates_and_deletes_are_visible_at_once(cloud: Cloud) -> None:
    app, _ = _setup(cloud)
    todo = call(app, api_event("POST", "/todos", {"title": "a"})).body
    assert _titles(app) == ["a"]
    call(app, api_event("PATCH", f"/todos/{todo['id']}", {"title": "b"}))
    assert _titles(app) == ["b"]
    call(app, api_event("DELETE", f"/todos/{todo['id']}"))
    assert _titles(app) == []


def test_quiet_users_repeated_listings_are_served_from_cache(cloud: Cloud) -> None:
    app, dax = _setup(cloud)
    call(app, api_event("POST", "/todos", {"title": "old"}))
    cloud.clock.advance(TTL + 10)  # the user has not written for longer than the TTL
    consistent_before = dax.consistent
    assert _titles(app) == ["old"]
    assert _titles(app) == ["old"]
    assert dax.consistent == consistent_before
    assert dax.hits == 1
    call(app, api_event("POST", "/todos", {"title": "new"}))  # a write ends the cached view
    assert _titles(app) == ["new", "old"]
