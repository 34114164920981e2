"""`stratus todo …`: the to-do system from a terminal.

Each command is a few lines: get an authenticated `TodoApi`, make one or two calls, render.
Failures of any kind we expect (API errors, Cognito errors, missing outputs, network, TLS,
files) become one red line and exit code 1 — never a traceback.
"""

from __future__ import annotations

import functools
import mimetypes
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from stratus.cli.todo import render
from stratus.cli.todo.api import ApiError, TodoApi
from stratus.cli.todo.auth import AuthError, CognitoAuth, CognitoIdp, make_cognito_client
from stratus.cli.todo.settings import SettingsError, TodoSettings, load_settings
from stratus.cli.todo.tokens import TokenStore

PROGRESS_THRESHOLD = 1024 * 1024  # show a bar for transfers bigger than this

app = typer.Typer(help="Your to-dos and files in the stratus to-do system.", no_args_is_help=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Deps:
    """What commands need from outside; tests pass their own through `CliRunner.invoke(obj=…)`."""

    settings: Callable[[], TodoSettings] = load_settings
    store: Callable[[], TokenStore] = TokenStore
    cognito: Callable[[TodoSettings], CognitoIdp] = field(
        default=lambda s: make_cognito_client(s.region, s.cognito_endpoint)
    )
    clock: Callable[[], float] = time.time


_current: ContextVar[Deps] = ContextVar("stratus_todo_deps")


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Your to-dos and files in the stratus to-do system."""
    _current.set(ctx.obj if isinstance(ctx.obj, Deps) else Deps())


def _deps() -> Deps:
    return _current.get()


def _auth(settings: TodoSettings) -> CognitoAuth:
    d = _deps()
    return CognitoAuth(d.cognito(settings), settings.client_id, d.store(), clock=d.clock)


@contextmanager
def _api() -> Iterator[TodoApi]:
    settings = _deps().settings()
    auth = _auth(settings)
    auth.current()  # fail fast with "not signed in" before any request

    def token(force: bool) -> str:
        tokens = auth.current()
        return (auth.refresh(tokens) if force else tokens).id_token

    api = TodoApi(settings.api_url, settings.verify, token)
    try:
        yield api
    finally:
        api.close()


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turns the failures we expect into one line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (ApiError, AuthError, SettingsError) as exc:
            render.error_line(str(exc))
        except httpx.HTTPError as exc:
            where = f" {exc.request.url}" if _has_request(exc) else ""
            render.error_line(f"cannot reach{where}: {exc}")
        except BrokenPipeError:
            pass  # the reader went away (`stratus todo list --json | head`): nothing to say
        except OSError as exc:
            render.error_line(str(exc))
        raise typer.Exit(1)

    return wrapper


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True


JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")


# -- account ------------------------------------------------------------------------------
@app.command("sign-up")
@friendly
def sign_up(
    email: str,
    password: str = typer.Option(None, help="Prompted for (hidden) when absent."),
) -> None:
    """Create an account; Cognito sends a confirmation code."""
    password = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    confirmed = _auth(_deps().settings()).sign_up(email, password)
    if confirmed:
        render.out.print(f"Signed up {email}. Next: stratus todo login {email}")
    else:
        render.out.print(f"Signed up {email}. Next: stratus todo confirm {email} CODE")


@app.command()
@friendly
def confirm(email: str, code: str) -> None:
    """Confirm an account with the code Cognito sent."""
    _auth(_deps().settings()).confirm(email, code)
    render.out.print(f"Confirmed {email}. Next: stratus todo login {email}")


@app.command()
@friendly
def login(
    email: str = typer.Argument(None, help="Your e-mail (not needed with --browser)."),
    password: str = typer.Option(None, help="Prompted for (hidden) when absent."),
    browser: bool = typer.Option(
        False, "--browser", help="Sign in on the hosted UI in your browser (code + PKCE)."
    ),
) -> None:
    """Sign in and keep the tokens (owner-only file in your config folder)."""
    if browser:
        from stratus.cli.todo.browser_login import browser_login, httpx_exchange

        settings = _deps().settings()
        if not settings.hosted_ui_url:
            raise AuthError("the outputs name no UserPoolDomain: no hosted UI to sign in on")
        tokens = browser_login(
            settings.hosted_ui_url,
            settings.client_id,
            httpx_exchange(settings.verify),
            clock=_deps().clock,
            announce=render.out.print,
        )
        _deps().store().save(tokens)
        render.out.print(f"Signed in as {tokens.email}.")
        return
    if not email:
        raise AuthError("give your e-mail, or use --browser")
    password = password or typer.prompt("Password", hide_input=True)
    _auth(_deps().settings()).login(email, password)
    render.out.print(f"Signed in as {email}.")


@app.command()
@friendly
def logout() -> None:
    """Forget the stored tokens."""
    removed = _deps().store().clear()
    render.out.print("Signed out." if removed else "Was not signed in.")


# -- to-dos -------------------------------------------------------------------------------
@app.command()
@friendly
def add(
    title: str,
    notes: str = typer.Option(None, help="Free text."),
    due: str = typer.Option(None, help="Due date, ISO 8601 (2026-12-31)."),
    as_json: bool = JsonOpt,
) -> None:
    """Add a to-do."""
    fields: dict[str, Any] = {"title": title}
    if notes is not None:
        fields["notes"] = notes
    if due is not None:
        fields["due"] = due
    with _api() as api:
        # One key per invocation: a retried request after a dropped connection is not a duplicate.
        todo = api.create_todo(fields, idempotency_key=str(uuid.uuid4()))
    _show(todo, as_json, "Added")


@app.command("list")
@friendly
def list_(
    limit: int = typer.Option(20, min=1, max=100, help="To-dos per page."),
    all_: bool = typer.Option(False, "--all", help="Follow every page."),
    as_json: bool = JsonOpt,
) -> None:
    """List your to-dos."""
    with _api() as api:
        if all_:
            items, more = list(api.iter_todos(limit)), None
        else:
            page = api.list_todos(limit)
            items, more = page.get("items", []), page.get("next")
    if as_json:
        render.print_json({"items": items, "next": more})
        return
    render.out.print(render.todos_table(items))
    if more:
        render.out.print("[dim]More to-dos: use --all[/]")


@app.command()
@friendly
def done(todo_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JsonOpt) -> None:
    """Mark a to-do done."""
    with _api() as api:
        todo = api.update_todo(todo_id, {"done": True})
    _show(todo, as_json, "Done")


@app.command()
@friendly
def edit(
    todo_id: str = typer.Argument(..., metavar="ID"),
    title: str = typer.Option(None),
    notes: str = typer.Option(None),
    due: str = typer.Option(None),
    undone: bool = typer.Option(False, "--undone", help="Mark it not done."),
    version: int = typer.Option(None, help="Only change it if it is still at this version."),
    as_json: bool = JsonOpt,
) -> None:
    """Change a to-do, refusing if someone changed it in between (ETag / If-Match)."""
    changes: dict[str, Any] = {
        k: v for k, v in {"title": title, "notes": notes, "due": due}.items() if v is not None
    }
    if undone:
        changes["done"] = False
    if not changes:
        raise ApiError(400, "Usage", "nothing to change: give --title, --notes, --due or --undone")
    with _api() as api:
        if version is not None:
            etag: str | None = f'"{version}"'
        else:
            current, etag = api.get_todo(todo_id)
            etag = etag or f'"{current.get("version")}"'
        try:
            todo = api.update_todo(todo_id, changes, if_match=etag)
        except ApiError as exc:
            if exc.status != 412:
                raise
            latest, _ = api.get_todo(todo_id)
            render.error_line("the to-do changed elsewhere; nothing was saved. Current version:")
            render.err.print(
                render.todo_table(latest, title=f"{todo_id} (v{latest.get('version')})")
            )
            raise typer.Exit(1) from None
    _show(todo, as_json, "Saved")


@app.command()
@friendly
def rm(todo_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Delete a to-do."""
    with _api() as api:
        api.delete_todo(todo_id)
    render.out.print(f"Deleted {todo_id}.")


def _show(todo: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        render.print_json(todo)
    else:
        render.out.print(render.todo_table(todo, title=f"{verb}: {todo.get('title')}"))


# -- files --------------------------------------------------------------------------------
@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    if total is not None and total <= PROGRESS_THRESHOLD:
        yield lambda n: None
        return
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=render.err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@app.command()
@friendly
def upload(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    name: str = typer.Option(None, help="Name to store it under (default: the file's name)."),
) -> None:
    """Upload a file to your private folder."""
    name = name or path.name
    size = path.stat().st_size
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with _api() as api:
        grant = api.create_upload_url(name, content_type, size)
        with _progress(f"uploading {name}", size) as advance:
            api.upload(grant, path, content_type, advance)
    render.out.print(f"Uploaded {name} ({render.human_size(size)}, {content_type}).")


@app.command()
@friendly
def download(
    name: str,
    out: Path = typer.Option(None, help="Where to write it (default: ./NAME)."),
    force: bool = typer.Option(False, help="Overwrite an existing file."),
) -> None:
    """Download one of your files."""
    target = out or Path(Path(name).name)
    if target.exists() and not force:
        raise ApiError(0, "Exists", f"{target} exists; use --force to overwrite")
    with _api() as api:
        url = api.download_url(name)["url"]
        with _progress(f"downloading {name}", None) as advance:
            size = api.download(url, target, advance)
    render.out.print(f"Saved {target} ({render.human_size(size)}).")


@app.command()
@friendly
def files(as_json: bool = JsonOpt) -> None:
    """List your files."""
    items: list[dict[str, Any]] = []
    with _api() as api:
        cursor: str | None = None
        while True:
            page = api.list_files(cursor)
            items.extend(page.get("items", []))
            cursor = page.get("next")
            if not cursor:
                break
    if as_json:
        render.print_json({"items": items})
    else:
        render.out.print(render.files_table(items))
