"""`stratus blog …`: write and publish blog posts from a terminal.

    stratus blog login EMAIL            sign in (an account in the `authors` group)
    stratus blog post FILE.md           create the draft, or update the post, from the file
    stratus blog publish SLUG           render the post's pages on the site
    stratus blog unpublish SLUG
    stratus blog upload IMAGE           upload a photo (the API's pre-signed POST); prints the
                                        Markdown of its variant once the pipeline made it

Tokens are kept like `stratus todo`'s (owner-only file, refreshed before expiry), in their
own file. Expected failures become one red line and exit code 1.
"""

from __future__ import annotations

import functools
import mimetypes
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx
import typer

from stratus.cli.blog.settings import BlogSettings, load_settings
from stratus.cli.blog.source import SourceError, read
from stratus.cli.todo import render
from stratus.cli.todo.auth import AuthError, CognitoAuth, CognitoIdp, make_cognito_client
from stratus.cli.todo.settings import SettingsError
from stratus.cli.todo.tokens import TokenStore

TOKENS_FILE = "blog-tokens.json"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/avif"}
MARKDOWN_WIDTH = 1280  # the variant the Markdown names; srcset offers the smaller ones
WAIT_SECONDS = 60
POLL_SECONDS = 0.5

app = typer.Typer(help="Write and publish MyBlog posts.", no_args_is_help=True)
P = ParamSpec("P")
R = TypeVar("R")


class BlogApiError(Exception):
    """The API answered with an error; the message is its own."""


def _store() -> TokenStore:
    return TokenStore(filename=TOKENS_FILE)


@dataclass
class Deps:
    """What commands need from outside; tests pass their own via `CliRunner.invoke(obj=…)`."""

    settings: Callable[[], BlogSettings] = load_settings
    store: Callable[[], TokenStore] = _store
    cognito: Callable[[BlogSettings], CognitoIdp] = field(
        default=lambda s: make_cognito_client(s.region, s.aws_endpoint)
    )
    clock: Callable[[], float] = time.time


