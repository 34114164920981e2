"""HTTP API authorizers: JWT, and Lambda (REQUEST) with simple or IAM-policy responses.

JWT (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
the identity source holds the token, alone or after "Bearer "; the signature (RSA) is checked
against the issuer's JWKS; `iss` must equal the configured issuer, `aud` or `client_id` one
of the audiences, `exp` in the future and `nbf` in the past; a route with scopes needs one
of them in `scope` (or `scp`). Failures are 401 {"message":"Unauthorized"} with a
`www-authenticate` header saying why (http-api-troubleshooting-jwt.html); a valid token
without the route's scope is 403 {"message":"Forbidden"}. A Cognito issuer
(https://cognito-idp.{region}.amazonaws.com/{poolId}) is checked against the local cloud's
own Cognito keys; any other issuer's JWKS is fetched from its OpenID configuration, as AWS
does (so a local OIDC server works; an unreachable one is 401).
Claims reach the integration as strings; arrays as "[a b]" (AWS's serialization).

Lambda (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
every identity source must be present, else 401 without invoking the function; results are
cached by identity-source values for AuthorizerResultTtlInSeconds; a simple response
`{"isAuthorized": bool, "context": {...}}` (or an IAM policy) allows or denies (403); an
error or a malformed answer is 500 {"message":"Internal Server Error"}.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from stratus.local.core.contracts import LambdaInvoker, TokenKeys
from stratus.local.gateway.http_api.config import Authorizer
from stratus.local.gateway.http_api.events import AuthContext

_COGNITO_ISSUER = "https://cognito-idp.{region}.amazonaws.com/"
LAMBDA_AUTHORIZER_TIMEOUT_S = 10.0  # AWS: Lambda authorizers time out after 10 s


class Denied(Exception):
    """The authorizer said no: `status` is 401, 403 or 500; `headers` go to the client."""

    def __init__(self, status: int, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def _invalid(description: str) -> Denied:
    challenge = f'Bearer scope="" error="invalid_token" error_description="{description}"'
    return Denied(401, description, (("www-authenticate", challenge),))


def claim_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, dict):
            out[name] = json.dumps(value, separators=(",", ":"))
        else:
            out[name] = str(value)
    return out


class JwtAuthorizers:
    def __init__(
        self,
        token_keys: TokenKeys,
        region: str,
        clock: Callable[[], float],
        fetch_jwks: Callable[[str], Any] | None = None,
    ) -> None:
        self._keys = token_keys
        self._cognito_prefix = _COGNITO_ISSUER.format(region=region)
        self._clock = clock
        self._fetch = fetch_jwks or fetch_oidc_jwks
        self._remote: dict[str, tuple[float, dict[str, Any]]] = {}

    async def _jwks(self, issuer: str) -> dict[str, Any]:
        if issuer.startswith(self._cognito_prefix):
            return self._keys.jwks()
        cached = self._remote.get(issuer)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        try:
            keys = await self._fetch(issuer)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise _invalid("unable to fetch the issuer's signing keys") from exc
        self._remote[issuer] = (self._clock() + 300, keys)
        return dict(keys)

    async def authorize(
        self, authorizer: Authorizer, scopes: tuple[str, ...], token: str | None
    ) -> AuthContext:
        if not token:
            raise Denied(401, "no token", (("www-authenticate", "Bearer"),))
        token = token.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if token.count(".") != 2:
            raise _invalid("the token is not a valid JWT")
        jwks = await self._jwks(authorizer.issuer)
        try:
            decoded = jwt.decode(
                token,
                KeySet.import_key_set(jwks),  # type: ignore[arg-type]
                algorithms=["RS256", "RS384", "RS512"],
            )
        except (JoseError, ValueError) as exc:
            raise _invalid("signing method or key is not valid") from exc
        claims: dict[str, Any] = dict(decoded.claims)
        now = self._clock()
        if claims.get("iss") != authorizer.issuer:
            raise _invalid("the token does not have a valid issuer")
        audiences = set(authorizer.audience)
        if audiences and not (
            _as_set(claims.get("aud")) & audiences or claims.get("client_id") in audiences
        ):
            raise _invalid("the token does not have a valid audience")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise _invalid("the token has expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf > now:
            raise _invalid("the token is not valid yet")
        granted = str(claims.get("scope") or claims.get("scp") or "").split()
        if scopes and not set(granted) & set(scopes):
            challenge = (
                f'Bearer scope="{" ".join(scopes)}" error="insufficient_scope" '
                f'error_description="expected scopes: [{" ".join(scopes)}]"'
            )
            raise Denied(403, "insufficient scope", (("www-authenticate", challenge),))
        return AuthContext(jwt_claims=claim_strings(claims), jwt_scopes=granted or None)


def _as_set(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(v) for v in value}
    return set()


async def fetch_oidc_jwks(issuer: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        config = (await client.get(issuer.rstrip("/") + "/.well-known/openid-configuration")).json()
        keys: dict[str, Any] = (await client.get(str(config["jwks_uri"]))).json()
        return keys


@dataclass(frozen=True)
class _Decision:
    allowed: bool | None  # None: an IAM policy, evaluated per route ARN
    policy: tuple[tuple[str, str], ...]  # (effect, resource pattern) for execute-api:Invoke
    context: dict[str, Any]
    principal_id: str | None


class LambdaAuthorizers:
    def __init__(
        self, lambdas: LambdaInvoker, clock: Callable[[], float], max_entries: int = 4096
    ) -> None:
        self._lambdas = lambdas
        self._clock = clock
        self._max = max_entries
        self._cache: OrderedDict[tuple[str, tuple[str, ...]], tuple[float, _Decision]] = (
            OrderedDict()
        )
        self.invocations = 0

    async def authorize(
        self,
        authorizer: Authorizer,
        identity: list[str] | None,
        route_arn: str,
        event: Callable[[], dict[str, Any]],
    ) -> AuthContext:
        """`identity`: the identity-source values (None: one is missing -> 401)."""
        if identity is None:
            raise Denied(401, "identity source missing")
        key = (authorizer.authorizer_id, tuple(identity))
        decision: _Decision | None = None
        if authorizer.ttl_seconds > 0 and identity:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > self._clock():
                decision = hit[1]
                self._cache.move_to_end(key)
        if decision is None:
            decision = await self._invoke(authorizer, event())
            if authorizer.ttl_seconds > 0 and identity:
                self._cache[key] = (self._clock() + authorizer.ttl_seconds, decision)
                if len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        allowed = decision.allowed
        if allowed is None:
            allowed = _policy_allows(decision.policy, route_arn)
        if not allowed:
            raise Denied(403, "denied by the authorizer")
        return AuthContext(lambda_context=decision.context, principal_id=decision.principal_id)

    async def _invoke(self, authorizer: Authorizer, event: dict[str, Any]) -> _Decision:
        if authorizer.function_arn is None:
            raise Denied(500, "authorizer has no function")
        self.invocations += 1
        try:
            result = await asyncio.wait_for(
                self._lambdas.invoke(authorizer.function_arn, json.dumps(event).encode()),
                LAMBDA_AUTHORIZER_TIMEOUT_S,
            )
        except Exception as exc:  # timeout, throttle, missing function: AWS answers 500
            raise Denied(500, f"authorizer invoke failed: {type(exc).__name__}") from exc
        if result.function_error or result.status_code != 200:
            raise Denied(500, "authorizer function error")
        try:
            data = json.loads(result.payload)
        except ValueError as exc:
            raise Denied(500, "authorizer response is not JSON") from exc
        if not isinstance(data, dict):
            raise Denied(500, "authorizer response is not an object")
        context = data.get("context") or {}
        if not isinstance(context, dict):
            raise Denied(500, "authorizer context is not an object")
        if authorizer.simple_responses and authorizer.payload_version == "2.0":
            allowed = data.get("isAuthorized")
            if not isinstance(allowed, bool):
                raise Denied(500, "isAuthorized must be a boolean")
            return _Decision(allowed, (), context, None)
        return _Decision(None, _policy(data), context, _str_or_none(data.get("principalId")))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _policy(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    doc = data.get("policyDocument")
    if not isinstance(doc, dict) or not isinstance(doc.get("Statement"), list | dict):
        raise Denied(500, "authorizer response has no policyDocument")
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    out: list[tuple[str, str]] = []
    for st in statements:
        if not isinstance(st, dict):
            raise Denied(500, "policy statement is not an object")
        actions = st.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(a)) for a in actions):
            continue
        resources = st.get("Resource")
        resources = resources if isinstance(resources, list) else [resources]
        for res in resources:
            out.append((str(st.get("Effect", "")), str(res)))
    return tuple(out)


def _policy_allows(policy: tuple[tuple[str, str], ...], route_arn: str) -> bool:
    matching = [effect for effect, pattern in policy if fnmatch.fnmatchcase(route_arn, pattern)]
    return "Allow" in matching and "Deny" not in matching


def identity_values(
    sources: tuple[str, ...],
    header: Callable[[str], str | None],
    query: Mapping[str, str],
    context: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> list[str] | None:
    """The values of a Lambda authorizer's identity sources; None when one is missing."""
    values: list[str] = []
    for source in sources:
        value: str | None = None
        if source.startswith("$request.header."):
            value = header(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source.removeprefix("$request.querystring."))
        elif source.startswith("$context."):
            value = context.get(source.removeprefix("$context."))
        elif source.startswith("$stageVariables."):
            value = stage_variables.get(source.removeprefix("$stageVariables."))
        if not value:
            return None
        values.append(value)
    return values
