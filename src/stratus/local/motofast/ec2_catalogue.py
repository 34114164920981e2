"""moto's EC2 without its whole instance-type offering catalogue in memory: ~75 MB less.

Importing `moto.ec2` (moto 5.2.5) parses `resources/instance_type_offerings/*/*.json.gz`
— every location type of every region — into `INSTANCE_TYPE_OFFERINGS` at module level:
measured 74 MB of JSON objects (tracemalloc), ~100 MB RSS, for a catalogue a local cloud
reads for at most its one region, and only on RunInstances, DescribeInstanceTypeOfferings
and spot price history. Every service that builds on EC2 imports it (ELBv2, ECS, Auto
Scaling), so here the module is imported with the offering files skipped and each
location type's regions become a mapping that loads a region's file when first read —
the same lists, with the same `LocationType` key added, as moto builds. moto's own fix would
be the same lazy load in `instance_types.py` (worth sending upstream).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path
from typing import Any

OFFERINGS = "instance_type_offerings"


class LazyRegions(dict[str, Any]):
    """region -> offerings of one location type, each region's file parsed when read."""

    def __init__(self, location_type: str, paths: dict[str, str]) -> None:
        super().__init__()
        self.location_type = location_type
        self._paths = paths

    def __missing__(self, region: str) -> list[dict[str, Any]]:
        path = self._paths.get(region)
        if path is None:
            raise KeyError(region)
        from moto.utilities.utils import load_resource

        offerings: list[dict[str, Any]] = load_resource(path)
        for offering in offerings:
            offering["LocationType"] = self.location_type
        self[region] = offerings
        return offerings

    def get(self, region: str, default: Any = None) -> Any:
        try:
            return self[region]
        except KeyError:
            return default

    def __contains__(self, region: object) -> bool:
        return region in self._paths

    def __iter__(self) -> Any:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


MODULE = "moto.ec2.models.instance_types"


def _defer_offerings(module: Any, load: Any) -> None:
    """Run moto's module code with the offering files skipped, then make them lazy."""
    import moto.utilities.utils as utils

    original = utils.load_resource

    def load_resource(resource: str) -> Any:
        if f"/{OFFERINGS}/" in resource:
            return []  # read later, per region, by LazyRegions
        return original(resource)

    utils.load_resource = load_resource
    try:
        load(module)
    finally:
        utils.load_resource = original
    root = Path(module.__file__).parent.parent / "resources" / OFFERINGS
    for location_type in list(module.INSTANCE_TYPE_OFFERINGS):
        paths = {
            name.split(".")[0]: os.path.join("ec2", "resources", OFFERINGS, location_type, name)
            for name in os.listdir(root / location_type)
        }
        module.INSTANCE_TYPE_OFFERINGS[location_type] = LazyRegions(location_type, paths)


class _DeferringLoader(importlib.abc.Loader):
    """moto's own loader for the module, its code run by `_defer_offerings`."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        _defer_offerings(module, self.loader.exec_module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds moto's instance-types module as usual and defers its offerings when it runs,
    so nothing is imported before something needs EC2."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _DeferringLoader(spec.loader)
                return spec
        return None


_FINDER = _Finder()


def install() -> None:
    """Defer the offerings of moto's EC2 whenever it is imported (no-op once imported)."""
    if MODULE in sys.modules or _FINDER in sys.meta_path:
        return
    sys.meta_path.insert(0, _FINDER)
