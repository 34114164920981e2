"""DynamoDB item sizes computed without building temporary `DynamoType`s (moto 5.2.5 patch).

What upstream lacks: `Item.size()` (read twice per result item by Query and Scan, to stop a
page at 1 MB) sums `DynamoType.size()` over the attributes, and `DynamoType.size()` tries
`is_number()`, `is_set()`, `is_list()`, `is_map()` in turn, wraps every set member and every
map value in a new `DynamoType` before asking its size, and encodes every string to UTF-8 to
count its bytes. `LimitedSizeDict` (an item's attributes) asks the sizes of all attributes on
every assignment. A Query of 100 eight-attribute items spends a tenth of its time there.

The patch computes the same numbers directly: a number's size is `len(str(value))`, a string's
or a binary's its UTF-8 length (an ASCII string's length is its byte count), a set's the sum
of its members' sizes as moto's temporary `DynamoType`s would count them, a list's and a map's
the sum over their `DynamoType` members (a map's keys in UTF-8 bytes), a boolean or null 1.
Any other value (an unknown type, a member that is not a `DynamoType`...) takes moto's own
path, so the answer is moto's in every case (tests compare both on every attribute type).

`LimitedSizeDict.__setitem__` (every attribute an item is built with) keeps its check — the
sizes of all keys and values already there plus the new pair, against 405,000 — counted the
same way with these functions.

While one `Table.query` or `Table.scan` runs on a thread, each item's size is computed once
(moto asks twice per result item: to test the 1 MB limit, then to add it up); the memo lives
for that call only, and nothing on that thread changes an item meanwhile.

Upstream note: the same dispatch on `self.type` inside `DynamoType.size`, without the
temporary objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_PATCHED = "_stratus_fast_size"
_state = threading.local()
_ITEM_LIMIT = 405000  # LimitedSizeDict's (moto 5.2.5)


def _bytes(value: Any) -> int:
    """moto's `bytesize`, for a str or bytes."""
    if type(value) is str:
        return len(value) if value.isascii() else len(value.encode("utf-8"))
    return len(value if isinstance(value, bytes) else value.encode("utf-8"))


def _set_member(sub_type: str, value: Any) -> int:
    """The size of `DynamoType({sub_type: value})`."""
    if sub_type == "N":
        return len(str(value))
    if isinstance(value, bool):
        return 1
    return _bytes(value)


def make_size(original: Callable[[Any], int], dynamo_type: type) -> Callable[[Any], int]:
    """`DynamoType.size`: the fast count where the value is of a usual shape, else moto's."""

    def fast(value: Any) -> int:
        """The size, or -1 where any part is unusual (moto's own code answers then)."""
        kind = value.type
        inner = value.value
        inner_type = type(inner)
        if kind == "S" or kind == "B":
            if inner_type is str or inner_type is bytes:
                return _bytes(inner)
        elif kind == "N":
            return len(inner) if inner_type is str else len(str(inner))
        elif kind == "M":
            if inner_type is dict:
                total = 0
                for key, sub in inner.items():
                    if type(sub) is not dynamo_type or type(key) is not str:
                        return -1
                    found = fast(sub)
                    if found < 0:
                        return -1
                    total += _bytes(key) + found
                return total
        elif kind == "L":
            if inner_type is list:
                total = 0
                for sub in inner:
                    if type(sub) is not dynamo_type:
                        return -1
                    found = fast(sub)
                    if found < 0:
                        return -1
                    total += found
                return total
        elif kind == "SS" or kind == "NS" or kind == "BS":
            if inner_type is list:
                sub_type = kind[0]
                return sum([_set_member(sub_type, sub) for sub in inner])
        elif (kind == "BOOL" or kind == "NULL") and inner_type is bool:
            return 1
        return -1

    def size(self: Any) -> int:
        found = fast(self)
        return found if found >= 0 else original(self)

    size.fast = fast  # type: ignore[attr-defined]
    return size


def install() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.table import Table

    original = DynamoType.size
    if getattr(original, _PATCHED, False):
        return
    size = make_size(original, DynamoType)
    fast = size.fast  # type: ignore[attr-defined]

    def item_size(self: Any) -> int:
        memo = getattr(_state, "sizes", None)
        if memo is not None:
            found = memo.get(id(self))
            if found is None:
                found = memo[id(self)] = compute_item_size(self)
            return found
        return compute_item_size(self)

    def compute_item_size(self: Any) -> int:
        total = 0
        for key, value in self.attrs.items():
            total += len(key) if type(key) is str and key.isascii() else _bytes(key)
            if type(value) is not DynamoType:
                total += value.size()
                continue
            inner = value.value
            if type(inner) is str:  # the common case inline: as `fast` counts it
                kind = value.type
                if kind == "N" or (kind == "S" and inner.isascii()):
                    total += len(inner)
                    continue
            found = fast(value)
            total += found if found >= 0 else original(value)
        return total

    def limited_setitem(self: Any, key: Any, value: Any) -> None:
        total = 0
        for old_key, old_value in dict.items(self):
            total += _bytes(old_key if type(old_key) is str else str(old_key))
            if type(old_value) is DynamoType:
                found = fast(old_value)
                total += found if found >= 0 else original(old_value)
            else:
                total += _bytes(str(old_value))
        total += _bytes(key)
        total += size(value) if type(value) is DynamoType else _bytes(str(value))
        if total > _ITEM_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    patches: tuple[tuple[type, str, Any], ...] = (
        (DynamoType, "size", size),
        (Item, "size", item_size),
        (LimitedSizeDict, "__setitem__", limited_setitem),
    )
    for owner, name, function in patches:
        setattr(function, _PATCHED, True)
        function.__wrapped__ = getattr(owner, name)
        setattr(owner, name, function)
    for name in ("query", "scan"):
        setattr(Table, name, _memoized(getattr(Table, name)))


def _memoized(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, with item sizes memoized while it runs (a new memo per outermost call)."""

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_state, "sizes", None) is not None:
            return method(self, *args, **kwargs)
        _state.sizes = {}
        try:
            return method(self, *args, **kwargs)
        finally:
            _state.sizes = None

    run.__wrapped__ = method  # type: ignore[attr-defined]
    run.__doc__ = method.__doc__
    setattr(run, _PATCHED, True)
    return run
