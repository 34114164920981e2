"""Progress on the console for long steps: a spinner while running, the time when done."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from rich.console import Console


class ConsoleReporter:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        began = time.perf_counter()
        with self.console.status(f"{title}…"):
            try:
                yield
            except BaseException:
                self.console.print(f"[red]✗[/red] {title}")
                raise
        self.console.print(
            f"[green]✓[/green] {title} [dim]({time.perf_counter() - began:.1f}s)[/dim]"
        )

    def info(self, message: str) -> None:
        self.console.print(f"  {message}")

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]![/yellow] {message}")
