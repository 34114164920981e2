"""Test rig for the gateway: a real CDK-synthesized template resolved by hand into a
Deployment, an in-memory LambdaInvoker speaking the real Invoke protocol, and RSA token keys.

The template (fixtures/gw_fixture.template.json) was synthesized with aws-cdk-lib 2.275 from
fixtures/gw_fixture_cdk_app.py.txt: RestApi with defaultCorsPreflightOptions (two origins),
CognitoUserPoolsAuthorizer, LambdaIntegration (200 ms timeout, a cache key), a {proxy+}
resource, stage variables, throttling, caching, access logs and two GatewayResponses.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from stratus.local.core.contracts import (
    FunctionNotFoundError,
    InvokeResult,
    LocalContext,
    TooManyRequestsError,
)
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway import GatewayApp, build_gateway_app
from stratus.local.iam.credentials import CredentialStore
from stratus.local.provision.model import Deployment, Resource, Stack

FIXTURE = Path(__file__).parent / "fixtures" / "gw_fixture.template.json"
REGION = "us-east-1"
ACCOUNT = "000000000000"
API_ID = "a1b2c3d4e5"
ROOT_ID = "rootres001"
POOL_ID = "us-east-1_TestPool1"
CLIENT_ID = "webclient0000000000000001"
FUNCTION_NAME = "GwFixture-Handler"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:GwFixture-AccessLogs:*"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
NOW = 1_795_000_000.0  # a fixed "now" (2026-11-18) for the injected clock
BASE = f"https://127.0.0.1:4443/restapis/{API_ID}/prod"


# -- template -> Deployment ---------------------------------------------------------
def _physical_id(logical: str, rtype: str) -> str:
    fixed = {
        "AWS::ApiGateway::RestApi": API_ID,
        "AWS::Cognito::UserPool": POOL_ID,
        "AWS::Cognito::UserPoolClient": CLIENT_ID,
        "AWS::Lambda::Function": FUNCTION_NAME,
    }
    if rtype in fixed:
        return fixed[rtype]
    return hashlib.sha1(logical.encode()).hexdigest()[:10]


def _arn(res: Resource) -> str:
    if res.type == "AWS::Cognito::UserPool":
        return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{POOL_ID}"
    if res.type == "AWS::Lambda::Function":
        return FUNCTION_ARN
    if res.type == "AWS::Logs::LogGroup":
        return LOG_GROUP_ARN
    return f"arn:aws:fixture:{REGION}:{ACCOUNT}:{res.logical_id}"


def load_deployment() -> Deployment:
    """Resolve Ref / GetAtt / Join / pseudo parameters in the fixture template."""
    template = json.loads(FIXTURE.read_text())
    stack = Stack(name="GwFixture", template_path=FIXTURE)
    for logical, body in template["Resources"].items():
        stack.resources[logical] = Resource(
            stack="GwFixture",
            logical_id=logical,
            type=body["Type"],
            properties={},
            physical_id=_physical_id(logical, body["Type"]),
        )
    for res in stack.resources.values():
        res.attributes = {"Arn": _arn(res)}
        if res.type == "AWS::ApiGateway::RestApi":
            res.attributes["RootResourceId"] = ROOT_ID

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
            name = value["Ref"]
            return pseudo.get(name) or stack.resources[name].physical_id
        if "Fn::GetAtt" in value:
            logical, attr = value["Fn::GetAtt"]
            return stack.resources[logical].attributes[attr]
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(resolve(p)) for p in parts)
        return {k: resolve(v) for k, v in value.items()}

    for logical, body in template["Resources"].items():
        stack.resources[logical].properties = resolve(body.get("Properties", {}))
    return Deployment(stacks={"GwFixture": stack})


def stage_props(deployment: Deployment) -> dict[str, Any]:
    stage = next(deployment.resources("AWS::ApiGateway::Stage"))
    return stage.properties


def method_props(deployment: Deployment, logical_prefix: str) -> dict[str, Any]:
    for res in deployment.resources("AWS::ApiGateway::Method"):
        if res.logical_id.startswith(logical_prefix):
            return res.properties
    raise KeyError(logical_prefix)


# -- Lambda double -------------------------------------------------------------------
Handler = Callable[[dict[str, Any]], Any]


class InMemoryLambdas:
    """A LambdaInvoker that runs Python functions, with Lambda's Invoke protocol: JSON bytes
    in, JSON bytes out, function_error "Unhandled" when the handler raises."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.events: list[dict[str, Any]] = []
        self.throttle = False

    def register(self, arn: str, handler: Handler) -> None:
        self.handlers[arn] = handler

    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        if self.throttle:
            raise TooManyRequestsError(function)
        handler = self.handlers.get(function)
        if handler is None:
            raise FunctionNotFoundError(function)
        event = json.loads(payload)
        self.events.append(event)
        try:
            result = handler(event)
            if isinstance(result, Awaitable):
                result = await result
        except Exception as exc:
            error = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "stackTrace": traceback.format_exception(exc),
            }
            return InvokeResult(200, json.dumps(error).encode(), function_error="Unhandled")
        raw = result if isinstance(result, bytes) else json.dumps(result).encode()
        return InvokeResult(200, raw)


