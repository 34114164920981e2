"""The local inbox on the AWS endpoint: LocalStack's JSON API and a page to read mail.

- `GET /_aws/ses` -> `{"messages": [...]}` in LocalStack's shape (see `store.InboxMessage`);
  `?id=` one message, `?email=` by sender (LocalStack filters its Source by this), and
  `?to=` by recipient (To, Cc or Bcc).
- `DELETE /_aws/ses` empties the inbox, `?id=` removes one message (204, as LocalStack).
- `GET /_aws/ses/inbox` lists the messages; `/_aws/ses/inbox/<id>` shows one, its HTML in
  a sandboxed iframe (`srcdoc`, no scripts, no same-origin) under a restrictive CSP, with
  links opening in a new tab.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Iterable
from urllib.parse import quote

from starlette.responses import HTMLResponse, Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.registry import PathRoute
from stratus.local.ses import store

API_PATH = "/_aws/ses"
PAGE_PATH = "/_aws/ses/inbox"
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; "
    "frame-src 'self' about:; base-uri 'none'; form-action 'none'"
)


def select(
    messages: list[store.InboxMessage],
    *,
    message_id: str | None = None,
    sender: str | None = None,
    recipient: str | None = None,
) -> list[store.InboxMessage]:
    out = messages
    if message_id:
        out = [m for m in out if m.id == message_id]
    if sender:
        out = [m for m in out if _contains(sender, [m.source])]
    if recipient:
        out = [m for m in out if _contains(recipient, m.recipients())]
    return out


def newest_first(
    offset: int = 0, limit: int = 50, recipient: str | None = None
) -> tuple[list[store.InboxMessage], int]:
    """One page of the inbox, newest first, and how many messages match in all."""
    messages = store.all_messages()  # a new list, oldest first
    if recipient:
        messages = select(messages, recipient=recipient)
    messages.reverse()
    return messages[offset : offset + limit], len(messages)


def find(message_id: str) -> store.InboxMessage | None:
    found = select(store.all_messages(), message_id=message_id)
    return found[0] if found else None


def frame_document(message: store.InboxMessage) -> str | None:
    """The message's HTML as a sandboxed iframe's `srcdoc` (links open outside the frame;
    the frame is given no script and no origin by its `sandbox` attribute)."""
    if message.html is None:
        return None
    return '<base target="_blank">' + message.html


FRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"


def _contains(address: str, addresses: Iterable[str]) -> bool:
    from email.utils import parseaddr

    wanted = address.strip().lower()
    return any(parseaddr(a)[1].lower() == wanted or a.lower() == wanted for a in addresses)


async def api(request: AwsRequest) -> Response:
    if request.method == "DELETE":
        await asyncio.to_thread(store.delete_messages, request.query_value("id"))
        return Response(status_code=204)
    messages = select(
        store.all_messages(),
        message_id=request.query_value("id"),
        sender=request.query_value("email"),
        recipient=request.query_value("to"),
    )
    body = json.dumps({"messages": [m.as_localstack() for m in messages]})
    return Response(body, media_type="application/json")


def _page(title: str, body: str) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:64rem;padding:1rem}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
        "padding:.4rem;text-align:left;vertical-align:top}iframe{border:1px solid #ccc;"
        "width:100%;height:70vh}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}"
        "</style></head><body>" + body + "</body></html>"
    )
    return HTMLResponse(
        document,
        headers={
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


async def page(request: AwsRequest) -> Response:
    rest = request.path[len(PAGE_PATH) :].strip("/")
    messages = store.all_messages()
    if rest:
        found = select(messages, message_id=rest)
        if not found:
            return _page("Not found", "<p>No such message.</p>")
        return _message_page(found[0])
    recipient = request.query_value("to")
    shown = select(messages, recipient=recipient) if recipient else messages
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(m.timestamp.strftime('%Y-%m-%d %H:%M:%S'))}</td>"
        f"<td>{html.escape(m.source)}</td>"
        f"<td>{html.escape(', '.join(m.recipients()))}</td>"
        f'<td><a href="{PAGE_PATH}/{quote(m.id)}">'
        f"{html.escape(m.subject or '(no subject)')}</a></td>"
        "</tr>"
        for m in reversed(shown)
    )
    body = (
        f"<h1>Local SES inbox</h1><p>{len(shown)} message(s). JSON: "
        f'<a href="{API_PATH}">{API_PATH}</a></p>'
        "<table><thead><tr><th>Sent (UTC)</th><th>From</th><th>To</th><th>Subject</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page("Local SES inbox", body)


def _message_page(message: store.InboxMessage) -> HTMLResponse:
    parts = [
        f'<p><a href="{PAGE_PATH}">&larr; inbox</a></p>',
        f"<h1>{html.escape(message.subject or '(no subject)')}</h1>",
        "<table>",
        f"<tr><th>From</th><td>{html.escape(message.source)}</td></tr>",
        f"<tr><th>To</th><td>{html.escape(', '.join(message.to))}</td></tr>",
    ]
    if message.cc:
        parts.append(f"<tr><th>Cc</th><td>{html.escape(', '.join(message.cc))}</td></tr>")
    if message.bcc:
        parts.append(f"<tr><th>Bcc</th><td>{html.escape(', '.join(message.bcc))}</td></tr>")
    parts.append(f"<tr><th>Sent</th><td>{html.escape(message.timestamp.isoformat())}</td></tr>")
    if message.template:
        parts.append(f"<tr><th>Template</th><td>{html.escape(message.template)}</td></tr>")
    parts.append("</table>")
    srcdoc = frame_document(message)
    if srcdoc is not None:
        parts.append(
            '<h2>HTML</h2><iframe title="message" referrerpolicy="no-referrer" '
            f'sandbox="{FRAME_SANDBOX}" '
            f'srcdoc="{html.escape(srcdoc, quote=True)}"></iframe>'
        )
    if message.text is not None:
        parts.append(f"<h2>Text</h2><pre>{html.escape(message.text)}</pre>")
    return _page(message.subject or "message", "".join(parts))


def routes() -> list[PathRoute]:
    return [
        PathRoute(frozenset({"GET", "DELETE"}), rf"^{API_PATH}/?$", api),
        PathRoute(frozenset({"GET"}), rf"^{PAGE_PATH}(/[^/]*)?/?$", page),
    ]
