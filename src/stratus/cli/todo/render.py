"""How the CLI shows things: rich tables for people, plain JSON for scripts, errors as one line."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    # Plain print, not rich: scripts must get exactly the JSON bytes.
    print(json.dumps(data, indent=2, sort_keys=True))


def error_line(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def todos_table(items: list[dict[str, Any]]) -> Table:
    table = Table(title="To-dos", show_lines=False)
    table.add_column("", width=1)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("title")
    table.add_column("due", no_wrap=True)
    table.add_column("notes")
    table.add_column("v", justify="right", style="dim")
    for t in items:
        table.add_row(
            "✔" if t.get("done") else "·",
            _cell(t.get("id")),
            _cell(t.get("title")),
            _cell(t.get("due")),
            _cell(t.get("notes")),
            _cell(t.get("version")),
        )
    return table


def todo_table(todo: dict[str, Any], title: str = "To-do") -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key in ("id", "title", "notes", "due", "done", "version", "created_at", "updated_at"):
        table.add_row(key, _cell(todo.get(key)))
    return table


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def files_table(items: list[dict[str, Any]]) -> Table:
    table = Table(title="Files")
    table.add_column("name")
    table.add_column("size", justify="right")
    table.add_column("last modified", no_wrap=True)
    for f in items:
        table.add_row(
            _cell(f.get("name")), human_size(int(f.get("size") or 0)), _cell(f.get("last_modified"))
        )
    return table
