"""The two Powertools resolvers (to-dos, files) built from a `Dependencies` object.

Handlers stay thin: read the caller's `sub`, call the store, shape the response. Validation,
OpenAPI and routing are Powertools'; errors are mapped in runtime/responses.py only.

HTTP choices worth knowing:
- `Location` after POST /todos is `/todos/{id}`, relative to the stage (SDKs join it with
  their base URL; it is also exactly the path in the OpenAPI document).
- `Idempotency-Key` on POST /todos: a retry with the same key and body returns the first
  result (same id, 201) and creates nothing; the same key with a different body is
  422 `IdempotencyKeyReused` (as the IETF Idempotency-Key draft recommends), and a retry
  while the first request is still running is 409. Keys are scoped to the caller's `sub`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from stratus.runtime.auth import caller_sub
from stratus.runtime.bodies import install_json_only_validation
from stratus.runtime.errors import ValidationError
from stratus.runtime.responses import (
    JSON,
    MAX_BODY_BYTES,
    cors_config,
    json_body_loader,
    json_response,
    register_error_handlers,
)
from stratus.todo.cursor import CursorCodec
from stratus.todo.domain import (
    DownloadUrl,
    ErrorBody,
    FilePage,
    Todo,
    TodoCreate,
    TodoPage,
    TodoPatch,
    UploadRequest,
    UploadUrl,
    etag,
    parse_if_match,
)
from stratus.todo.files import UserFiles
from stratus.todo.idempotency import IdempotentCreate
from stratus.todo.store import TODO_PREFIX, TodoStore


@dataclass
class Dependencies:
    """What the routes need; callables so production can build clients lazily, once."""

    todos: Callable[[], TodoStore]
    files: Callable[[], UserFiles]
    cursors: CursorCodec
    idempotent_create: Callable[[], IdempotentCreate]
    max_body_bytes: int = MAX_BODY_BYTES
    cors: CORSConfig = field(default_factory=cors_config)
    logger: Any = None


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {JSON: {"model": ErrorBody}}}
    for code, text in [
        (400, "invalid input; `details.field` names the field"),
        (401, "missing or invalid credentials"),
        (404, "not found (or not yours)"),
        (500, "internal error"),
    ]
}


def _responses(status: int, model: Any, *codes: int) -> dict[int, OpenAPIResponse]:
    """The success response plus the error responses an operation can return."""
    description = {200: "OK", 201: "created", 204: "deleted"}[status]
    ok: dict[str, Any] = {"description": description}
    if model is not None:
        ok["content"] = {JSON: {"model": model}}
    return cast("dict[int, OpenAPIResponse]", {status: ok, **_errors(*codes)})


def _errors(*codes: int) -> dict[int, dict[str, Any]]:
    extra = {
        409: "a request with this Idempotency-Key is still in progress",
        412: "If-Match does not name the current version",
        413: "request body larger than 64 KiB",
        422: "Idempotency-Key reused with a different body",
    }
    out: dict[int, dict[str, Any]] = {int(k): v for k, v in _ERRORS.items()}
    for code in codes:
        out[code] = {**_ERRORS[400], "description": extra[code]}
    return out


def _resolver(deps: Dependencies) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=deps.cors,
        json_body_deserializer=json_body_loader(deps.max_body_bytes),
    )
    install_json_only_validation(app)  # bodies are JSON only: any other type is 415
    register_error_handlers(app, deps.logger)
    return app


def _todo_response(todo: Todo, status: int = 200, **headers: str) -> Response[Todo]:
    return json_response(status, todo.model_dump(), {"ETag": etag(todo.version), **headers})


def build_todos_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = _resolver(deps)

    def sub() -> str:
        return caller_sub(app.current_event.raw_event)

    @app.get(
        "/todos",
        operation_id="list_todos",
        summary="List my to-dos, newest first",
        responses=_responses(200, TodoPage),
    )
    def list_todos(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> TodoPage:
        user = sub()
        after = None
        if cursor:
            after = deps.cursors.decode("todos", user, cursor).get("sk")
            if not isinstance(after, str) or not after.startswith(TODO_PREFIX):
                raise ValidationError("cursor is invalid", field="cursor")
        items, last = deps.todos().list(user, limit=limit, after=after)
        token = deps.cursors.encode("todos", user, {"sk": last}) if last else None
        return TodoPage(items=items, next=token)

    @app.post(
        "/todos",
        operation_id="create_todo",
        summary="Create a to-do",
        responses=_responses(201, Todo, 409, 413, 422),
    )
    def create_todo(
        body: TodoCreate,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
        ] = None,
    ) -> Response[Todo]:
        user = sub()
        if idempotency_key is None:
            todo = deps.todos().create(user, body)
        else:
            context = app.lambda_context
            todo = deps.idempotent_create()(user, idempotency_key, body, context)
        return _todo_response(todo, 201, Location=f"/todos/{todo.id}")

    @app.get(
        "/todos/<todo_id>",
        operation_id="get_todo",
        summary="Get one to-do",
        responses=_responses(200, Todo),
    )
    def get_todo(todo_id: str) -> Response[Todo]:
        return _todo_response(deps.todos().get(sub(), todo_id))

    @app.patch(
        "/todos/<todo_id>",
        operation_id="update_todo",
        summary="Change a to-do",
        responses=_responses(200, Todo, 412, 413),
    )
    def update_todo(
        todo_id: str,
        body: TodoPatch,
        if_match: Annotated[str | None, Header(alias="If-Match", max_length=1024)] = None,
    ) -> Response[Todo]:
        todo = deps.todos().update(sub(), todo_id, body, parse_if_match(if_match))
        return _todo_response(todo)

    @app.delete(
        "/todos/<todo_id>",
        operation_id="delete_todo",
        summary="Delete a to-do",
        responses=_responses(204, None),
    )
    def delete_todo(todo_id: str) -> Response[None]:
        deps.todos().delete(sub(), todo_id)
        return json_response(204, None)

    return app


def build_files_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = _resolver(deps)

    def sub() -> str:
        return caller_sub(app.current_event.raw_event)

    @app.post(
        "/files/upload-url",
        operation_id="create_upload_url",
        summary="Pre-signed POST for one upload into my folder",
        responses=_responses(200, UploadUrl, 413),
    )
    def create_upload_url(body: UploadRequest) -> UploadUrl:
        return deps.files().upload_url(sub(), body)

    @app.get(
        "/files",
        operation_id="list_files",
        summary="List my files",
        responses=_responses(200, FilePage),
    )
    def list_files(
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> FilePage:
        user = sub()
        token = None
        if cursor:
            token = deps.cursors.decode("files", user, cursor).get("t")
            if not isinstance(token, str):
                raise ValidationError("cursor is invalid", field="cursor")
        page = deps.files().list(user, limit=limit, token=token)
        wrapped = deps.cursors.encode("files", user, {"t": page.next}) if page.next else None
        return FilePage(items=page.items, next=wrapped)

    @app.get(
        "/files/download-url",
        operation_id="get_download_url",
        summary="Pre-signed GET for one of my files",
        responses=_responses(200, DownloadUrl),
    )
    def get_download_url(name: Annotated[str, Query(min_length=1)]) -> DownloadUrl:
        return deps.files().download_url(sub(), name)

    @app.delete(
        "/files",
        operation_id="delete_file",
        summary="Delete one of my files",
        responses=_responses(204, None),
    )
    def delete_file(name: Annotated[str, Query(min_length=1)]) -> Response[None]:
        deps.files().delete(sub(), name)
        return json_response(204, None)

    return app
