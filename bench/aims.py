"""Aims: each figure with its target, printed met/MISSED where it is measured and again at
the end of the run, and kept in results.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Aim:
    label: str  # what is aimed at, e.g. "fifty users: req/s (2xx) >= 200"
    value: str  # the figure as measured, printed
    met: bool

    def line(self) -> str:
        return f"{self.label:58} {self.value:>22}  {'met' if self.met else 'MISSED'}"


class Aims:
    def __init__(self) -> None:
        self.items: list[Aim] = []

    def check(self, label: str, value: str, met: bool, *, echo: bool = True) -> Aim:
        """Record an aim and print it at once (echo=False: its table already shows it)."""
        aim = Aim(label, value, met)
        self.items.append(aim)
        if echo:
            print(f"  aim: {aim.line()}")
        return aim

    def print_summary(self) -> None:
        if not self.items:
            return
        met = sum(a.met for a in self.items)
        print(f"\nAims: {met} of {len(self.items)} met")
        for aim in self.items:
            print(f"  {aim.line()}")

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(a) for a in self.items]
