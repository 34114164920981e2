"""How `pytest -n N --dist loadgroup` shares the suite among xdist workers.

Two needs no built-in xdist mode meets together: a module that starts its own local cloud
must stay on one worker (`loadfile`, or the cloud starts once per worker that gets one of its
tests), and several modules sharing a session cloud or a timing budget must stay together
(`xdist_group`, which `loadgroup` honours but then spreads every other test one by one).
So here a unit of work is the test's group (below) when it has one, else its file; the
units that start clouds and wait on them go first (integration, browser, load, smoke, then
the CDK synth tests, then unit tests), so the long ones do not trail at the end.
With pytest 9 xdist 3.8 cannot tag a grouped test's id (`item._nodeid` is no longer where
pytest keeps it), so the `xdist_group` marks never reach the scheduler: the groups are also
named here, by file (`GROUPS`); a `@group` suffix is still honoured should xdist add it.
Hand-written because xdist's schedulers are its extension point for exactly this
(`pytest_xdist_make_scheduler`); the work queue and the rescheduling are xdist's own.
"""

from __future__ import annotations

import re
from typing import Any

from xdist.scheduler import LoadScopeScheduling

# Folders (under tests/) in the order their units are handed out; anything else goes last.
FIRST = ("integration", "e2e", "load", "smoke", "infra")


# Files that share a session cloud: one worker runs them all (the shop's, `shop_cloud`; the
# canary starts clouds of its own).
GROUPS = (("shop", re.compile(r"tests/integration/test_shop_(?!canary)\w+\.py$")),)


def _rank(nodeid: str) -> int:
    parts = nodeid.split("/")
    folder = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    return FIRST.index(folder) if folder in FIRST else len(FIRST)


class FileOrGroupScheduling(LoadScopeScheduling):
    """`loadscope` whose scope is the test's `xdist_group` name, or else its file."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # units in collection order, then ranked below
        self._ranked = False

    def _assign_work_unit(self, node: Any) -> None:
        if not self._ranked:  # once, before the first unit leaves: stable, so files keep order
            units = sorted(self.workqueue.items(), key=lambda unit: _rank(next(iter(unit[1]))))
            self.workqueue.clear()
            self.workqueue.update(units)
            self._ranked = True
        super()._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.rfind("@") > nodeid.rfind("]"):  # xdist appends `@group` to grouped ids
            return nodeid.rsplit("@", 1)[-1]
        path = nodeid.split("::", 1)[0]
        return next((name for name, files in GROUPS if files.match(path)), path)
