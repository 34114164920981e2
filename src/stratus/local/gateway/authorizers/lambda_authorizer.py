"""Lambda authorizers (TOKEN and REQUEST) of REST API methods, as API Gateway runs them.

- Input events, exactly AWS's: TOKEN `{"type","authorizationToken","methodArn"}`; REQUEST
  the proxy event's request fields (no body) plus `type` and `methodArn`
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html).
- Identity sources: a missing or empty one is 401 Unauthorized without invoking the
  function; a TOKEN that fails IdentityValidationExpression too
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html,
  AWS::ApiGateway::Authorizer IdentitySource).
- Output: principalId, policyDocument (evaluated against the method ARN: explicit Deny 403,
  no Allow 403), context (string, number or boolean values only; passed to the integration
  as `requestContext.authorizer.*`, stringified as REST proxy events carry them),
  usageIdentifierKey (the API key when apiKeySource is AUTHORIZER)
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
- The result (the policy, not the decision) is cached per authorizer and identity source
  values for AuthorizerResultTtlInSeconds (default 300, 0 = off); a cached policy is
  evaluated again for each method ARN, as AWS does, and the function is not invoked.
- A function error with the message "Unauthorized" is 401; any other error, a timeout or a
  malformed output is 500 AuthorizerConfigurationException.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.core.contracts import (
    FunctionNotFoundError,
    LambdaInvoker,
    TooManyRequestsError,
)
from stratus.local.gateway import errors as E
from stratus.local.gateway.authorizers import errors as A
from stratus.local.gateway.authorizers.policies import condition_context, evaluate_invoke
from stratus.local.gateway.config import Authorizer, Method, RestApi, Stage
from stratus.local.gateway.errors import GatewayError, parameter_value
from stratus.local.gateway.proxy import RequestInfo, build_event

AUTHORIZER_TIMEOUT_S = 30.0  # API Gateway waits up to 30 s for an authorizer


class LambdaDenied(Exception):
    def __init__(self, error: GatewayError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


@dataclass(frozen=True)
class AuthorizerOutput:
    principal_id: str
    policy: dict[str, Any]
    context: dict[str, str]
    usage_identifier_key: str | None


@dataclass(frozen=True)
class LambdaGrant:
    output: AuthorizerOutput
    latency_ms: int  # 0 for a cached result, as `integrationLatency` reports it

    def event_authorizer(self) -> dict[str, Any]:
        """requestContext.authorizer of the integration's proxy event."""
        return {
            **self.output.context,
            "principalId": self.output.principal_id,
            "integrationLatency": self.latency_ms,
        }


class LambdaAuthorizers:
    def __init__(
        self,
        lambdas: LambdaInvoker,
        clock: Callable[[], float],
        max_entries: int = 4096,
        timeout_s: float = AUTHORIZER_TIMEOUT_S,
    ) -> None:
        self._lambdas = lambdas
        self._clock = clock
        self._max = max_entries
        self._timeout = timeout_s
        self._cache: OrderedDict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerOutput]] = (
            OrderedDict()
        )
        self.invocations = 0  # authorizer functions invoked (cache misses), for tests

    async def authorize(
        self,
        authorizer: Authorizer,
        req: RequestInfo,
        hmap: Mapping[str, str],
        api: RestApi,
        stage: Stage,
        method: Method,
        path_params: Mapping[str, str],
        arn: str,
    ) -> LambdaGrant:
        values = identity_values(authorizer, req, hmap, stage)
        if values is None:
            raise LambdaDenied(E.UNAUTHORIZED, "identity source missing")
        key = (authorizer.authorizer_id, values)
        now = self._clock()
        cached = self._cache.get(key) if authorizer.ttl > 0 and values else None
        latency = 0
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(key)
            output = cached[1]
        else:
            started = self._clock()
            output = await self._invoke(authorizer, req, api, stage, method, path_params, arn)
            latency = int((self._clock() - started) * 1000)
            if authorizer.ttl > 0 and values:
                self._cache[key] = (now + authorizer.ttl, output)
                if len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        decision = evaluate_invoke(
            [output.policy], arn, condition_context(req.source_ip, self._clock())
        )
        if decision.explicit_deny:
            raise LambdaDenied(A.EXPLICIT_DENY, "explicit deny")
        if not decision.allowed:
            raise LambdaDenied(A.NOT_AUTHORIZED, "no allow")
        return LambdaGrant(output, latency)

    async def _invoke(
        self,
        authorizer: Authorizer,
        req: RequestInfo,
        api: RestApi,
        stage: Stage,
        method: Method,
        path_params: Mapping[str, str],
        arn: str,
    ) -> AuthorizerOutput:
        if authorizer.function_arn is None:
            raise LambdaDenied(A.AUTHORIZER_ERROR, "no function in AuthorizerUri")
        if authorizer.type == "TOKEN":
            event: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": req.header_map().get(authorizer.header, ""),
                "methodArn": arn,
            }
        else:
            event = request_event(req, api, stage, method, path_params, arn)
        self.invocations += 1
        try:
            result = await asyncio.wait_for(
                self._lambdas.invoke(
                    authorizer.function_arn, json.dumps(event, separators=(",", ":")).encode()
                ),
                self._timeout,
            )
        except (TimeoutError, TooManyRequestsError, FunctionNotFoundError) as exc:
            raise LambdaDenied(A.AUTHORIZER_ERROR, type(exc).__name__) from None
        if result.function_error:
            if _error_message(result.payload) == "Unauthorized":
                raise LambdaDenied(E.UNAUTHORIZED, "authorizer said Unauthorized")
            raise LambdaDenied(A.AUTHORIZER_ERROR, "authorizer function error")
        if result.status_code != 200:
            raise LambdaDenied(A.AUTHORIZER_ERROR, f"invoke status {result.status_code}")
        output = parse_output(result.payload)
        if output is None:
            raise LambdaDenied(A.AUTHORIZER_ERROR, "malformed authorizer output")
        return output


