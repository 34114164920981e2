"""What DAX does with each DynamoDB operation: serve from cache, write through, or pass through.

Behaviour copied from the DAX developer guide (quoted URLs are the English pages):
- DAX.concepts.html "How DAX processes requests": GetItem, BatchGetItem, Query and Scan are
  served from cache when eventually consistent; a miss is fetched from DynamoDB and cached.
  Strongly consistent reads go to DynamoDB and are not cached. BatchWriteItem, UpdateItem,
  DeleteItem and PutItem are write-through: DynamoDB first, then the item cache.
- DAX.consistency.html#DAX.consistency.query-cache: Query/Scan results are cached by request
  parameters and are NOT updated or invalidated by writes, only by TTL.
- DAX.consistency.html#DAX.consistency.negative-caching: "not found" is cached too.
- DAX.consistency.html#DAX.consistency.strongly-consistent-reads: TransactGetItems passes
  through, uncached.
- Table operations: amazondax's client raises "Table operations are not supported on DAX.
  Use the boto DynamoDB client instead." (AmazonDaxClient.create_table, describe_table, ...).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeGuard

from stratus.local.dax.cache import (
    FULL,
    ItemCache,
    QueryCache,
    canonical,
    item_key,
    key_of,
    projection_variant,
)
from stratus.local.dax.wire import Reply, Upstream, dumps, encoded_reply, error_reply, json_reply

log = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]
Params = dict[str, Any]
_Handler = Callable[[Params, bytes, Headers], Awaitable[Reply]]

UNSUPPORTED_MESSAGE = (
    "{op} is not supported by DAX. Table operations are not supported on DAX. "
    "Use the boto DynamoDB client instead."
)


@dataclass
class DaxStats:
    item_hits: int = 0
    item_misses: int = 0
    query_hits: int = 0
    query_misses: int = 0
    pass_through: int = 0
    writes: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self)
        hits = self.item_hits + self.query_hits
        lookups = hits + self.item_misses + self.query_misses
        out["item_hit_ratio"] = _ratio(self.item_hits, self.item_hits + self.item_misses)
        out["query_hit_ratio"] = _ratio(self.query_hits, self.query_hits + self.query_misses)
        out["hit_ratio"] = _ratio(hits, lookups)
        return out


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


class DaxEngine:
    def __init__(
        self,
        upstream: Upstream,
        *,
        item_ttl: float,
        query_ttl: float,
        clock: Callable[[], float],
        max_entries: int,
    ) -> None:
        self.upstream = upstream
        self.items = ItemCache(item_ttl, max_entries, clock)
        self.queries = QueryCache(query_ttl, max_entries, clock)
        self.stats = DaxStats()
        self._key_names: dict[str, tuple[str, ...]] = {}  # table -> primary key attributes
        # Bumped by every successful write to a table, so a read that raced a write does not
        # put the older value it fetched back into the cache.
        self._generation: dict[str, int] = {}
        self._handlers: dict[str, _Handler] = {
            "GetItem": self._get_item,
            "BatchGetItem": self._batch_get_item,
            "Query": self._query("Query"),
            "Scan": self._query("Scan"),
            "TransactGetItems": self._pass("TransactGetItems"),
            "PutItem": self._put_item,
            "UpdateItem": self._update_item,
            "DeleteItem": self._delete_item,
            "BatchWriteItem": self._batch_write_item,
            "TransactWriteItems": self._transact_write_items,
        }

    def flush(self) -> None:
        """Empty both caches (and the learnt key schemas). Call it on the serving loop."""
        self.items.clear()
        self.queries.clear()
        self._key_names.clear()

    async def handle(self, op: str, body: bytes, headers: Headers) -> Reply:
        handler = self._handlers.get(op)
        if handler is None:
            return error_reply(400, "UnknownOperationException", UNSUPPORTED_MESSAGE.format(op=op))
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return error_reply(400, "SerializationException", "Request body is not valid JSON")
        if not isinstance(params, dict):
            return error_reply(400, "SerializationException", "Request body must be a JSON object")
        return await handler(params, body, headers)

    # ---------------------------------------------------------------- reads
    def _pass(self, op: str) -> _Handler:
        async def passthrough(params: Params, body: bytes, headers: Headers) -> Reply:
            self.stats.pass_through += 1
            return await self.upstream.call(op, body, headers)

        return passthrough

    async def _get_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        table, key = params.get("TableName"), params.get("Key")
        if params.get("ConsistentRead") is True or not isinstance(table, str) or not _is_map(key):
            # Strongly consistent: straight to DynamoDB, never cached. Malformed: let
            # DynamoDB produce its own validation error.
            return await self._pass("GetItem")(params, body, headers)
        ck, variant = item_key(table, key), projection_variant(params)
        entry = self.items.lookup(ck, variant)
        if entry is not None:
            self.stats.item_hits += 1
            if entry.body is None:
                entry.body = dumps({} if entry.item is None else {"Item": entry.item})
            return encoded_reply(entry.body)
        self.stats.item_misses += 1
        generation = self._generation.get(table, 0)
        reply = await self.upstream.call("GetItem", body, headers)
        if reply.ok and generation == self._generation.get(table, 0):
            self._key_names.setdefault(table, tuple(key))
            # No "Item" in the answer = not found: cached as a negative entry, as DAX does.
            self.items.store(ck, variant, json.loads(reply.body).get("Item"))
        return reply

    async def _batch_get_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        request = params.get("RequestItems")
        if not _is_map(request) or not all(
            _is_map(spec)
            and isinstance(spec.get("Keys"), list)
            and all(_is_map(k) for k in spec["Keys"])
            for spec in request.values()
        ):
            return await self._pass("BatchGetItem")(params, body, headers)
        responses: dict[str, list[Any]] = {table: [] for table in request}
        to_fetch: dict[str, Params] = {}
        pending: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for table, spec in request.items():
            if spec.get("ConsistentRead") is True:
                self.stats.pass_through += 1
                to_fetch[table] = spec
                continue
            variant = projection_variant(spec)
            for key in spec["Keys"]:
                ck = item_key(table, key)
                entry = self.items.lookup(ck, variant)
                if entry is None:
                    self.stats.item_misses += 1
                    pending.setdefault(table, []).append((ck, key))
                else:
                    self.stats.item_hits += 1
                    if entry.item is not None:
                        responses[table].append(entry.item)
            if table in pending:
                to_fetch[table] = {**spec, "Keys": [k for _, k in pending[table]]}
        if not to_fetch:
            return json_reply({"Responses": responses, "UnprocessedKeys": {}})

        generations = {table: self._generation.get(table, 0) for table in pending}
        upstream_body = dumps({**params, "RequestItems": to_fetch})
        reply = await self.upstream.call("BatchGetItem", upstream_body, headers)
        if not reply.ok:
            return reply
        data = json.loads(reply.body)
        fetched: dict[str, list[Any]] = data.get("Responses") or {}
        unprocessed: dict[str, Any] = data.get("UnprocessedKeys") or {}
        for table, items in fetched.items():
            responses.setdefault(table, []).extend(items)
        for table, wanted in pending.items():
            if generations[table] == self._generation.get(table, 0):
                self._cache_batch(
                    table,
                    request[table],
                    wanted,
                    fetched.get(table, []),
                    unprocessed.get(table, {}).get("Keys", []),
                )
        out: Params = {"Responses": responses, "UnprocessedKeys": unprocessed}
        if "ConsumedCapacity" in data:
            out["ConsumedCapacity"] = data["ConsumedCapacity"]
        return reply.with_body(dumps(out))

    def _cache_batch(
        self,
        table: str,
        spec: Params,
        wanted: list[tuple[str, dict[str, Any]]],
        items: list[dict[str, Any]],
        unprocessed: list[dict[str, Any]],
    ) -> None:
        names = tuple(wanted[0][1])
        found: dict[str, dict[str, Any]] = {}
        for item in items:
            key = key_of(item, names)
            if key is None:
                return  # a projection dropped the key: results cannot be matched to keys
            found[item_key(table, key)] = item
        self._key_names.setdefault(table, names)
        skipped = {item_key(table, k) for k in unprocessed}
        variant = projection_variant(spec)
        for ck, _ in wanted:
            if ck not in skipped:
                self.items.store(ck, variant, found.get(ck))

    def _query(self, op: str) -> _Handler:
        async def query(params: Params, body: bytes, headers: Headers) -> Reply:
            if params.get("ConsistentRead") is True:
                return await self._pass(op)(params, body, headers)
            # Keyed by every request parameter (table, index, conditions, limits, start key).
            ck = op + "\x00" + canonical(params)
            cached = self.queries.lookup(ck)
            if cached is not None:
                self.stats.query_hits += 1
                return encoded_reply(cached)
            self.stats.query_misses += 1
            reply = await self.upstream.call(op, body, headers)
            if reply.ok:
                self.queries.store(ck, reply.body)
            return reply

        return query

    # ---------------------------------------------------------------- writes
    # Write-through: DynamoDB first; only a successful write touches the item cache. The query
    # cache is deliberately left alone (DAX quirk: cached Query/Scan results go stale).
    async def _put_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        self.stats.writes += 1
        reply = await self.upstream.call("PutItem", body, headers)
        table, item = params.get("TableName"), params.get("Item")
        if reply.ok and isinstance(table, str) and _is_map(item):
            self._bump(table)
            await self._write_item(table, item, headers)
        return reply

    async def _update_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        self.stats.writes += 1
        table, key = params.get("TableName"), params.get("Key")
        asked = params.get("ReturnValues", "NONE")
        if not isinstance(table, str) or not _is_map(key):
            return await self.upstream.call("UpdateItem", body, headers)
        ck = item_key(table, key)
        if asked not in ("NONE", "ALL_NEW"):
            # The caller wants old or partial values; we cannot also get the new image, so the
            # cached item is dropped and the next read fetches it.
            reply = await self.upstream.call("UpdateItem", body, headers)
            if reply.ok:
                self._bump(table)
                self.items.evict(ck)
            return reply
        # DAX caches the item's new image; ask DynamoDB for it, answer what the caller asked.
        send = body if asked == "ALL_NEW" else dumps({**params, "ReturnValues": "ALL_NEW"})
        reply = await self.upstream.call("UpdateItem", send, headers)
        if not reply.ok:
            return reply
        self._bump(table)
        data = json.loads(reply.body)
        self.items.write(ck, data.get("Attributes"))
        if asked == "ALL_NEW":
            return reply
        data.pop("Attributes", None)
        return reply.with_body(dumps(data))

    async def _delete_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        self.stats.writes += 1
        reply = await self.upstream.call("DeleteItem", body, headers)
        table, key = params.get("TableName"), params.get("Key")
        if reply.ok and isinstance(table, str) and _is_map(key):
            self._bump(table)
            self.items.write(item_key(table, key), None)  # known absent: a negative entry
        return reply

    async def _batch_write_item(self, params: Params, body: bytes, headers: Headers) -> Reply:
        self.stats.writes += 1
        reply = await self.upstream.call("BatchWriteItem", body, headers)
        request = params.get("RequestItems")
        if not reply.ok or not _is_map(request):
            return reply
        unprocessed = json.loads(reply.body).get("UnprocessedItems") or {}
        for table, writes in request.items():
            self._bump(table)
            skipped = {canonical(w) for w in unprocessed.get(table, [])}
            for write in writes if isinstance(writes, list) else []:
                if not _is_map(write) or canonical(write) in skipped:
                    continue
                put, delete = write.get("PutRequest"), write.get("DeleteRequest")
                if _is_map(put) and _is_map(put.get("Item")):
                    await self._write_item(table, put["Item"], headers)
                elif _is_map(delete) and _is_map(delete.get("Key")):
                    self.items.write(item_key(table, delete["Key"]), None)
        return reply

    async def _transact_write_items(self, params: Params, body: bytes, headers: Headers) -> Reply:
        self.stats.writes += 1
        reply = await self.upstream.call("TransactWriteItems", body, headers)
        actions = params.get("TransactItems")
        if not reply.ok or not isinstance(actions, list):
            return reply
        for action in actions:
            if not _is_map(action):
                continue
            for kind in ("Put", "Update", "Delete"):
                spec = action.get(kind)
                if not _is_map(spec) or not isinstance(spec.get("TableName"), str):
                    continue
                table = spec["TableName"]
                self._bump(table)
                if kind == "Put" and _is_map(spec.get("Item")):
                    await self._write_item(table, spec["Item"], headers)
                elif kind == "Delete" and _is_map(spec.get("Key")):
                    self.items.write(item_key(table, spec["Key"]), None)
                elif _is_map(spec.get("Key")):
                    # The transaction returns no new image: drop the item, refetch on read.
                    self.items.evict(item_key(table, spec["Key"]))
        return reply

    async def _write_item(self, table: str, item: dict[str, Any], headers: Headers) -> None:
        names = await self._key_names_for(table, headers)
        key = key_of(item, names) if names else None
        if key is not None:
            self.items.write(item_key(table, key), item)

    async def _key_names_for(self, table: str, headers: Headers) -> tuple[str, ...] | None:
        """The table's primary key attributes (DAX knows each table's schema; we ask once)."""
        names = self._key_names.get(table)
        if names is not None:
            return names
        reply = await self.upstream.call("DescribeTable", dumps({"TableName": table}), headers)
        if not reply.ok:
            log.warning("DAX: cannot learn the key schema of %s (%s)", table, reply.status)
            return None
        schema = json.loads(reply.body)["Table"]["KeySchema"]
        names = tuple(part["AttributeName"] for part in schema)
        self._key_names[table] = names
        return names

    def _bump(self, table: str) -> None:
        self._generation[table] = self._generation.get(table, 0) + 1


def _is_map(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


__all__ = ["FULL", "DaxEngine", "DaxStats"]
