"""The events an HTTP API sends to Lambda: payload format 2.0 and 1.0, and the 2.0
authorizer event.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
- header names lower-cased; 2.0 joins repeated headers and query parameters with commas and
  moves the Cookie header into `cookies`;
- 2.0 leaves out empty fields (`cookies`, `queryStringParameters`, `pathParameters`,
  `stageVariables`, `body`); 1.0 keeps them as null, like the REST proxy event;
- rawPath and requestContext.http.path keep the stage segment of a named stage
  (Powertools' APIGatewayProxyEventV2.path strips it for that reason);
- bodies are sent as text when their content type is text, JSON, XML or JavaScript, and
  base64-encoded otherwise (HTTP APIs have no BinaryMediaTypes).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.gateway.http_api.config import Route, Stage
from stratus.local.gateway.proxy import domain_prefix, request_time, single_and_multi


@dataclass
class HttpRequest:
    """One request to an HTTP API, as the gateway parsed it."""

    api_id: str
    account_id: str
    method: str
    raw_path: str  # as sent, after /httpapis/{apiId}: "/limited/items/1" for a named stage
    signed_path: str  # the whole path as the client sent (and SigV4-signed) it
    raw_query: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]  # names lower-cased, in arrival order
    body: bytes
    source_ip: str
    protocol: str
    host: str
    request_id: str
    epoch_ms: int

    def header(self, name: str) -> str | None:
        """Repeated headers joined with commas, as HTTP APIs pass them."""
        values = [v for k, v in self.headers if k == name]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class AuthContext:
    """What an authorizer gives the integration."""

    jwt_claims: dict[str, str] | None = None
    jwt_scopes: list[str] | None = None
    lambda_context: dict[str, Any] | None = None
    principal_id: str | None = None

    def v2(self) -> dict[str, Any] | None:
        if self.jwt_claims is not None:
            return {"jwt": {"claims": self.jwt_claims, "scopes": self.jwt_scopes}}
        if self.lambda_context is not None:
            return {"lambda": self.lambda_context}
        return None

    def v1(self) -> dict[str, Any]:
        if self.lambda_context is not None:
            out = dict(self.lambda_context)
            if self.principal_id is not None:
                out["principalId"] = self.principal_id
            return out
        return {"claims": self.jwt_claims, "scopes": self.jwt_scopes}


_TEXT_TYPES = ("json", "xml", "javascript", "text/")


def is_text(content_type: str | None) -> bool:
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or any(t in media for t in _TEXT_TYPES)


def _body(req: HttpRequest) -> tuple[str | None, bool]:
    if not req.body:
        return None, False
    if is_text(req.header("content-type")):
        try:
            return req.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(req.body).decode(), True


def _joined(pairs: list[tuple[str, str]], skip: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        if name == skip:
            continue
        out[name] = f"{out[name]},{value}" if name in out else value
    return out


def cookies_of(req: HttpRequest) -> list[str]:
    return [c.strip() for k, v in req.headers if k == "cookie" for c in v.split(";") if c.strip()]


def _context_v2(req: HttpRequest, route: Route, stage: Stage) -> dict[str, Any]:
    return {
        "accountId": req.account_id,
        "apiId": req.api_id,
        "domainName": req.host,
        "domainPrefix": domain_prefix(req.host, req.api_id),
        "http": {
            "method": req.method,
            "path": req.raw_path,
            "protocol": req.protocol,
            "sourceIp": req.source_ip,
            "userAgent": req.header("user-agent") or "",
        },
        "requestId": req.request_id,
        "routeKey": route.key,
        "stage": stage.name,
        "time": request_time(req.epoch_ms),
        "timeEpoch": req.epoch_ms,
    }


def _common_v2(
    req: HttpRequest, route: Route, stage: Stage, path_params: Mapping[str, str]
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": req.raw_path,
        "rawQueryString": req.raw_query,
    }
    cookies = cookies_of(req)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = _joined(req.headers, skip="cookie")
    if req.query:
        event["queryStringParameters"] = _joined(req.query)
    event["requestContext"] = _context_v2(req, route, stage)
    if path_params:
        event["pathParameters"] = dict(path_params)
    if stage.variables:
        event["stageVariables"] = dict(stage.variables)
    return event


def event_v2(
    req: HttpRequest,
    route: Route,
    stage: Stage,
    path_params: Mapping[str, str],
    auth: AuthContext | None,
) -> dict[str, Any]:
    """Payload format 2.0."""
    event = _common_v2(req, route, stage, path_params)
    authorizer = auth.v2() if auth is not None else None
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    body, encoded = _body(req)
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = encoded
    return event


def authorizer_event_v2(
    req: HttpRequest,
    route: Route,
    stage: Stage,
    path_params: Mapping[str, str],
    identity: list[str],
    route_arn: str,
) -> dict[str, Any]:
    """What a Lambda authorizer with payload 2.0 receives (the request without its body)
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html)."""
    event = _common_v2(req, route, stage, path_params)
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": identity,
        **{k: v for k, v in event.items() if k != "version"},
    }


def event_v1(
    req: HttpRequest,
    route: Route,
    stage: Stage,
    path_params: Mapping[str, str],
    auth: AuthContext | None,
) -> dict[str, Any]:
    """Payload format 1.0: the REST proxy event's shape, with `version` and HTTP API values."""
    headers, multi_headers = single_and_multi(req.headers)
    query, multi_query = single_and_multi(req.query)
    resource = route.path or req.raw_path  # the $default route: the request's path
    body, encoded = _body(req)
    context: dict[str, Any] = {
        "accountId": req.account_id,
        "apiId": req.api_id,
        "authorizer": (auth or AuthContext()).v1(),
        "domainName": req.host,
        "domainPrefix": domain_prefix(req.host, req.api_id),
        "extendedRequestId": req.request_id,
        "httpMethod": req.method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": req.source_ip,
            "user": None,
            "userAgent": req.header("user-agent") or "",
            "userArn": None,
        },
        "path": req.raw_path,
        "protocol": req.protocol,
        "requestId": req.request_id,
        "requestTime": request_time(req.epoch_ms),
        "requestTimeEpoch": req.epoch_ms,
        "resourceId": route.key,
        "resourcePath": resource,
        "stage": stage.name,
    }
    return {
        "version": "1.0",
        "resource": resource,
        "path": req.raw_path,
        "httpMethod": req.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": context,
        "pathParameters": dict(path_params) or None,
        "stageVariables": dict(stage.variables) or None,
        "body": body,
        "isBase64Encoded": encoded,
    }
