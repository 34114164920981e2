"""A new DynamoDB item's size counted once, not once per attribute added (moto 5.2.5 patch).

What upstream lacks: `Item.__init__` adds each attribute through `LimitedSizeDict.__setitem__`,
which sums the size of every attribute already there before admitting the next — so building
an item of n attributes sizes attributes n²/2 times. Every PutItem builds one (and UpdateItem
on a new item, and each item a transaction or batch writes); for an item of eleven
attributes that was ~8% of a PutItem.

The patch builds the same `LimitedSizeDict` in the same order with a running total: before the
i-th attribute moto's check sums the sizes of the i-1 attributes already admitted (none of
which changes meanwhile) plus the new key and value, which is exactly the running total, so
it raises `ItemSizeTooLarge` at the same attribute, after the same `DynamoType` conversions.
Sizes are moto's: `bytesize` of the key (a string: `str(key)` is the key) and
`DynamoType.size()` of the value. Attributes with a key that is not a string go through
moto's own constructor.

Upstream note: `Item.__init__` could keep the running total (or check the size once at the end).
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_stratus_item_size_once"
_ITEM_LIMIT = 405000  # LimitedSizeDict's (moto 5.2.5)


def install() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict, bytesize

    original = Item.__init__
    if getattr(original, _PATCHED, False):
        return
    dict_set = dict.__setitem__

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        for key in attrs:
            if type(key) is not str:
                original(self, hash_key, range_key, attrs)
                return
        self.hash_key = hash_key
        self.range_key = range_key
        built = self.attrs = LimitedSizeDict()
        total = 0
        for key, value in attrs.items():
            converted = DynamoType(value)
            total += bytesize(key) + converted.size()
            if total > _ITEM_LIMIT:
                raise ItemSizeTooLarge
            dict_set(built, key, converted)

    setattr(__init__, _PATCHED, True)
    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    Item.__init__ = __init__  # type: ignore[method-assign]
