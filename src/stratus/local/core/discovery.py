"""Find the emulated services: every package of `stratus.local` with a `service` module.

Each such module lists its service classes in `SERVICES`; adding a service therefore
touches its own package only. Services start in `order` (then name) and stop in reverse.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil

import stratus.local
from stratus.local.core.registry import EmulatedService


def service_classes() -> list[type[EmulatedService]]:
    found: list[type[EmulatedService]] = []
    for module in pkgutil.iter_modules(stratus.local.__path__):
        if not module.ispkg:
            continue
        try:
            spec = importlib.util.find_spec(f"stratus.local.{module.name}.service")
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        imported = importlib.import_module(f"stratus.local.{module.name}.service")
        found.extend(getattr(imported, "SERVICES", []))
    return sorted(found, key=lambda cls: (getattr(cls, "order", 50), cls.name))


@functools.cache
def port_defaults() -> dict[str, int]:
    """Each declared port's default, by name (`stratus up --<name>-port` overrides it)."""
    return {spec.name: spec.default for cls in service_classes() for spec in cls.ports}


def create_services() -> list[EmulatedService]:
    return [cls() for cls in service_classes()]