def identity_values(
    authorizer: Authorizer, req: RequestInfo, hmap: Mapping[str, str], stage: Stage
) -> tuple[str, ...] | None:
    """The identity source values (the cache key), or None when one is missing or empty
    or a TOKEN fails IdentityValidationExpression."""
    if authorizer.type == "TOKEN":
        token = hmap.get(authorizer.header, "")
        if not token:
            return None
        expr = authorizer.validation_expression
        if expr and re.fullmatch(expr, token) is None:
            return None
        return (token,)
    values: list[str] = []
    query = req.query_map()
    for source in authorizer.identity_sources:
        if source.startswith("context."):
            value = _context_value(source[len("context.") :], req, stage)
        else:
            value = parameter_value(source, hmap, query, {}, stage.variables)
        if not value:
            return None
        values.append(value)
    return tuple(values)


def _context_value(name: str, req: RequestInfo, stage: Stage) -> str | None:
    known = {
        "identity.sourceIp": req.source_ip,
        "identity.userAgent": req.header_map().get("user-agent"),
        "httpMethod": req.method,
        "stage": stage.name,
        "apiId": stage.api_id,
        "requestId": req.request_id,
        "domainName": req.host,
    }
    return known.get(name)


def request_event(
    req: RequestInfo,
    api: RestApi,
    stage: Stage,
    method: Method,
    path_params: Mapping[str, str],
    arn: str,
) -> dict[str, Any]:
    """A REQUEST authorizer's input: the proxy event's request fields, without the body."""
    proxy = build_event(req, api, stage, method, path_params, None)
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": arn}
    for name in (
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
    ):
        event[name] = proxy.get(name)
    # The proxy event's accountId is the integration function's; the authorizer's is the API's.
    event["requestContext"]["accountId"] = arn.split(":")[4]
    return event


def _error_message(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    return str(body.get("errorMessage")) if isinstance(body, dict) else None


def parse_output(payload: bytes) -> AuthorizerOutput | None:
    """AWS's output shape, or None when API Gateway would refuse it."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    policy = body.get("policyDocument")
    principal = body.get("principalId")
    if not isinstance(policy, dict) or "Statement" not in policy or principal is None:
        return None
    raw_context = body.get("context") or {}
    if not isinstance(raw_context, dict):
        return None
    context: dict[str, str] = {}
    for name, value in raw_context.items():
        if isinstance(value, bool):
            context[str(name)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            context[str(name)] = str(value)
        elif value is None:
            continue
        else:
            return None  # AWS: objects and arrays in context are a configuration error
    key = body.get("usageIdentifierKey")
    return AuthorizerOutput(
        principal_id=str(principal),
        policy=policy,
        context=context,
        usage_identifier_key=str(key) if key else None,
    )
