"""Helpers for the authorization tests: template tweaks on the gateway rig's fixture API
(Lambda authorizers, AWS_IAM, API keys and usage plans) and a SigV4 signer with a clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from gateway_rig import ACCOUNT, API_ID, BASE, REGION, without_limits

from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY
from stratus.local.provision.model import Deployment, Resource

PUBLIC_METHOD = "ApipublicproxyANY"
STACK = "GwFixture"


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def invoke_uri(function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def arn_of(verb: str, path: str, stage: str = "prod") -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{stage}/{verb}/{path.lstrip('/')}"


def add(deployment: Deployment, logical: str, rtype: str, props: dict[str, Any]) -> Resource:
    res = Resource(STACK, logical, rtype, props, physical_id=logical.lower()[:10])
    deployment.stacks[STACK].resources[logical] = res
    return res


def public_method(deployment: Deployment) -> dict[str, Any]:
    for res in deployment.resources("AWS::ApiGateway::Method"):
        if res.logical_id.startswith(PUBLIC_METHOD):
            return res.properties
    raise KeyError(PUBLIC_METHOD)


def protect(deployment: Deployment, **method_props: Any) -> None:
    """No limits; the public {proxy+} ANY method gets `method_props` (AuthorizationType...)."""
    without_limits(deployment)
    public_method(deployment).update(method_props)


def lambda_authorizer(
    deployment: Deployment,
    kind: str,
    function: str = "Authz",
    *,
    source: str | None = "method.request.header.Authorization",
    ttl: int | None = None,
    expression: str | None = None,
) -> str:
    props: dict[str, Any] = {
        "RestApiId": API_ID,
        "Type": kind,
        "Name": f"{kind.lower()}-authorizer",
        "AuthorizerUri": invoke_uri(fn_arn(function)),
    }
    if source is not None:
        props["IdentitySource"] = source
    if ttl is not None:
        props["AuthorizerResultTtlInSeconds"] = ttl
    if expression is not None:
        props["IdentityValidationExpression"] = expression
    res = add(deployment, f"Lambda{kind.title()}Authz", "AWS::ApiGateway::Authorizer", props)
    protect(deployment, AuthorizationType="CUSTOM", AuthorizerId=res.physical_id)
    return res.physical_id


def policy(effect: str, resource: str, principal: str = "user-1", **extra: Any) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        **extra,
    }


# -- SigV4 ------------------------------------------------------------------------------


def _at(epoch: float) -> Any:
    return mock.patch(
        "botocore.auth.get_current_datetime",
        return_value=dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None),
    )


def sign(
    method: str,
    path: str,
    now: float,
    *,
    body: bytes = b"",
    key: str = ROOT_ACCESS_KEY_ID,
    secret: str = ROOT_SECRET_ACCESS_KEY,
    token: str | None = None,
    service: str = "execute-api",
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers botocore sends for a SigV4-signed call to BASE + path at `now`."""
    request = AWSRequest(method=method, url=BASE + path, data=body, headers=dict(headers or {}))
    with _at(now):
        SigV4Auth(Credentials(key, secret, token), service, REGION).add_auth(request)
    return dict(request.headers.items())


def presign(method: str, path: str, now: float, *, expires: int = 60, **creds: str) -> str:
    request = AWSRequest(method=method, url=BASE + path)
    credentials = Credentials(
        creds.get("key", ROOT_ACCESS_KEY_ID),
        creds.get("secret", ROOT_SECRET_ACCESS_KEY),
        creds.get("token"),
    )
    with _at(now):
        SigV4QueryAuth(credentials, "execute-api", REGION, expires=expires).add_auth(request)
    return str(request.url)
