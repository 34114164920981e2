"""`stratus cost --from-local [--scale N | --users N] [--state-dir DIR]`: the options that
price the running local cloud's measured traffic, added around the `stratus cost` command.

Wrapped rather than written into the command (as `up`'s port options are): the cost
command stays the model's, and `--from-local` only decides its profile and templates. The
measured profile is handed over as a traffic file (the command's one way in for a profile),
and the running cloud's own templates as `--cdk-out` unless one is given.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from stratus.cost.local_usage import LocalUsageError, from_local_traffic

OPTIONS = ("from_local", "scale", "users", "state_dir")


def _parameters() -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter(
            "from_local",
            keyword,
            default=typer.Option(
                False,
                "--from-local",
                help="Price the traffic the running local cloud recorded (see --scale, --users).",
            ),
            annotation=bool,
        ),
        inspect.Parameter(
            "scale",
            keyword,
            default=typer.Option(
                1.0,
                "--scale",
                help="--from-local: the recorded rate over 24 hours, times N.",
            ),
            annotation=float,
        ),
        inspect.Parameter(
            "users",
            keyword,
            default=typer.Option(
                None,
                "--users",
                help="--from-local: the recording is one user's day, times N users.",
            ),
            annotation=int | None,
        ),
        inspect.Parameter(
            "state_dir",
            keyword,
            default=typer.Option(
                None,
                "--state-dir",
                file_okay=False,
                help="--from-local: state directory of the running cloud.",
            ),
            annotation=Path | None,
        ),
    ]


def _fail(message: str) -> typer.Exit:
    print(f"stratus cost: {message}", file=sys.stderr)
    return typer.Exit(2)


def with_from_local(command: Callable[..., None]) -> Callable[..., None]:
    """`command` (the `stratus cost` function, which takes `traffic` and `cdk_out`) with the
    `--from-local` options."""
    signature = inspect.signature(command)

    @functools.wraps(command)
    def wrapper(**options: Any) -> None:
        from_local, scale, users, state_dir = (options.pop(name) for name in OPTIONS)
        if not from_local:
            if users is not None or scale != 1.0:
                raise _fail("--scale and --users go with --from-local")
            return command(**options)
        if options.get("traffic") is not None:
            raise _fail("--from-local and --traffic are two profiles: give one")
        if users is not None and scale != 1.0:
            raise _fail("--scale and --users are two scalings: give one")
        try:
            local = from_local_traffic(state_dir, scale=scale, users=users)
        except LocalUsageError as exc:
            raise _fail(str(exc)) from None
        profile = local.profile.model_copy(
            update={"description": " ".join(local.notes).rstrip(".")}
        )
        with tempfile.TemporaryDirectory(prefix="stratus-cost-") as folder:
            traffic = Path(folder) / "local-usage.json"
            traffic.write_text(json.dumps(profile.model_dump(mode="json")))
            options["traffic"] = traffic
            if options.get("cdk_out") is None:
                options["cdk_out"] = local.cdk_out
            return command(**options)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *_parameters()]
    )
    return wrapper
