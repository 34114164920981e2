"""`stratus todo`: CLI client of the to-do API (mounted by `stratus.cli.main`)."""

from stratus.cli.todo.commands import app

__all__ = ["app"]
