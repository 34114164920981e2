"""Resident memory of a process and of its descendants, read from /proc (Linux)."""

from __future__ import annotations

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
