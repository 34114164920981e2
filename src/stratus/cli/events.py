"""`stratus events fire RULE`: fire one EventBridge rule of the running local cloud now.

The cloud is found as `stratus down` finds it: the state directory of the project around the
current directory, of the CDK app given with `--app DIR`, or `--state-dir`. `stratus up`
records its AWS endpoint in `<state>/endpoints.json`; the command posts to the endpoint's
local-only path `/_stratus/events/rules/{name}/fire`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import typer
from rich.console import Console

from stratus.cli.up import project_root
from stratus.local.core.endpoints import NotRunningError, aws_endpoint
from stratus.local.core.settings import LocalSettings

console = Console(stderr=True)
app = typer.Typer(no_args_is_help=True, help="EventBridge on the local cloud.")


def _state_dir(app_dir: Path | None, state_dir: Path | None) -> Path:
    if state_dir is not None:
        return state_dir.resolve()
    return LocalSettings.for_project(project_root(app_dir)).state_dir


@app.command("fire")
def fire(
    rule: str = typer.Argument(..., help="The rule's name."),
    source: str | None = typer.Option(None, help="The event's source (a pattern rule)."),
    detail_type: str | None = typer.Option(None, help="The event's detail-type."),
    detail: str | None = typer.Option(None, help="The event's detail, a JSON object."),
    bus: str | None = typer.Option(
        None, help="The rule's event bus (default: any, default first)."
    ),
    region: str | None = typer.Option(None, help="The rule's region (default: any)."),
    app_dir: Path | None = typer.Option(
        None, "--app", metavar="DIR", file_okay=False, help="The CDK app given to `up --app`."
    ),
    state_dir: Path | None = typer.Option(None, help="State directory of the running cloud."),
) -> None:
    """Fire RULE now: a scheduled rule sends its scheduled event; a pattern rule the event
    given by --source/--detail-type/--detail, else the smallest event its pattern matches."""
    body: dict[str, Any] = {}
    if detail is not None:
        try:
            body["detail"] = json.loads(detail)
        except ValueError as exc:
            raise typer.BadParameter(f"not JSON: {exc}", param_hint="--detail") from None
        if not isinstance(body["detail"], dict):
            raise typer.BadParameter("must be a JSON object", param_hint="--detail")
    for key, value in (("source", source), ("detail-type", detail_type), ("bus", bus)):
        if value is not None:
            body[key] = value
    if region is not None:
        body["region"] = region
    where = _state_dir(app_dir, state_dir)
    try:
        endpoint = aws_endpoint(where)
        answer = httpx.post(
            f"{endpoint}/_stratus/events/rules/{quote(rule, safe='')}/fire", json=body, timeout=30
        )
    except NotRunningError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/red] stratus up is not answering at {where}: {exc}")
        raise typer.Exit(1) from None
    payload = answer.json() if answer.content else {}
    if answer.status_code == 404:
        names = payload.get("rules") or []
        console.print(f"[red]error:[/red] no rule named {rule!r}.")
        console.print("rules: " + (", ".join(names) if names else "(none)"))
        raise typer.Exit(1)
    if answer.status_code != 200:
        console.print(f"[red]error:[/red] {payload.get('message', answer.text)}")
        raise typer.Exit(1)
    console.print(
        f"fired [bold]{payload['rule']}[/bold] ({payload['ruleArn']}) "
        f"to {payload['targets']} target(s)"
    )
    if not payload.get("enabled", True):
        console.print("[yellow]note:[/yellow] the rule is DISABLED; fired anyway")
    if not payload.get("matchesPattern", True):
        console.print("[yellow]note:[/yellow] the event does not match the rule's pattern")
    typer.echo(json.dumps(payload["event"], indent=2))
