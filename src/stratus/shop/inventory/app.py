"""The inventory API (Starlette, served by uvicorn): `GET /stock/{product_id}`, `GET /health`.

Errors are JSON `{"error", "message"}` like the shop's other APIs: a malformed product id is
400, an unknown one or an unknown route 404, a database that cannot answer 503 (so the ALB
takes a task whose database is gone out of rotation), anything else 500 without a trace.

At start-up (lifespan) the app opens the pool, waits until the schema is at least the version
this code ships (the task's `migrate` container applies it; ECS starts this container after
that one succeeded, and waiting also covers a runner that does not order containers), then
starts the queue worker in a thread when a queue is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stratus.shop.inventory.domain import InventoryError, product_id
from stratus.shop.inventory.logs import configure, logger
from stratus.shop.inventory.store import InventoryStore, SchemaNotReadyError

DB_ERRORS = (psycopg.Error, PoolTimeout, SchemaNotReadyError)


@dataclass
class Services:
    store: InventoryStore
    schema_version: int  # what this code needs


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_stock(request: Request) -> Response:
    try:
        pid = product_id(request.path_params["product_id"])
    except InventoryError as exc:
        return _error(400, "BadRequest", str(exc))
    stock = _services(request).store.stock(pid)
    if stock is None:
        return _error(404, "NotFound", f"no stock for product {pid}")
    return JSONResponse(stock.as_json())


def health(request: Request) -> Response:
    services = _services(request)
    try:
        version = services.store.schema_version()
    except DB_ERRORS as exc:
        logger.warning("health check: database unavailable", extra={"error": repr(exc)})
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    if version < services.schema_version:
        return JSONResponse(
            {"status": "unavailable", "database": "schema behind", "schema_version": version},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "up", "schema_version": version})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    names = {404: "NotFound", 405: "MethodNotAllowed"}
    return _error(exc.status_code, names.get(exc.status_code, "HttpError"), str(exc.detail))


async def _unavailable(request: Request, exc: Exception) -> Response:
    logger.warning("database unavailable", extra={"error": repr(exc), "path": request.url.path})
    return _error(503, "ServiceUnavailable", "the inventory database is unavailable")


async def _internal(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return _error(500, "InternalError", "internal error")


class AccessLog:
    """One structured line per request (method, path, status, ms); /health only when not 200."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if scope["path"] != "/health" or status[0] != 200:
                logger.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status[0],
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )


@contextlib.asynccontextmanager
async def _from_environment(app: Starlette) -> AsyncIterator[None]:
    """Build the services from the task's environment and run the worker beside the API."""
    import boto3
    from psycopg_pool import ConnectionPool

    from stratus.shop.inventory.config import Settings
    from stratus.shop.inventory.migrate import latest_version
    from stratus.shop.inventory.worker import WAIT_SECONDS, Worker

    settings = Settings.from_env()
    pool: ConnectionPool[Any] = ConnectionPool(
        settings.db.conninfo(),
        min_size=1,
        max_size=settings.pool_max,
        open=False,
        name="inventory",
        check=ConnectionPool.check_connection,
        timeout=5,  # a request waits at most this long for a connection, then gets a 503
    )
    pool.open(wait=False)
    worker, thread = None, None
    try:
        store = InventoryStore(pool)
        needed = latest_version()
        await asyncio.to_thread(wait_for_schema, store, needed, settings.schema_wait_seconds)
        app.state.services = Services(store, needed)
        if settings.queue_url:
            worker = Worker(boto3.client("sqs"), settings.queue_url, store, logger)
            thread = threading.Thread(target=worker.run, name="inventory-worker", daemon=True)
            thread.start()
        logger.info("inventory ready", extra={"schema_version": needed, "worker": bool(worker)})
        yield
    finally:
        if worker is not None and thread is not None:
            worker.stop()  # the receive in flight returns within its wait time
            await asyncio.to_thread(thread.join, WAIT_SECONDS + 5)
        pool.close()


def wait_for_schema(store: InventoryStore, needed: int, seconds: float) -> None:
    """Block until the migrations this code needs are applied; SchemaNotReadyError after
    `seconds` (the task exits and ECS replaces it)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            version = store.schema_version()
            if version >= needed:
                return
            why = f"schema version {version}, this code needs {needed}"
        except DB_ERRORS as exc:
            why = f"database unavailable: {exc!r}"
        if time.monotonic() >= deadline:
            raise SchemaNotReadyError(why)
        logger.info("waiting for migrations", extra={"reason": why})
        time.sleep(1)


def create_app(services: Services | None = None) -> Starlette:
    """The app; with `services` (tests) nothing is read from the environment."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        async with _from_environment(app):
            yield

    exception_handlers: dict[Any, Any] = {
        HTTPException: _http_error,
        psycopg.Error: _unavailable,
        PoolTimeout: _unavailable,
        Exception: _internal,
    }
    app = Starlette(
        routes=[
            Route("/stock/{product_id}", get_stock, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    app.add_middleware(AccessLog)
    return app


_app: Starlette | None = None


def __getattr__(name: str) -> Starlette:
    """`app`, what the image's CMD serves (`stratus.shop.inventory.app:app`), built on first
    access: uvicorn's loggers turn JSON then, before uvicorn logs its first line, while
    importing this module for its parts (tests) changes no logging."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        configure()
        _app = create_app()
    return _app
