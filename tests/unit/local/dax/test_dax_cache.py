"""The caches on their own: LRU bound, TTL, negative entries, write-through replacement."""

from __future__ import annotations

from stratus.local.dax.cache import FULL, ItemCache, QueryCache, item_key, projection_variant


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_item_cache_evicts_least_recently_used_beyond_max_entries() -> None:
    cache = ItemCache(ttl=60, max_entries=2, clock=Clock())
    a, b, c = (item_key("t", {"pk": {"S": name}}) for name in "abc")
    cache.store(a, FULL, {"v": {"S": "a"}})
    cache.store(b, FULL, {"v": {"S": "b"}})
    assert cache.lookup(a, FULL) is not None  # a is now the most recently used

    cache.store(c, FULL, {"v": {"S": "c"}})

    assert len(cache) == 2
    assert cache.lookup(b, FULL) is None
    assert cache.lookup(a, FULL) is not None
    assert cache.lookup(c, FULL) is not None


def test_query_cache_is_bounded_and_expires() -> None:
    clock = Clock()
    cache = QueryCache(ttl=10, max_entries=1, clock=clock)
    cache.store("q1", b"one")
    cache.store("q2", b"two")
    assert cache.lookup("q1") is None
    assert cache.lookup("q2") == b"two"
    clock.now = 10
    assert cache.lookup("q2") is None


def test_equal_numbers_spelled_differently_share_a_cache_key() -> None:
    assert item_key("t", {"id": {"N": "1.0"}}) == item_key("t", {"id": {"N": "1"}})
    assert item_key("t", {"a": {"S": "x"}, "b": {"S": "y"}}) == item_key(
        "t", {"b": {"S": "y"}, "a": {"S": "x"}}
    )


def test_write_replaces_every_projection_of_an_item() -> None:
    cache = ItemCache(ttl=60, max_entries=10, clock=Clock())
    k = item_key("t", {"pk": {"S": "a"}})
    projected = projection_variant({"ProjectionExpression": "v"})
    cache.store(k, projected, {"v": {"S": "old"}})

    cache.write(k, {"pk": {"S": "a"}, "v": {"S": "new"}})

    assert cache.lookup(k, projected) is None  # refetched, never served stale
    entry = cache.lookup(k, FULL)
    assert entry is not None and entry.item == {"pk": {"S": "a"}, "v": {"S": "new"}}


def test_negative_entry_answers_any_projection() -> None:
    cache = ItemCache(ttl=60, max_entries=10, clock=Clock())
    k = item_key("t", {"pk": {"S": "a"}})
    cache.write(k, None)
    entry = cache.lookup(k, projection_variant({"ProjectionExpression": "v"}))
    assert entry is not None and entry.item is None