def echo_handler(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
    }


# -- tokens --------------------------------------------------------------------------
class RsaTokenKeys:
    """TokenKeys with an RSA key made for the test; `sign` issues Cognito-shaped tokens."""

    def __init__(self, kid: str = "test-kid") -> None:
        self.kid = kid
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.key)


def id_claims(now: float = NOW, **over: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "aud": CLIENT_ID,
        "email_verified": True,
        "token_use": "id",
        "auth_time": int(now) - 60,
        "iss": ISSUER,
        "cognito:username": "alice",
        "cognito:groups": ["admins", "users"],
        "exp": int(now) + 3600,
        "iat": int(now) - 60,
        "email": "alice@example.com",
    }
    claims.update(over)
    return claims


def access_claims(now: float = NOW, **over: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "todo/read openid",
        "auth_time": int(now) - 60,
        "iss": ISSUER,
        "exp": int(now) + 3600,
        "iat": int(now) - 60,
        "username": "alice",
    }
    claims.update(over)
    return claims


# -- the assembled gateway -----------------------------------------------------------
class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Rig:
    def __init__(
        self,
        tmp: Path,
        *,
        tweak: Callable[[Deployment], None] | None = None,
        handler: Handler = echo_handler,
    ) -> None:
        self.deployment = load_deployment()
        if tweak is not None:
            tweak(self.deployment)
        self.lambdas = InMemoryLambdas()
        self.lambdas.register(FUNCTION_ARN, handler)
        self.keys = RsaTokenKeys()
        self.clock = Clock()
        self.logs: list[tuple[str, str]] = []
        self.ctx = LocalContext(
            settings=LocalSettings.for_project(tmp),
            deployment=self.deployment,
            credentials=CredentialStore(),
            lambdas=self.lambdas,
            token_keys=self.keys,
        )
        self.app: GatewayApp = build_gateway_app(
            self.ctx, clock=self.clock, log_sink=lambda arn, line: self.logs.append((arn, line))
        )

    def id_token(self, **over: Any) -> str:
        return self.keys.sign(id_claims(self.clock.now, **over))

    def access_token(self, **over: Any) -> str:
        return self.keys.sign(access_claims(self.clock.now, **over))

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, client=("203.0.113.7", 50000)),
            base_url="https://127.0.0.1:4443",
        )

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with self.client() as client:
                return await client.request(method, f"/restapis/{API_ID}/prod{path}", **kw)

        return asyncio.run(go())


def without_limits(deployment: Deployment) -> None:
    """Drop the fixture's throttling and caching, for tests about something else."""
    props = stage_props(deployment)
    props["MethodSettings"] = [
        {k: v for k, v in ms.items() if not k.startswith("Throttling")} | {"CachingEnabled": False}
        for ms in props["MethodSettings"]
    ]
