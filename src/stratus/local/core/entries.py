"""What one journal entry is: a mutating request as moto received it, or a named operation.

`needs_journal` says which routed requests may change moto's state (not Get*/List*/...);
a call that ran and proved it changed nothing (`determinism.Context.unchanged`: an SQS
receive that handed out no message) is not journaled either (`DurableState`).
A request entry keeps the request as received, the random seed and wall clock moto ran it
with (`core.determinism`), the inputs it recorded, and a checksum of moto's answer so that
replay can count answers that differ. Our own direct changes to moto objects are
registered with `operation(name, services)` and journaled by name with their arguments.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from stratus.local.core.aws_request import AwsRequest

Answer = tuple[int, list[tuple[str, str]], bytes]
Execute = Callable[[AwsRequest], Answer]

# name -> (function, the moto services it changes)
OPERATIONS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {}
# Operations whose names read like reads but that change moto's state.
READ_NAMED_WRITES = {("cognito-identity", "GetId")}
# Reads whose names `call.is_read_operation` does not know: Cognito's admin reads
# (AdminGetUser, AdminListGroupsForUser...), IAM's policy simulator, template validation.
MORE_READ_PREFIXES = ("AdminGet", "AdminList", "BatchDescribe", "Simulate", "Validate", "Estimate")


def operation(
    name: str, services: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a direct change of the moto `services`' objects, replayable by name: call
    it through `durable.mutate(name, **args)` (plain, picklable arguments)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS[name] = (fn, services)
        return fn

    return register


def needs_journal(call: Any) -> bool:
    """Whether a routed request may change moto's state."""
    from stratus.local.core.call import is_read_operation

    if (call.service, call.operation) in READ_NAMED_WRITES:
        return True
    if call.operation:
        name = str(call.operation)
        return not (is_read_operation(name) or name.startswith(MORE_READ_PREFIXES))
    return str(call.request.method) not in ("GET", "HEAD", "OPTIONS")


def call_of(request: AwsRequest) -> Any:
    """The routed call of `request` (the front door's, when it routed this very request)."""
    from stratus.local.core.front_door import CURRENT_CALL
    from stratus.local.core.router import route

    call = CURRENT_CALL.get()
    if call is None or call.request is not request:
        call = route(request)
    return call


def service_of(request: AwsRequest) -> set[str]:
    service = call_of(request).service
    return {str(service)} if service else set()


def request_entry(
    request: AwsRequest, seed: int, clock: float, inputs: dict[str, Any], answer: Answer
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "k": "req",
        "m": request.method,
        "p": request.path,
        "rp": request.raw_path,
        "q": request.query_string,
        "h": request.headers,
        "b": request.body,
        "c": request.client_host,
        "seed": seed,
        "t": clock,
        "crc": answer_check(answer),
    }
    if inputs:
        entry["in"] = inputs
    return entry


def request_of(entry: dict[str, Any]) -> AwsRequest:
    return AwsRequest(
        method=entry["m"],
        path=entry["p"],
        raw_path=entry["rp"],
        query_string=entry["q"],
        headers=dict(entry["h"]),
        body=entry["b"],
        client_host=entry["c"],
    )


def answer_check(answer: Answer) -> int:
    """A checksum of moto's answer: status, headers (x-amz-version-id, ETag...), body."""
    status, headers, body = answer
    named = "\n".join(f"{k.lower()}:{v}" for k, v in headers if k.lower() != "date")
    return zlib.crc32(body, zlib.crc32(named.encode(), status))
