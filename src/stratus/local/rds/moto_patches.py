"""moto's RDS without moto's EC2 until an RDS call needs it: ~125 MB and ~2 s of start-up.

`moto.rds.models` and `moto.rds.responses` import `ec2_backends` from `moto.ec2.models` at
module level (moto 5.2.5), and importing moto's EC2 costs ~125 MB RSS (measured: 56 MB with
it deferred, 179 MB without) and ~2 s (its region and instance-type catalogues; measured
2-3 s of provisioning on a loaded 2-core machine). RDS reads EC2 only to resolve a DB subnet
group's subnets, which the local cloud never creates (its DBs listen on 127.0.0.1). The
snapshots import every listed backend, so without this every `stratus up` would pay for EC2
once "rds" is a saved backend. Same stand-in as the local SSM's
(`stratus.local.ssm.moto_patches`), here for `moto.ec2.models` too.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types

from stratus.local.ssm.moto_patches import LazyEc2Backends

_LOCK = threading.Lock()
_NAMES = ("moto.ec2", "moto.ec2.models")
_MODULES = ("moto.rds.models", "moto.rds.responses")


def _import() -> None:
    for name in _MODULES:
        importlib.import_module(name)


def install() -> None:
    """Import moto's RDS with EC2 deferred (a no-op once it is imported)."""
    with _LOCK:
        if _MODULES[-1] in sys.modules:
            return
        if any(name in sys.modules for name in _NAMES):  # EC2 is loaded anyway
            _import()
            return
        backends = LazyEc2Backends()
        package = types.ModuleType("moto.ec2", "stratus: deferred until RDS needs EC2")
        models = types.ModuleType("moto.ec2.models", "stratus: deferred until RDS needs EC2")
        package.ec2_backends = models.ec2_backends = backends  # type: ignore[attr-defined]
        package.models = models  # type: ignore[attr-defined]
        stand_ins = {"moto.ec2": package, "moto.ec2.models": models}
        sys.modules.update(stand_ins)
        try:
            _import()
        except ImportError:
            # A moto whose RDS needs more of EC2 at import time: take it as it is.
            for name in _NAMES:
                sys.modules.pop(name, None)
            _import()
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
