"""moto's server application, run in-process behind the front door.

moto ships a WSGI app (`DomainDispatcherApplication`) that picks the service from the host,
the SigV4 scope, X-Amz-Target or the path; running it in our own process avoids a second
server and lets persistence pickle its state. What is written here is only the bridge from
an already-parsed `AwsRequest` to a WSGI environ and back (a2wsgi bridges whole ASGI apps,
but the front door has consumed the body and needs interceptors in front of moto).

Requests run in worker threads (moto is synchronous and SQS long-polls block). A shared /
exclusive gate lets a snapshot pickle moto's state while no request is mutating it.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes
from xml.sax.saxutils import escape

import anyio.to_thread
from starlette.responses import Response

from stratus.local import motofast
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.motofast import inline
from stratus.local.motofast.direct import DirectDispatcher

log = logging.getLogger("stratus.moto")

# Headers that must not become HTTP_* keys (WSGI carries them without the prefix).
_CGI_HEADERS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_NO_BODY_STATUS = {204, 304}


def _internal_failure(
    request: AwsRequest, exc: Exception
) -> tuple[int, list[tuple[str, str]], bytes]:
    """A 500 in the request's protocol, naming the error class but never a stack trace."""
    message = f"The local AWS endpoint could not handle this request ({type(exc).__name__})."
    if request.target:  # JSON protocols
        body = json.dumps({"__type": "InternalFailure", "message": message}).encode()
        return 500, [("Content-Type", "application/x-amz-json-1.1")], body
    xml = (
        "<ErrorResponse><Error><Code>InternalFailure</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    )
    return 500, [("Content-Type", "text/xml")], xml.encode()


class _Gate:
    """Many requests at once, or one snapshot alone (reader preference: never stall traffic)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @property
    def exclusive_held(self) -> bool:
        """Whether a snapshot holds the gate now (a request would wait for it)."""
        return self._exclusive

    @contextmanager
    def exclusive(self, timeout: float = 10.0) -> Iterator[bool]:
        """Yields True when no request is running; False if that took longer than `timeout`."""
        with self._cond:
            got = self._cond.wait_for(lambda: self._active == 0 and not self._exclusive, timeout)
            if got:
                self._exclusive = True
        try:
            yield got
        finally:
            if got:
                with self._cond:
                    self._exclusive = False
                    self._cond.notify_all()


def _ignore_bucket_policies() -> None:
    """Stop moto from enforcing bucket policies, which it gets wrong.

    moto evaluates a bucket policy without its Condition block (measured, moto 5.2.5), so
    the CDK's TLS-only statement ("Deny s3:* when aws:SecureTransport is false") denies every
    request. Who may do what is decided by the S3 guard (identity policies, signatures)
    instead; bucket policies are not evaluated locally.
    """
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def neutral(self: Any, action: str, resource: str) -> Any:
        return PermissionResult.NEUTRAL

    FakeBucket.get_permission = neutral  # type: ignore[method-assign]


Answer = tuple[int, list[tuple[str, str]], bytes]


class WritePath(Protocol):
    """Where mutating requests go instead of straight to moto (`core.durable`): `apply`
    runs `execute` (moto, whatever the transport) and journals it; the answer goes back
    only once `durable(ticket)` returns."""

    def journaled(self, request: AwsRequest) -> bool: ...
    def answer_before_sync(self, request: AwsRequest) -> bool: ...
    def apply(self, request: AwsRequest, execute: Any) -> tuple[Answer, Any]: ...
    def try_apply(self, request: AwsRequest, execute: Any) -> tuple[Answer, Any] | None: ...
    async def durable(self, ticket: Any) -> None: ...


class MotoApp:
    """moto's whole server, called per request without a socket."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 4566, account_id: str = ACCOUNT_ID
    ) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self._host = host
        self._port = port
        self.account_id = account_id
        self._app = DomainDispatcherApplication(create_backend_app)
        self.gate = _Gate()
        self.writes: WritePath | None = None  # set once the durable state is open
        _ignore_bucket_policies()
        motofast.install()
        # moto's handler for the request, straight (motofast.direct), else moto's whole app.
        self._dispatch = DirectDispatcher(self._app)
        # Known-short calls run on the event loop (motofast.inline); set False to measure.
        self.inline = True

    async def handle(self, request: AwsRequest) -> Response:
        writes = self.writes
        if writes is not None and writes.journaled(request):
            # A short write runs on the loop when the write lock is free at once; otherwise
            # (another write, a snapshot switch) it waits for the lock in a thread, never here.
            applied = None
            if self.inline and self._is_short(request):
                applied = writes.try_apply(request, self.call)
            if applied is None:
                applied = await anyio.to_thread.run_sync(writes.apply, request, self.call)
            answer, ticket = applied
            if not writes.answer_before_sync(request):
                await writes.durable(ticket)
            status, headers, body = answer
        elif self.inline and self._is_short(request):
            status, headers, body = self.call(request)  # on the loop: no thread hop
        else:
            status, headers, body = await anyio.to_thread.run_sync(self.call, request)
        response = Response(content=b"", status_code=status)
        # Headers exactly as moto set them (repeats kept); HEAD keeps moto's Content-Length.
        raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        names = {name for name, _ in raw}
        needs_length = status not in _NO_BODY_STATUS and request.method != "HEAD"
        if b"content-length" not in names and needs_length:
            raw.append((b"content-length", str(len(body)).encode()))
        response.raw_headers = raw
        response.body = body
        return response

    def call(self, request: AwsRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run one request through moto synchronously: (status, headers, body).

        Every request reaches moto through here, exactly once.
        """
        with self.gate.shared():
            try:
                direct = self._dispatch.answer_directly(request, self.account_id)
                if direct is not None:
                    return direct
                status, headers, body = self._dispatch(self._environ(request))
            except Exception as exc:  # moto's Flask app runs in debug mode: errors propagate
                log.exception("moto failed on %s %s", request.method, request.path)
                return _internal_failure(request, exc)
        if request.method == "HEAD":
            body = b""
        return status, headers, body

    def _is_short(self, request: AwsRequest) -> bool:
        from stratus.local.core.front_door import CURRENT_CALL

        call = CURRENT_CALL.get()  # the front door routed this request already
        if call is None or call.request is not request or self.gate.exclusive_held:
            return False
        return inline.is_short(call, self.account_id)

    def reset(self) -> None:
        """Forget every resource (`stratus up --fresh`)."""
        from moto.core.base_backend import BackendDict

        with self.gate.exclusive(timeout=30.0):
            BackendDict.reset()

    def _environ(self, request: AwsRequest) -> dict[str, Any]:
        raw_path = request.raw_path or "/"
        path_bytes = unquote_to_bytes(raw_path.split("?", 1)[0])
        host = request.headers.get("host", f"{self._host}:{self._port}")
        server_name, _, server_port = host.partition(":")
        raw_uri = raw_path + (f"?{request.query_string}" if request.query_string else "")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": path_bytes.decode("latin-1"),  # PEP 3333: bytes as latin-1
            "QUERY_STRING": request.query_string,
            "RAW_URI": raw_uri,
            "REQUEST_URI": raw_uri,
            "SERVER_NAME": server_name or self._host,
            "SERVER_PORT": server_port or str(self._port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": request.client_host,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(request.body)),
        }
        preserved: dict[str, str] = {}
        for name, value in request.headers.items():
            lower = name.lower()
            if lower == "content-length":
                continue  # the body we hold is authoritative (already de-chunked)
            if lower in _CGI_HEADERS:
                environ[_CGI_HEADERS[lower]] = value
                continue
            if lower == "transfer-encoding":
                continue
            key = "HTTP_" + name.upper().replace("-", "_")
            if "_" in name and lower.startswith("x-amz-meta-"):
                # moto reports S3 metadata keys with underscores under their sent name.
                preserved[key] = name
            environ[key] = value
        if preserved:
            environ["moto.preserved_header_names"] = preserved
        # moto files every request under one account unless told otherwise (its default is
        # 123456789012); the local cloud's account is settings.ACCOUNT_ID.
        environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self.account_id)
        return environ
