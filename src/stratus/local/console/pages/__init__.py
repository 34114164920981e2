"""The console's pages: every module here that defines `PAGE` is one entry of the menu.

A page module declares `PAGE = Page(slug, title, order, routes)`; `routes(console)` answers
Starlette routes with paths relative to `/console` (`/stacks`, `/stacks/{name}`...). Its
templates live in `templates/<slug>/` and extend `base.html`. Adding a page is adding a
module: nothing else lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from stratus.local.console.context import ConsoleContext


@dataclass(frozen=True)
class Page:
    slug: str  # "stacks": the menu links to /console/stacks
    title: str  # the menu's label
    order: int  # the menu's position (smaller first)
    routes: Callable[[ConsoleContext], list[BaseRoute]]


def discover() -> list[Page]:
    """Every page module's PAGE, in menu order."""
    found: list[Page] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        page = getattr(module, "PAGE", None)
        if isinstance(page, Page):
            found.append(page)
    return sorted(found, key=lambda p: (p.order, p.slug))
