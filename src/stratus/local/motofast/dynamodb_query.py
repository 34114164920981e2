"""DynamoDB Query reads one partition, not the whole table (moto 5.2.5 patch).

What upstream lacks: `Table.query` builds its candidates from `Table.all_items()`, which
lists every item of the table and sorts them all by (hash, range) with `DynamoType`
comparisons (each one builds `Decimal`s and casts values) — then keeps the handful whose
hash key matches and sorts those again. A 20-item Query costs 0.5 ms in a 20-item table and
23 ms in a 5,000-item one, although moto already stores items per partition
(`table.items[hash_key][range_key]`).

The patch runs moto's own `Table.query` unchanged on a thin view of the table whose
`all_items()` yields only the candidates:
- a table query: the items of the one partition (`table.items.get(hash_key)`), which is
  exactly the set moto's list comprehension keeps (the dict is keyed by `DynamoType`,
  whose hash and equality are the ones moto compares with);
- an index query: every item whose index hash-key attributes have the queried type and,
  for S/B, the same value; moto's loop then applies its own complete checks, so the
  pre-filter only drops items moto would drop. The order of candidates does not matter:
  moto sorts index results by the index keys and then the table keys (a total order).
Everything else (ranges, filters, Limit, ExclusiveStartKey, ScanIndexForward, projections,
the copy of each result) stays moto's code.

Upstream note: the same change in moto is two lines in `Table.query` (read
`self.items.get(hash_key)` for table queries; iterate `self.items` without sorting for index
queries); a per-index partition map maintained on writes would make index queries O(1) too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_PATCHED = "_stratus_partition_query"
_VALUE_TYPES = ("S", "B")


class _PartitionView:
    """The table, except that `all_items()` yields only a query's candidates."""

    def __init__(self, table: Any, candidates: list[Any]) -> None:
        self._table = table
        self._candidates = candidates

    def all_items(self) -> list[Any]:
        return self._candidates

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def _partition(table: Any, hash_key: Any) -> list[Any]:
    found = table.items.get(hash_key)
    if found is None:
        return []
    if table.range_key_attr:
        return list(found.values())
    return [found]


def _index_candidates(table: Any, conditions: list[tuple[str, Any]]) -> Iterator[Any]:
    for hash_set in table.items.values():
        for item in hash_set.values() if table.range_key_attr else (hash_set,):
            attrs = item.attrs
            for name, expected in conditions:
                value = attrs.get(name)
                if value is None or value.type != expected.type:
                    break
                if expected.type in _VALUE_TYPES and value.value != expected.value:
                    break
            else:
                yield item


def install() -> None:
    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, _PATCHED, False):
        return

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") or (args[6] if len(args) > 6 else None)
        if index_name:
            conditions = kwargs.get("hash_key_conditions") or []
            if not conditions:
                return original(self, hash_key, *args, **kwargs)
            candidates = list(_index_candidates(self, conditions))
        elif hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        else:
            candidates = _partition(self, hash_key)
        view: Any = _PartitionView(self, candidates)
        return original(view, hash_key, *args, **kwargs)

    setattr(query, _PATCHED, True)
    query.__wrapped__ = original  # type: ignore[attr-defined]
    query.__doc__ = original.__doc__
    Table.query = query  # type: ignore[method-assign]