_current: ContextVar[Deps] = ContextVar("stratus_blog_deps")


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Write and publish MyBlog posts."""
    _current.set(ctx.obj if isinstance(ctx.obj, Deps) else Deps())


def _auth(settings: BlogSettings) -> CognitoAuth:
    d = _current.get()
    return CognitoAuth(d.cognito(settings), settings.client_id, d.store(), clock=d.clock)


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (BlogApiError, AuthError, SettingsError, SourceError) as exc:
            render.error_line(str(exc).replace("stratus todo login", "stratus blog login"))
        except httpx.HTTPError as exc:
            render.error_line(f"cannot reach the blog API: {exc}")
        except OSError as exc:
            render.error_line(str(exc))
        raise typer.Exit(1)

    return wrapper


def _call(
    method: str, path: str, body: Any = None, *, conflict_ok: bool = False
) -> tuple[int, Any]:
    settings = _current.get().settings()
    auth = _auth(settings)
    tokens = auth.current()
    with httpx.Client(base_url=settings.api_url, verify=settings.verify, timeout=35) as client:
        answer = client.request(method, path, json=body, headers={"Authorization": tokens.id_token})
        if answer.status_code == 401:
            tokens = auth.refresh(tokens)
            answer = client.request(
                method, path, json=body, headers={"Authorization": tokens.id_token}
            )
    data = answer.json() if answer.content else None
    if answer.status_code >= 400 and not (conflict_ok and answer.status_code == 409):
        message = (data or {}).get("message") if isinstance(data, dict) else None
        raise BlogApiError(f"{method} {path}: {answer.status_code} {message or answer.text}")
    return answer.status_code, data


def _page_url(settings: BlogSettings, lang: str, slug: str) -> str:
    return f"{(settings.site_url or '').rstrip('/')}/{lang}/posts/{slug}/"


@app.command()
@friendly
def login(
    email: str, password: str = typer.Option(None, help="Prompted for (hidden) when absent.")
) -> None:
    """Sign in and keep the tokens (owner-only file in your config folder)."""
    password = password or typer.prompt("Password", hide_input=True)
    _auth(_current.get().settings()).login(email, password)
    render.out.print(f"Signed in as {email}.")


@app.command()
@friendly
def logout() -> None:
    """Forget the stored tokens."""
    render.out.print("Signed out." if _current.get().store().clear() else "Was not signed in.")


@app.command()
@friendly
def post(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Markdown file."),
    lang: str = typer.Option(None, "--lang", help="en, fr or de (overrides the front matter)."),
    tags: str = typer.Option(None, "--tags", help="Comma-separated (overrides the front matter)."),
    publish_now: bool = typer.Option(False, "--publish", help="Publish right after saving."),
) -> None:
    """Create a draft from FILE.md, or update the post with its slug."""
    source = read(file)
    if lang:
        source.lang = lang
    if tags is not None:
        source.tags = [t.strip().lower() for t in tags.split(",") if t.strip()]
    status, _ = _call("POST", "api/admin/posts", source.create_body(), conflict_ok=True)
    if status == 409:  # the slug exists: update it
        _call("PUT", f"api/admin/posts/{source.slug}", source.fields())
        render.out.print(f"Updated “{source.title}” ({source.slug}).")
    else:
        render.out.print(f"Created draft “{source.title}” ({source.slug}).")
    if publish_now:
        publish(source.slug)


@app.command()
@friendly
def publish(slug: str) -> None:
    """Publish a post: render its pages on the site and invalidate them."""
    _, result = _call("POST", f"api/admin/posts/{slug}/publish")
    _, found = _call("GET", f"api/admin/posts/{slug}")
    url = _page_url(_current.get().settings(), found["lang"], slug)
    render.out.print(f"Published {slug}: {len(result['changed'])} site files changed. {url}")


@app.command()
@friendly
def unpublish(slug: str) -> None:
    """Take a post off the site (it stays as a draft)."""
    _, result = _call("POST", f"api/admin/posts/{slug}/unpublish")
    render.out.print(f"Unpublished {slug}: {len(result['changed'])} site files changed.")


@app.command()
@friendly
def upload(
    image: Path = typer.Argument(..., exists=True, dir_okay=False),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the variants."),
) -> None:
    """Upload a photo through the API's pre-signed POST; prints the Markdown to paste.

    The API fixes the key, type and size limit; the photo pipeline turns the upload into
    responsive variants served by the site under /photos/.
    """
    kind = mimetypes.guess_type(image.name)[0] or ""
    if kind not in IMAGE_TYPES:
        raise SourceError(f"{image.name}: not a JPEG, PNG, WebP or AVIF file")
    size = image.stat().st_size
    request = {"filename": image.name, "contentType": kind, "size": size}
    _, ticket = _call("POST", "api/uploads", request)
    settings = _current.get().settings()
    with image.open("rb") as fh:  # the signed fields first, `file` last: S3 ignores any after
        answer = httpx.post(
            ticket["url"], data=ticket["fields"], files={"file": (image.name, fh, kind)},
            verify=settings.verify, timeout=300,
        )  # fmt: skip
    if answer.status_code not in (200, 201, 204):
        raise BlogApiError(f"upload refused by S3: {answer.status_code} {_s3_reason(answer.text)}")
    render.out.print(f"Uploaded {image.name} ({size} bytes) as {ticket['key']}")
    if not wait:
        return
    status = _wait_for_variants(ticket["name"])
    jpegs = [v for v in status["variants"] if v["format"] == "jpg"]
    chosen = next((v for v in jpegs if v["width"] <= MARKDOWN_WIDTH), jpegs[-1])
    alt = status.get("alt") or ticket["alt"]
    render.out.print(f"{len(status['variants'])} variants ready. Markdown:")
    render.out.print(f"![{alt}]({chosen['url']})", markup=False, soft_wrap=True)


def _wait_for_variants(name: str) -> dict[str, Any]:
    clock = _current.get().clock
    deadline = clock() + WAIT_SECONDS
    while True:
        _, status = _call("GET", f"api/uploads/{name}")
        if status["status"] == "ready":
            return dict(status)
        if status["status"] == "rejected":
            raise BlogApiError(
                f"the photo was rejected: {status.get('reason')} ({status.get('detail') or '-'})"
            )
        if clock() > deadline:
            raise BlogApiError(f"no variants after {WAIT_SECONDS} s; try again later")
        time.sleep(POLL_SECONDS)


def _s3_reason(text: str) -> str:
    code = re.search(r"<Code>([^<]*)</Code>", text)
    message = re.search(r"<Message>([^<]*)</Message>", text)
    found = " ".join(m.group(1) for m in (code, message) if m)
    return found or text[:200]
