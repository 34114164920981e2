"""DynamoDB items that are gone are no longer kept alive by moto's dashboard list (moto 5.2.5).

What upstream lacks: every moto model (`BaseModel`) appends each new instance to its class's
`instances_tracked` list, for the moto server's dashboard (`/moto-api/data.json`), and nothing
ever removes them. For DynamoDB's `Item` that is every item ever built: each PutItem's new
item, the two old-image copies each UpdateItem makes, a copy per Query result item, a
transaction's rollback images. A long run keeps them all: memory grows with traffic, and each
of the garbage collector's full passes walks them all (in-process, 3,000 UpdateItems spent
15% of their time in the collector, with 6,000 dead copies held).

The patch gives `Item` a `__new__` that registers the instance in a list of weak references
instead (`WeakInstances`: append, iterate, len, in order of creation), so the dashboard still
lists every item that is alive — a table's items, a copy in use — and the dead ones go.
`reset_model_data` (moto's reset) puts a plain list back; the next new item turns it into a
weak one again, keeping what it held. Nothing else in moto reads `Item.instances_tracked`.

Upstream note: moto could track instances weakly (`weakref.WeakSet`) or only when its server
dashboard is in use.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

_PATCHED = "_stratus_weak_tracking"


class _Ref(weakref.ref):
    __slots__ = ("key",)
    key: int


class WeakInstances:
    """A list of the instances still alive, in order of creation; moto appends and iterates."""

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._refs: dict[int, _Ref] = {}
        self._next = 0
        self._lock = threading.Lock()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        with self._lock:
            ref = _Ref(instance, self._drop)
            ref.key = key = self._next
            self._next += 1
            self._refs[key] = ref

    def _drop(self, ref: _Ref) -> None:
        self._refs.pop(ref.key, None)  # no lock: the collector may call this inside `append`

    def _alive(self) -> list[Any]:
        with self._lock:
            refs = list(self._refs.values())
        return [found for found in (ref() for ref in refs) if found is not None]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._alive())

    def __len__(self) -> int:
        return len(self._alive())


def install() -> None:
    from moto.dynamodb.models.dynamo_type import Item

    if getattr(Item.__dict__.get("__new__"), _PATCHED, False):
        return

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        instance = object.__new__(cls)
        tracked = cls.instances_tracked
        if type(tracked) is not WeakInstances:
            tracked = cls.instances_tracked = WeakInstances(tracked)
        tracked.append(instance)
        return instance

    setattr(__new__, _PATCHED, True)
    Item.__new__ = staticmethod(__new__)  # type: ignore[method-assign]
    Item.instances_tracked = WeakInstances(Item.instances_tracked)  # type: ignore[attr-defined]
