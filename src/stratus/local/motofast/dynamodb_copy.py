"""DynamoDB Query copies its result items shallowly (moto 5.2.5 patch).

What upstream lacks: `Table.query` ends with `copy.deepcopy(results)` — every attribute of
every result item is copied, recursively (a third of a 100-item Query) — so that what it
returns is not the table's own objects. What happens to the copies afterwards only reads
them: an index projection and a ProjectionExpression build new items
(`Item.project` reads `to_regular_json()`, itself a copy), a FilterExpression evaluates, and
the handler serializes `item.attrs` (into new dicts and strings).

The patch makes that one copy shallow: while `Table.query` runs on this thread,
`Item.__deepcopy__` returns a new `Item` with a new attribute dict holding the same
`DynamoType` values (moto's own `__deepcopy__` also skips the size checks there). Every other
deep copy — a transaction's rollback image, UpdateItem's old image, backups — is moto's full
copy. The values shared with the table are read while the request runs, as moto's deep copy
itself reads them; a concurrent UpdateItem on another thread could interleave with either.

Upstream note: `Table.query` could copy only what a caller may mutate (nothing, today).
"""

from __future__ import annotations

import threading
from typing import Any

_PATCHED = "_stratus_shallow_query_copy"
_state = threading.local()


def install() -> None:
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict
    from moto.dynamodb.models.table import Table

    query = Table.query
    if getattr(query, _PATCHED, False):
        return
    deep = Item.__deepcopy__

    def __deepcopy__(self: Any, memo: dict[int, Any]) -> Any:
        if not getattr(_state, "shallow", False):
            return deep(self, memo)
        result: Any = Item.__new__(Item)
        result.hash_key = self.hash_key
        result.range_key = self.range_key
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.update(attrs, self.attrs)
        result.attrs = attrs
        return result

    def shallow_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        outer = getattr(_state, "shallow", False)
        _state.shallow = True
        try:
            return query(self, *args, **kwargs)
        finally:
            _state.shallow = outer

    __deepcopy__.__wrapped__ = deep  # type: ignore[attr-defined]
    Item.__deepcopy__ = __deepcopy__  # type: ignore[method-assign]
    setattr(shallow_query, _PATCHED, True)
    shallow_query.__wrapped__ = query  # type: ignore[attr-defined]
    shallow_query.__doc__ = query.__doc__
    Table.query = shallow_query  # type: ignore[method-assign]
