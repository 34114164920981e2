"""stratus.runtime: claims, client factories and the one error -> HTTP mapping."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime import clients
from stratus.runtime.auth import caller_sub
from stratus.runtime.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    UnauthorizedError,
)
from stratus.runtime.responses import (
    ENV_CORS_ALLOW_ORIGIN,
    cors_config,
    json_body_loader,
    register_error_handlers,
)


@pytest.mark.parametrize(
    "context",
    [None, {}, {"authorizer": None}, {"authorizer": {"claims": {}}},
     {"authorizer": {"claims": {"sub": ""}}}, {"authorizer": {"claims": "sub=x"}}],
)
def test_missing_claims_are_unauthorized(context: Any) -> None:
    with pytest.raises(UnauthorizedError):
        caller_sub({"requestContext": context})


def test_sub_is_read_from_authorizer_claims() -> None:
    assert caller_sub({"requestContext": {"authorizer": {"claims": {"sub": "abc"}}}}) == "abc"


def _settings(dax: str | None) -> Any:
    return SimpleNamespace(region="us-east-1", dax_endpoint=dax)


def test_http_dax_endpoint_is_a_dynamodb_client_pointed_at_it() -> None:
    client = clients.dynamodb_client(_settings("http://127.0.0.1:8111"))
    assert client.meta.endpoint_url == "http://127.0.0.1:8111"
    assert clients.uses_dax(_settings("http://127.0.0.1:8111"))


def test_no_dax_is_a_plain_dynamodb_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    client = clients.dynamodb_client(_settings(None))
    assert client.meta.service_model.service_name == "dynamodb"
    assert "amazonaws.com" in client.meta.endpoint_url


def test_s3_client_is_sigv4_and_path_style_with_endpoint_override() -> None:
    local = clients.s3_client(_settings(None), {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert local.meta.config.signature_version == "s3v4"
    assert local.meta.config.s3["addressing_style"] == "path"
    assert clients.s3_client(_settings(None), {}).meta.config.s3["addressing_style"] == "auto"


def test_cors_origin_is_configurable() -> None:
    pinned = cors_config({ENV_CORS_ALLOW_ORIGIN: "https://app.example"})
    assert pinned.allowed_origin("https://app.example") == "https://app.example"
    assert pinned.allowed_origin("https://evil.example") is None
    assert cors_config({}).allowed_origin("https://any.example") == "*"


def _app(exc: Exception) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(json_body_deserializer=json_body_loader(10))
    register_error_handlers(app)

    @app.get("/boom")
    def boom() -> dict[str, Any]:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [(NotFoundError("x"), 404, "NotFound"), (ConflictError("x"), 409, "Conflict"),
     (PreconditionFailedError("x"), 412, "PreconditionFailed"),
     (UnauthorizedError("x"), 401, "Unauthorized"), (KeyError("secret"), 500, "InternalError")],
)
def test_errors_map_to_status_and_json_body(exc: Exception, status: int, code: str) -> None:
    event = {"httpMethod": "GET", "path": "/boom", "headers": {}, "requestContext": {}}
    result = _app(exc).resolve(event, None)  # type: ignore[arg-type]
    assert result["statusCode"] == status
    assert result["multiValueHeaders"]["Content-Type"] == ["application/json"]
    body = json.loads(result["body"])
    assert body["error"] == code
    assert "secret" not in result["body"]


def test_body_loader_rejects_oversize_bodies() -> None:
    from stratus.runtime.errors import PayloadTooLargeError

    assert json_body_loader(10)('{"a": 1}') == {"a": 1}
    with pytest.raises(PayloadTooLargeError):
        json_body_loader(10)('{"a": "0123456789"}')
