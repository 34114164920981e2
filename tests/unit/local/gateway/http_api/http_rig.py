"""Test rig for HTTP APIs: the fixture app's template (tests/fixtures/apps/http_api, synthesized
with aws-cdk-lib 2.275 into fixtures/http_api.template.json) resolved by hand into a
Deployment, served by HttpApiApp with in-memory Lambda functions and RSA token keys."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from gateway_rig import Clock, InMemoryLambdas, RsaTokenKeys

from stratus.local.core.contracts import LocalContext
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway.http_api import HttpApiApp
from stratus.local.iam.credentials import CredentialStore
from stratus.local.provision.model import Deployment, Resource, Stack

FIXTURE = Path(__file__).parent / "fixtures" / "http_api.template.json"
REGION = "us-east-1"
ACCOUNT = "000000000000"
API_ID = "h77papi001"
BARE_ID = "bare0api01"  # the second API: CORS, stage "v1" only, no $default route
POOL_ID = "us-east-1_HttpPool1"
CLIENT_ID = "httpclient00000000000001"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
ECHO_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:HttpApiFixture-Echo"
AUTHORIZER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:HttpApiFixture-Authorizer"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:HttpApiFixture-AccessLogs:*"
NOW = 1_795_000_000.0


def _physical_id(logical: str, rtype: str, props: dict[str, Any]) -> str:
    if rtype == "AWS::ApiGatewayV2::Api":
        return API_ID if logical.startswith("Api") else BARE_ID
    fixed = {
        "AWS::Cognito::UserPool": POOL_ID,
        "AWS::Cognito::UserPoolClient": CLIENT_ID,
    }
    if rtype in fixed:
        return fixed[rtype]
    if rtype == "AWS::ApiGatewayV2::Stage":
        return str(props["StageName"])
    if rtype == "AWS::Lambda::Function":
        return "HttpApiFixture-" + ("Echo" if logical.startswith("Echo") else "Authorizer")
    return hashlib.sha1(logical.encode()).hexdigest()[:7]


def _arn(res: Resource) -> str:
    if res.type == "AWS::Lambda::Function":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{res.physical_id}"
    if res.type == "AWS::Logs::LogGroup":
        return LOG_GROUP_ARN
    return f"arn:aws:fixture:{REGION}:{ACCOUNT}:{res.logical_id}"


def load_deployment(upstream: str | None = None) -> Deployment:
    template = json.loads(FIXTURE.read_text())
    stack = Stack(name="HttpApiFixture", template_path=FIXTURE)
    for logical, body in template["Resources"].items():
        props = body.get("Properties", {})
        stack.resources[logical] = Resource(
            stack="HttpApiFixture",
            logical_id=logical,
            type=body["Type"],
            properties={},
            physical_id=_physical_id(logical, body["Type"], props),
        )
    for res in stack.resources.values():
        res.attributes = {"Arn": _arn(res)}
        if res.type == "AWS::ApiGatewayV2::Api":
            endpoint = f"https://{res.physical_id}.execute-api.{REGION}.amazonaws.com"
            res.attributes["ApiEndpoint"] = endpoint
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
    }

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
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
        props = resolve(body.get("Properties", {}))
        if upstream and props.get("IntegrationType") == "HTTP_PROXY":
            props["IntegrationUri"] = f"{upstream}/{{proxy}}"
        stack.resources[logical].properties = props
    return Deployment(stacks={"HttpApiFixture": stack})


def echo(event: dict[str, Any]) -> Any:
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/plain"):
        return {"hello": "plain"}
    if path.endswith("/boom"):
        raise RuntimeError("boom")
    response: dict[str, Any] = {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "body": json.dumps(event),
    }
    if path.endswith("/cookies"):
        response["cookies"] = ["a=1; Path=/", "b=2; Secure"]
    return response


def simple_authorizer(event: dict[str, Any]) -> dict[str, Any]:
    token = (event.get("headers") or {}).get("authorization", "")
    return {"isAuthorized": token == "let-me-in", "context": {"user": "lambda-user", "level": 3}}


class HttpRig:
    def __init__(
        self,
        tmp: Path,
        *,
        tweak: Callable[[Deployment], None] | None = None,
        upstream: str | None = None,
        origins: dict[str, str] | None = None,
    ) -> None:
        self.deployment = load_deployment(upstream)
        if tweak is not None:
            tweak(self.deployment)
        self.lambdas = InMemoryLambdas()
        self.lambdas.register(ECHO_ARN, echo)
        self.lambdas.register(AUTHORIZER_ARN, simple_authorizer)
        self.keys = RsaTokenKeys()
        self.clock = Clock(NOW)
        self.logs: list[tuple[str, str]] = []
        self.ctx = LocalContext(
            settings=LocalSettings.for_project(tmp),
            deployment=self.deployment,
            credentials=CredentialStore(),
            lambdas=self.lambdas,
            token_keys=self.keys,
        )
        self.app = HttpApiApp(
            self.ctx,
            clock=self.clock,
            log_sink=lambda arn, line: self.logs.append((arn, line)),
            new_id=lambda: "req-1234567890=",
            origins=origins or {},
        )

    def token(self, **over: Any) -> str:
        claims: dict[str, Any] = {
            "sub": "11111111-2222-3333-4444-555555555555",
            "iss": ISSUER,
            "client_id": CLIENT_ID,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "cognito:groups": ["admins", "users"],
            "exp": int(self.clock.now) + 3600,
            "iat": int(self.clock.now) - 60,
            "username": "alice",
        }
        claims.update(over)
        return self.keys.sign({k: v for k, v in claims.items() if v is not None})

    def request(self, method: str, path: str, *, api_id: str = API_ID, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="https://127.0.0.1:4443"
            ) as client:
                return await client.request(method, f"/httpapis/{api_id}{path}", **kw)

        return asyncio.run(go())

    def deployment_client_id(self) -> str:
        return CLIENT_ID

    def deployment_echo_arn(self) -> str:
        return ECHO_ARN

    def last_event(self) -> dict[str, Any]:
        return self.lambdas.events[-1]
