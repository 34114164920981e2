"""`stratus blog`: the authors' CLI for the blog API (mounted by `stratus.cli.main`)."""

from stratus.cli.blog.commands import app

__all__ = ["app"]
