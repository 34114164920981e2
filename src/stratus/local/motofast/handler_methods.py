"""A handler's method names, listed once per class instead of once per request (moto 5.2.5).

What upstream lacks: `BaseResponse.call_action` asks `method_names_from_class(type(self))`
on every request, which runs `inspect.getmembers` over the whole handler class (hundreds of
attributes, a `getattr` and an `isfunction` each) only to test whether the action is one of
them. The answer is fixed once the class is defined; the patch caches it per class. The
check `action in method_names` is the only use, so the cached list answers identically.

Upstream note: `functools.cache` on `method_names_from_class` (classes are hashable).
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_stratus_cached_method_names"


def install() -> None:
    import moto.core.responses as responses

    original = responses.method_names_from_class
    if getattr(original, _PATCHED, False):
        return
    cache: dict[Any, list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        found = cache.get(clazz)
        if found is None:
            found = cache[clazz] = original(clazz)
        return found

    setattr(method_names_from_class, _PATCHED, True)
    method_names_from_class.__wrapped__ = original  # type: ignore[attr-defined]
    responses.method_names_from_class = method_names_from_class
