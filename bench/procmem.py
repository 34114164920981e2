"""Resident memory and CPU time of a process and of its descendants, read from /proc (Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def rss_mb(pid: int) -> float:
    """VmRSS of `pid` in MB (0.0 if it is gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def _parents() -> dict[int, int]:
    """pid -> parent pid for every process visible in /proc."""
    out: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # the command name, in parentheses, may hold spaces: fields follow the last ')'
        out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def descendants(pid: int) -> list[int]:
    parents = _parents()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return sorted(found)


@dataclass
class TreeMemory:
    own_mb: float
    children: int
    children_mb: float

    def describe(self) -> str:
        return (
            f"{self.own_mb:.0f} MB, plus {self.children} worker/child processes "
            f"{self.children_mb:.0f} MB"
        )


def tree_memory(pid: int) -> TreeMemory:
    kids = descendants(pid)
    return TreeMemory(rss_mb(pid), len(kids), sum(rss_mb(k) for k in kids))


_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> tuple[float, float]:
    """(own, reaped children's) user + system CPU seconds of `pid`; zeros when it is gone."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0, 0.0
    own = int(fields[11]) + int(fields[12])  # utime, stime
    reaped = int(fields[13]) + int(fields[14])  # cutime, cstime
    return own / _TICKS_PER_S, reaped / _TICKS_PER_S


@dataclass
class TreeCpu:
    """CPU seconds used so far by a process (`own_s`) and by its workers (`children_s`:
    live descendants, and those that ended and were waited for)."""

    own_s: float
    children_s: float

    def since(self, before: TreeCpu) -> TreeCpu:
        return TreeCpu(self.own_s - before.own_s, self.children_s - before.children_s)


def tree_cpu(pid: int) -> TreeCpu:
    own, reaped = _cpu_s(pid)
    kids = sum(sum(_cpu_s(k)) for k in descendants(pid))
    return TreeCpu(own, kids + reaped)
