"""DAX's two caches: the item cache (GetItem/BatchGetItem) and the query cache (Query/Scan).

Written by hand because the semantics are DAX's own, not a generic cache's: per-entry TTL from
the injected clock, LRU eviction past a bound, negative entries ("item not found"), write-through
replacement of an item, and query results that writes never invalidate. An OrderedDict is the
whole LRU; nothing here does I/O, so it needs no locks on one asyncio loop.

DAX docs: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/dax-config-considerations.html
("Item cache and query cache", "DAX caching behavior") and DAX.consistency.html.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

Item = dict[str, Any]  # one item in DynamoDB JSON ({"pk": {"S": "a"}, ...})
FULL = ""  # the variant name of a read with no projection


def canonical(value: Any) -> str:
    """Stable text for JSON-able data: equal requests give equal cache keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _norm_attr(value: Mapping[str, Any]) -> Any:
    # Key attributes are S, N or B. DynamoDB treats "1" and "1.0" as the same number, so the
    # cache must too, or a write through one spelling would leave the other stale.
    number = value.get("N")
    if isinstance(number, str):
        try:
            return {"N": str(Decimal(number).normalize())}
        except InvalidOperation:
            return value
    return value


def item_key(table: str, key: Mapping[str, Any]) -> str:
    """The item cache's key: table + the primary key attributes, exact DynamoDB JSON."""
    return table + "\x00" + canonical({name: _norm_attr(v) for name, v in key.items()})


def key_of(item: Mapping[str, Any], key_names: Iterable[str]) -> dict[str, Any] | None:
    """The primary key of a full item, or None if the item lacks a key attribute."""
    out: dict[str, Any] = {}
    for name in key_names:
        if name not in item:
            return None
        out[name] = item[name]
    return out


def projection_variant(params: Mapping[str, Any]) -> str:
    """Which view of an item a read asked for. DAX caches per request shape; we key projected
    reads apart from full reads so a projection is never answered with the whole item."""
    proj = params.get("ProjectionExpression")
    names = params.get("AttributesToGet")
    if proj is None and names is None:
        return FULL
    return canonical([proj, params.get("ExpressionAttributeNames"), names])


class _Entry:
    __slots__ = ("body", "expires", "item")

    def __init__(self, item: Item | None, expires: float) -> None:
        self.item = item  # None = negative entry: the item does not exist
        self.expires = expires
        self.body: bytes | None = None  # GetItem response, encoded once on first hit


class ItemCache:
    """LRU of item slots; a slot holds one item's views (full, and per projection)."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._slots: OrderedDict[str, dict[str, _Entry]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._slots)

    def lookup(self, key: str, variant: str) -> _Entry | None:
        """The live entry for this view of the item, or None on a miss (expired = miss)."""
        slot = self._slots.get(key)
        if slot is None:
            return None
        now = self._clock()
        entry = slot.get(variant)
        if entry is None and variant != FULL:
            # A cached "not found" answers any projection of the same item.
            full = slot.get(FULL)
            if full is not None and full.item is None:
                entry = full
        if entry is None or entry.expires <= now:
            return None
        # DAX's LRU tracks "the last time the item was read from the cache".
        self._slots.move_to_end(key)
        return entry

    def store(self, key: str, variant: str, item: Item | None) -> None:
        """Cache a read's result (item or negative) for this view."""
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = {}
        slot[variant] = _Entry(item, self._clock() + self.ttl)
        self._slots.move_to_end(key)
        self._evict()

    def write(self, key: str, item: Item | None) -> None:
        """Write-through: the full item (or its absence) replaces every cached view of it."""
        self._slots[key] = {FULL: _Entry(item, self._clock() + self.ttl)}
        self._slots.move_to_end(key)
        self._evict()

    def evict(self, key: str) -> None:
        self._slots.pop(key, None)

    def clear(self) -> None:
        self._slots.clear()

    def _evict(self) -> None:
        # DAX evicts least-recently-used entries when memory is full, even unexpired ones.
        while len(self._slots) > self.max_entries:
            self._slots.popitem(last=False)


class QueryCache:
    """LRU of encoded Query/Scan responses keyed by the whole request; only TTL expires them."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: str) -> bytes | None:
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return hit[1]

    def store(self, key: str, body: bytes) -> None:
        self._entries[key] = (self._clock() + self.ttl, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
