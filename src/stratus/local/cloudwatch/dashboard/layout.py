"""Widgets on CloudWatch's 24-column dashboard grid.

A widget with `x` and `y` goes there (x kept inside the 24 columns); one without goes to
the next available position after the widget before it, left to right then down
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html,
"x": "The default is the next available position"). A widget that would overlap one
already placed moves down until it does not, as the console's grid does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stratus.local.cloudwatch.dashboard.body import Widget

COLUMNS = 24


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    width: int
    height: int

    def overlaps(self, other: Cell) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


def place(widgets: Sequence[Widget]) -> list[Cell]:
    """One cell per widget, in the widgets' order."""
    placed: list[Cell] = []
    cursor = (0, 0)  # (y, x) just after the previous widget

    def free(cell: Cell) -> bool:
        return not any(cell.overlaps(other) for other in placed)

    for widget in widgets:
        width = max(1, min(COLUMNS, widget.width))
        height = max(1, widget.height)
        if widget.x is not None and widget.y is not None:
            cell = Cell(max(0, min(COLUMNS - width, widget.x)), max(0, widget.y), width, height)
            while not free(cell):
                cell = Cell(cell.x, cell.y + 1, width, height)
        else:
            y, x = cursor
            while True:
                if x + width > COLUMNS:
                    y, x = y + 1, 0
                    continue
                cell = Cell(x, y, width, height)
                if free(cell):
                    break
                x += 1
        placed.append(cell)
        cursor = (cell.y, cell.x + cell.width)
    return placed


def rows(cells: Sequence[Cell]) -> int:
    """How many grid rows the dashboard takes."""
    return max((c.y + c.height for c in cells), default=0)
