"""moto's SSM without moto's EC2 until an SSM call needs it: ~100 MB of the cloud's memory.

`moto.ssm.models` imports `ec2_backends` from `moto.ec2` at module level (moto 5.2.5), and
importing `moto.ec2` parses its instance-type and offering catalogues (every region, every
location type): measured 145 MB RSS for `import moto.ssm` against 48 MB with EC2 deferred.
SSM reads EC2 only to resolve Run Command and maintenance-window targets by tag. So moto's
SSM module is imported once here with a stand-in `moto.ec2` holding a proxy that imports
the real EC2 backends the first time it is indexed; the stand-in is gone from `sys.modules`
right after, so any other `import moto.ec2` (an EC2 request, a stack that declares EC2
resources) gets the real module. Nothing to send upstream beyond "import lazily": moto's
own fix would be the same import moved into `_get_instance_ids_from_targets`.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_LOCK = threading.Lock()


class LazyEc2Backends:
    """Stands for `moto.ec2.ec2_backends`; the real one is imported on first use."""

    @staticmethod
    def _real() -> Any:
        return importlib.import_module("moto.ec2").ec2_backends

    def __getitem__(self, account_id: str) -> Any:
        return self._real()[account_id]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def install() -> None:
    """Import moto's SSM models with EC2 deferred (a no-op once they are imported)."""
    with _LOCK:
        if "moto.ssm.models" in sys.modules:
            return
        if "moto.ec2" in sys.modules:  # EC2 is loaded anyway: nothing to save
            importlib.import_module("moto.ssm.models")
            return
        stand_in = types.ModuleType("moto.ec2", "stratus: deferred until SSM needs EC2")
        stand_in.ec2_backends = LazyEc2Backends()  # type: ignore[attr-defined]
        sys.modules["moto.ec2"] = stand_in
        try:
            importlib.import_module("moto.ssm.models")
        except ImportError:
            # A moto whose SSM needs more of EC2 at import time: take it as it is, EC2 loaded.
            sys.modules.pop("moto.ec2", None)
            importlib.import_module("moto.ssm.models")
        finally:
            if sys.modules.get("moto.ec2") is stand_in:
                del sys.modules["moto.ec2"]
