"""Inbox: the mail the local SES delivered (the same store as `/_aws/ses/inbox`, read
through `ses.inbox`), newest first, a page at a time; one message with its HTML in a
sandboxed iframe (no script, no origin, links open outside), its text and headers.

Cognito's confirmation codes do not go through SES locally: they are appended to their own
outbox file (`cognito.codes`, also printed by `stratus up`). The inbox shows the newest of
them too, read from the end of that file (a bounded read, never the whole file).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.cognito.codes import OUTBOX_FILE
from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages import _messaging as m
from stratus.local.ses import inbox

PAGE_SIZE = 25
MAX_ADDRESS = 320  # RFC 5321's longest address
MESSAGE_ID = re.compile(r"[A-Za-z0-9._@+=-]{1,256}")
CODES_SHOWN = 20
CODES_TAIL_BYTES = 64 * 1024


def recent_codes(outbox: Path, limit: int = CODES_SHOWN) -> list[dict[str, Any]]:
    """The newest `limit` entries of Cognito's code outbox, newest first."""
    try:
        with outbox.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - CODES_TAIL_BYTES))
            lines = file.read().decode(errors="replace").splitlines()
    except OSError:
        return []
    if size > CODES_TAIL_BYTES:
        lines = lines[1:]  # cut by the seek
    found: list[dict[str, Any]] = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(entry, dict) and "code" in entry:
            sent = entry.get("sent_at")
            entry["sent"] = (
                datetime.fromtimestamp(float(sent), UTC) if isinstance(sent, int | float) else None
            )
            found.append(entry)
        if len(found) >= limit:
            break
    return found


def inbox_list(request: Request) -> Response:
    start = m.offset(request)
    recipient = request.query_params.get("to") or None
    if recipient is not None and len(recipient) > MAX_ADDRESS:
        raise ConsoleError(400, "That address is too long.")
    messages, total = inbox.newest_first(start, PAGE_SIZE, recipient)
    return render(
        request,
        "inbox/list.html",
        title="Inbox",
        active="inbox",
        messages=messages,
        total=total,
        start=start,
        page_size=PAGE_SIZE,
        recipient=recipient or "",
        codes=recent_codes(console_of(request).settings.snapshot_dir / OUTBOX_FILE)
        if start == 0
        else [],
    )


def inbox_message(request: Request) -> Response:
    message_id = m.checked_name(request.path_params["id"], MESSAGE_ID, "message")
    message = inbox.find(message_id)
    if message is None:
        raise ConsoleError(404, "No such message.")
    return render(
        request,
        "inbox/message.html",
        title=message.subject or "(no subject)",
        active="inbox",
        message=message,
        srcdoc=inbox.frame_document(message),
        sandbox=inbox.FRAME_SANDBOX,
    )


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/inbox", inbox_list, methods=["GET", "HEAD"]),
        Route("/inbox/{id}", inbox_message, methods=["GET", "HEAD"]),
    ]


PAGE = Page("inbox", "Inbox", 45, routes)
