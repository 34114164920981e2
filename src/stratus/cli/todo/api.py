"""The CLI's view of the to-do API: the generated SDK underneath, dicts and one error on top.

The SDK (`stratus_todo_client`, generated from the API's OpenAPI document) builds every
request; this adapter adds what a generator cannot know: the raw-token `Authorization`
header (no "Bearer", as Cognito user-pool authorizers want), one retry after a 401 with a
refreshed token, `If-Match`/`Idempotency-Key`, the API's error body turned into
`ApiError`, and the S3 form upload/download with progress (S3 is not part of the API).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import httpx

Progress = Callable[[int], None]  # called with the bytes just sent/received
TokenSource = Callable[[bool], str]  # force_refresh -> ID token


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" (field: {self.field})" if self.field else ""
        return f"{self.code}: {self.message}{where}"


def error_from_response(status: int, content: bytes) -> ApiError:
    """Our API's `{"error","message","details"}` or API Gateway's own `{"message"}`."""
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    text = content.decode(errors="replace").strip()[:200] if content else ""
    return ApiError(
        status=status,
        code=str(body.get("error") or f"HTTP{status}"),
        message=str(body.get("message") or body.get("Message") or text or "no details"),
        field=details.get("field") if details else None,
    )


def _operation(name: str) -> ModuleType:
    """The SDK module for an operation id, whatever tag folder the generator put it in."""
    api = importlib.import_module("stratus_todo_client.api")
    for info in pkgutil.iter_modules(api.__path__):
        if info.ispkg:
            try:
                return importlib.import_module(f"stratus_todo_client.api.{info.name}.{name}")
            except ModuleNotFoundError:
                continue
    raise RuntimeError(f"the SDK has no operation {name!r}: regenerate it (sdk/generate.py)")


def _body(fn: Callable[..., Any], payload: dict[str, Any]) -> Any:
    """Builds the SDK's request model for `fn` from a plain dict (absent keys stay UNSET)."""
    model = typing.get_type_hints(fn)["body"]
    return model.from_dict(payload)


class _CountingReader:
    """A file wrapper reporting each chunk httpx reads, so uploads show progress."""

    def __init__(self, fh: IO[bytes], progress: Progress) -> None:
        self._fh, self._progress = fh, progress

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        self._progress(len(chunk))
        return chunk

    def fileno(self) -> int:  # lets httpx learn the length for Content-Length
        return self._fh.fileno()

    def seek(self, *args: int) -> int:
        return self._fh.seek(*args)

    def tell(self) -> int:
        return self._fh.tell()


