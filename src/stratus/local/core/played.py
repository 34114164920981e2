"""A Starlette response played into a buffer, as a server would send it.

In-process callers of the AWS endpoint (DAX's upstream hop, the cloud's own service calls)
get the same response object a socket client would; sending it into a buffer runs streamed
bodies and background tasks exactly as behind a server, whatever kind of response it is.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response


@dataclass
class Played:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)  # names lower-cased
    body: bytes = b""


async def played(response: Response) -> Played:
    """What `response` sends: its status, headers (names lower-cased) and whole body."""
    out = Played()
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.status = int(message["status"])
            out.headers.extend((k.lower(), v) for k, v in message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    # ASGI 2.4: a streamed body is sent whole, without listening for a client to leave.
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"spec_version": "2.4"},
        "method": "POST",
        "path": "/",
        "headers": [],
    }
    await response(scope, receive, send)
    out.body = b"".join(chunks)
    return out
