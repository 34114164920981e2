"""Prints the load test's figures in pytest's closing summary, whatever its outcome."""

from __future__ import annotations

import pytest

FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("load")
        for line in FIGURES:
            terminalreporter.write_line(line)