class TodoApi:
    def __init__(self, base_url: str, verify: str | bool, token: TokenSource) -> None:
        self._base_url, self._verify, self._token = base_url, verify, token
        self._http = httpx.Client(verify=verify, timeout=60.0)

    def close(self) -> None:
        self._http.close()

    def _client(self, token: str, headers: dict[str, str], seen: list[httpx.Response]) -> Any:
        from stratus_todo_client import AuthenticatedClient

        return AuthenticatedClient(
            base_url=self._base_url,
            token=token,
            prefix="",  # Cognito user-pool authorizers take the raw token, no "Bearer"
            verify_ssl=self._verify,
            timeout=httpx.Timeout(30.0),
            headers=headers,
            httpx_args={"event_hooks": {"response": [seen.append]}},
        )

    def _send(
        self, fn: Callable[..., Any], args: tuple[Any, ...], headers: dict[str, str], **kwargs: Any
    ) -> httpx.Response:
        """One SDK call with a fresh token; a 401 refreshes the token and retries once."""
        for attempt in (0, 1):
            seen: list[httpx.Response] = []
            with self._client(self._token(attempt == 1), headers, seen) as client:
                try:
                    fn(*args, client=client, **kwargs)
                except (KeyError, ValueError, TypeError):
                    # The SDK parses bodies by the document; API Gateway's own errors (e.g. the
                    # authorizer's {"message"}) do not follow it. The raw response still counts.
                    if not seen:
                        raise
            response = seen[-1]
            if response.status_code != 401 or attempt == 1:
                break
        return response

    def _call(
        self,
        op: str,
        *args: Any,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> tuple[Any, httpx.Headers]:
        fn = _operation(op).sync_detailed
        if body is not None:
            kwargs["body"] = _body(fn, body)
        resp = self._send(fn, args, headers=headers or {}, **kwargs)
        if resp.status_code not in ok:
            raise error_from_response(resp.status_code, resp.content)
        data = json.loads(resp.content) if resp.content else None
        return data, resp.headers

    # -- to-dos ------------------------------------------------------------------------
    def list_todos(self, limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        from stratus_todo_client.types import UNSET

        data, _ = self._call(
            "list_todos",
            limit=UNSET if limit is None else limit,
            cursor=UNSET if cursor is None else cursor,
        )
        return typing.cast(dict[str, Any], data)

    def iter_todos(self, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            page = self.list_todos(page_size, cursor)
            yield from page.get("items", [])
            cursor = page.get("next")
            if not cursor:
                return

    def create_todo(
        self, fields: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        data, _ = self._call("create_todo", headers=headers, body=fields, ok=(200, 201))
        return typing.cast(dict[str, Any], data)

    def get_todo(self, todo_id: str) -> tuple[dict[str, Any], str | None]:
        data, headers = self._call("get_todo", todo_id)
        return typing.cast(dict[str, Any], data), headers.get("ETag")

    def update_todo(
        self, todo_id: str, changes: dict[str, Any], if_match: str | None = None
    ) -> dict[str, Any]:
        headers = {"If-Match": if_match} if if_match else {}
        data, _ = self._call("update_todo", todo_id, headers=headers, body=changes)
        return typing.cast(dict[str, Any], data)

    def delete_todo(self, todo_id: str) -> None:
        self._call("delete_todo", todo_id, ok=(200, 204))

    # -- files -------------------------------------------------------------------------
    def create_upload_url(self, name: str, content_type: str, size: int) -> dict[str, Any]:
        body = {"name": name, "content_type": content_type, "size": size}
        data, _ = self._call("create_upload_url", body=body, ok=(200, 201))
        return typing.cast(dict[str, Any], data)

    def list_files(self, cursor: str | None = None) -> dict[str, Any]:
        from stratus_todo_client.types import UNSET

        data, _ = self._call("list_files", cursor=UNSET if cursor is None else cursor)
        return typing.cast(dict[str, Any], data)

    def download_url(self, name: str) -> dict[str, Any]:
        data, _ = self._call("get_download_url", name=name)
        return typing.cast(dict[str, Any], data)

    def delete_file(self, name: str) -> None:
        self._call("delete_file", name=name, ok=(200, 204))

    def upload(
        self, grant: dict[str, Any], path: Path, content_type: str, progress: Progress
    ) -> None:
        """POSTs the form S3 wants: all signed fields, then `file` LAST (S3 ignores any after)."""
        with path.open("rb") as fh:
            reader = typing.cast(IO[bytes], _CountingReader(fh, progress))
            files = {"file": (path.name, reader, content_type)}
            resp = self._http.post(grant["url"], data=grant.get("fields", {}), files=files)
        if resp.status_code not in (200, 201, 204):
            raise _s3_error(resp)

    def download(self, url: str, out: Path, progress: Progress) -> int:
        total = 0
        with self._http.stream("GET", url) as resp:
            if resp.status_code != 200:
                resp.read()
                raise _s3_error(resp)
            with out.open("wb") as fh:
                for chunk in resp.iter_bytes():
                    fh.write(chunk)
                    total += len(chunk)
                    progress(len(chunk))
        return total


def _s3_error(resp: httpx.Response) -> ApiError:
    """S3 answers in XML: pull out Code and Message without a parser dependency on its schema."""
    import re

    text = resp.text
    code = re.search(r"<Code>([^<]*)</Code>", text)
    msg = re.search(r"<Message>([^<]*)</Message>", text)
    return ApiError(
        status=resp.status_code,
        code=code.group(1) if code else f"HTTP{resp.status_code}",
        message=msg.group(1) if msg else (text[:200] or "storage request failed"),
    )
