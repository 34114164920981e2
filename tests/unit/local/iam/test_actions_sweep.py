"""Every operation of every mapped service, as boto3 sends it, through needs().

Inputs are made up from each operation's input shape (required members only, validation
off), so this proves what holds for any input: needs() never raises, answers [] exactly for
the calls IAM does not authorize, and every action it renames (Invoke -> InvokeFunction,
SendMessageBatch -> SendMessage, ...) is an action of AWS's Service Authorization
Reference. The exact resources are the business of the per-family tests.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.model import Shape
from tests.unit.local.iam.calls import ACCOUNT, reference_action

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.router import route
from stratus.local.iam.actions import iam_prefix, is_unauthenticated, mapped_services, needs

_PERMISSIONLESS = {("sts", "GetCallerIdentity"), ("sts", "GetSessionToken")}


class _Captured(Exception):
    pass


def _fake(shape: Shape, depth: int = 0) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        required = shape.required_members
        return {} if depth > 4 else {m: _fake(members[m], depth + 1) for m in required}
    if kind == "list":
        return [_fake(shape.member, depth + 1)] if depth < 5 else []  # type: ignore[attr-defined]
    if kind == "map":
        return {"k": _fake(shape.value, depth + 1)} if depth < 5 else {}  # type: ignore[attr-defined]
    if kind == "string":
        return shape.enum[0] if shape.enum else "name1"  # type: ignore[attr-defined]
    return {
        "integer": 1,
        "long": 1,
        "double": 1.0,
        "float": 1.0,
        "boolean": True,
        "blob": b"x",
        "timestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    }.get(kind, "x")


def _requests(service: str) -> list[tuple[str, AwsRequest]]:
    client = boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url="http://127.0.0.1:4566",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False, retries={"max_attempts": 0}),
    )
    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> None:
        seen["request"] = request
        raise _Captured

    client.meta.events.register("before-send", capture)
    methods = {api: py for py, api in client.meta.method_to_api_mapping.items()}
    model = client.meta.service_model
    out = []
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        seen.clear()
        with contextlib.suppress(_Captured):
            getattr(client, methods[name])(**(_fake(shape) if shape else {}))
        prepared = seen["request"]
        url = urlsplit(prepared.url)
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body
        body = body if isinstance(body, bytes) else body.read()
        headers = {
            k.lower(): v.decode() if isinstance(v, bytes) else v
            for k, v in prepared.headers.items()
        }
        request = AwsRequest(
            method=prepared.method,
            path=unquote(url.path),
            raw_path=url.path,
            query_string=url.query,
            headers=headers,
            body=body,
        )
        out.append((name, request))
    return out


def test_every_operation_of_every_mapped_service() -> None:
    problems = []
    checked = 0
    for service in sorted(mapped_services() - {"s3"}):  # S3 is s3guard's, tested there
        prefix = iam_prefix(service)
        for operation, request in _requests(service):
            call = route(request)
            if call.operation is None:  # unsigned calls name no service: nothing to map
                assert is_unauthenticated(service, operation), (service, operation)
                continue
            assert call.service == service
            if call.operation != operation:
                continue  # a deprecated twin with the same wire form routes to its successor
            found = needs(call, account=ACCOUNT)
            checked += 1
            if (service, operation) in _PERMISSIONLESS or is_unauthenticated(service, operation):
                if found:
                    problems.append(f"{service}.{operation}: {found} for an unauthorized call")
                continue
            if not found:
                problems.append(f"{service}.{operation}: no check at all")
            for need in found:
                own = need.action == f"{prefix}:{operation}"
                if not own and reference_action(need.action) is None:
                    problems.append(f"{service}.{operation}: {need.action} is not an IAM action")
    assert checked > 1500
    assert not problems, "\n".join(problems)
