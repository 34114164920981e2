"""The hosted UI's pages: plain HTML forms that work without JavaScript.

Every field has a <label>, errors are announced (role="alert") in the form's place, as
Cognito's classic hosted UI shows them (`<p class="errorMessage">` above the form, with the
API's message, e.g. "Incorrect username or password."). Every value is escaped; forms post
to the same page (the OAuth parameters stay in the query string) with the CSRF token.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin-top:1rem;font-weight:600}"
    "input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
    "button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem}"
    ".errorMessage{color:#a00;border:1px solid #a00;padding:.5rem}"
    ".info{color:#055}"
)

Field = tuple[str, str, str, str]  # (name, label, type, autocomplete)


def page(title: str, body: str, status_note: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{status_note}{body}</main></body></html>"
    )


def message(error: str | None, info: str | None = None) -> str:
    out = ""
    if error:
        out += f'<p class="errorMessage" role="alert">{html.escape(error)}</p>'
    if info:
        out += f'<p class="info" role="status">{html.escape(info)}</p>'
    return out


def form(
    action: str,
    csrf: str,
    fields: Sequence[Field],
    submit: str,
    *,
    hidden: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> str:
    values = values or {}
    parts = [f'<form method="post" action="{html.escape(action)}">']
    parts.append(f'<input type="hidden" name="_csrf" value="{html.escape(csrf)}">')
    for name, value in (hidden or {}).items():
        parts.append(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        )
    for name, label, kind, autocomplete in fields:
        ident = f"f-{html.escape(name)}"
        given = values.get(name)
        shown = f' value="{html.escape(given)}"' if given and kind != "password" else ""
        parts.append(
            f'<label for="{ident}">{html.escape(label)}</label>'
            f'<input id="{ident}" name="{html.escape(name)}" type="{kind}"'
            f' autocomplete="{autocomplete}" required{shown}>'
        )
    parts.append(f'<button type="submit">{html.escape(submit)}</button></form>')
    return "".join(parts)


def links(items: Sequence[tuple[str, str]]) -> str:
    if not items:
        return ""
    lis = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for t, h in items)
    return f"<nav><ul>{lis}</ul></nav>"


def error_page(error: str, detail: str) -> str:
    """Cognito's own error page (no redirect to the client)."""
    return page(
        "An error was encountered with the requested page.",
        f'<p role="alert">{html.escape(detail)}</p><p><code>error={html.escape(error)}</code></p>',
    )
