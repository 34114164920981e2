"""DynamoDB items deep-copied by a direct walk, not through `copy.deepcopy` (moto 5.2.5 patch).

What upstream lacks: moto 5.2.5 already gives `Item` and `DynamoType` their own `__deepcopy__`
(no pickle protocol, no size checks), but each attribute and each member of a list or map is
still copied through `copy.deepcopy(value, memo)` — its dispatch, memo bookkeeping and
keep-alive list cost more than the copy itself. UpdateItem copies the whole item twice (the
handler's old image, the backend's stream image), so that was ~13% of an UpdateItem.

The patch does the same copy as moto's two methods, calling itself directly for the
`DynamoType` members: a new object of the same class for each `DynamoType`; L and M values
copied member by member, sets as a new list of the same strings, anything else shared as
moto shares it; the item's attributes in a new `LimitedSizeDict` filled without its size
check; hash and range keys copied. The memo is kept as moto keeps it (one entry per copied
object), so an object reachable twice is copied once and the copy keeps the aliasing. A member
that is not exactly a `DynamoType` goes through `copy.deepcopy` as before.

Upstream note: the two `__deepcopy__` methods could call each other's copy directly.
"""

from __future__ import annotations

import copy
from typing import Any

_PATCHED = "_stratus_direct_clone"
_SETS = ("SS", "NS", "BS")


def install() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    if getattr(DynamoType.__deepcopy__, _PATCHED, False):
        return
    original_value = DynamoType.__deepcopy__
    original_item = Item.__deepcopy__
    deepcopy = copy.deepcopy
    new = object.__new__
    dict_set = dict.__setitem__

    def member(value: Any, memo: dict[int, Any]) -> Any:
        if type(value) is DynamoType:
            found = memo.get(id(value))
            return found if found is not None else clone(value, memo)
        return deepcopy(value, memo)

    def clone(self: Any, memo: dict[int, Any]) -> Any:
        if id(self) in memo:
            return memo[id(self)]
        result = new(self.__class__)  # DynamoType has object's __new__
        memo[id(self)] = result
        kind = result.type = self.type
        inner = self.value
        if kind == "L":
            result.value = [member(v, memo) for v in inner]
        elif kind == "M":
            result.value = {k: member(v, memo) for k, v in inner.items()}
        elif kind in _SETS:
            result.value = list(inner)
        else:
            result.value = inner
        return result

    def clone_item(self: Any, memo: dict[int, Any]) -> Any:
        if id(self) in memo:
            return memo[id(self)]
        cls = self.__class__
        result = cls.__new__(cls)  # BaseModel's: moto tracks every instance
        memo[id(self)] = result
        result.hash_key = member(self.hash_key, memo)
        result.range_key = member(self.range_key, memo)
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        for key, value in self.attrs.items():
            dict_set(attrs, key, member(value, memo))
        result.attrs = attrs
        return result

    for patched, original in ((clone, original_value), (clone_item, original_item)):
        setattr(patched, _PATCHED, True)
        patched.__wrapped__ = original  # type: ignore[attr-defined]
    DynamoType.__deepcopy__ = clone  # type: ignore[method-assign]
    Item.__deepcopy__ = clone_item  # type: ignore[method-assign]
