"""AWS_IAM methods: full SigV4 verification and execute-api:Invoke evaluated as AWS does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from auth_rig import arn_of, presign, protect, sign
from gateway_rig import ACCOUNT, API_ID, Rig

from stratus.local.core.settings import ROOT_ACCESS_KEY_ID

ROLE = f"arn:aws:iam::{ACCOUNT}:role/CallerRole"


@pytest.fixture
def iam(tmp_path: Path) -> Rig:
    return Rig(tmp_path, tweak=lambda d: protect(d, AuthorizationType="AWS_IAM"))


def _call(rig: Rig, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Any:
    return rig.request(method, path, headers=headers, content=body)


def _role_caller(rig: Rig, statements: list[dict[str, Any]], **kw: Any) -> Any:
    return rig.ctx.credentials.issue(
        kind="function",
        role_arn=ROLE,
        policies=[{"Version": "2012-10-17", "Statement": statements}],
        ttl_seconds=None,
        subject="caller-fn",
        **kw,
    )


def test_unsigned_request_is_403_missing_authentication_token(iam: Rig) -> None:
    resp = iam.request("GET", "/public/x")
    assert resp.status_code == 403
    assert resp.json() == {"message": "Missing Authentication Token"}
    assert iam.lambdas.events == []


def test_correctly_signed_request_reaches_the_handler_with_its_identity(iam: Rig) -> None:
    resp = _call(
        iam,
        "GET",
        "/public/x?a=1&b=two%20words",
        sign("GET", "/public/x?a=1&b=two%20words", iam.clock.now),
    )
    assert resp.status_code == 200, resp.text
    identity = iam.lambdas.events[0]["requestContext"]["identity"]
    assert identity["accessKey"] == ROOT_ACCESS_KEY_ID
    assert identity["userArn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert identity["accountId"] == identity["caller"] == identity["user"] == ACCOUNT


def test_signed_body_is_checked(iam: Rig) -> None:
    headers = sign("POST", "/public/x", iam.clock.now, body=b'{"a":1}')
    assert _call(iam, "POST", "/public/x", headers, b'{"a":1}').status_code == 200
    tampered = _call(iam, "POST", "/public/x", headers, b'{"a":2}')
    assert tampered.status_code == 403
    assert tampered.headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_wrong_secret_is_403_signature_mismatch_with_the_canonical_request(iam: Rig) -> None:
    resp = _call(iam, "GET", "/public/x", sign("GET", "/public/x", iam.clock.now, secret="nope"))
    assert resp.status_code == 403
    message = resp.json()["message"]
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )
    assert f"GET\n/restapis/{API_ID}/prod/public/x\n" in message


def test_unknown_access_key_is_403_invalid_security_token(iam: Rig) -> None:
    resp = _call(iam, "GET", "/public/x", sign("GET", "/public/x", iam.clock.now, key="AKIANOPE"))
    assert (resp.status_code, resp.json()) == (
        403,
        {"message": "The security token included in the request is invalid."},
    )
    assert resp.headers["x-amzn-errortype"] == "UnrecognizedClientException"


def test_signature_older_than_five_minutes_is_403_signature_expired(iam: Rig) -> None:
    headers = sign("GET", "/public/x", iam.clock.now - 301)
    resp = _call(iam, "GET", "/public/x", headers)
    assert resp.status_code == 403
    assert resp.json()["message"].startswith("Signature expired: ")
    assert resp.json()["message"].endswith(" - 5 min.)")
    assert (
        _call(iam, "GET", "/public/x", sign("GET", "/public/x", iam.clock.now - 290)).status_code
        == 200
    )


def test_expired_temporary_credentials_are_403_expired_token(iam: Rig) -> None:
    caller = _role_caller(iam, [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    caller.expires_at = iam.clock.now - 1
    headers = sign(
        "GET", "/public/x", iam.clock.now, key=caller.access_key_id, secret=caller.secret_access_key
    )
    resp = _call(iam, "GET", "/public/x", headers)
    assert (resp.status_code, resp.json()["message"]) == (
        403,
        "The security token included in the request is expired",
    )


def test_session_key_without_its_token_is_invalid(iam: Rig) -> None:
    caller = iam.ctx.credentials.issue(
        kind="identity", role_arn=ROLE, policies=None, subject="id-1"
    )
    headers = sign(
        "GET", "/public/x", iam.clock.now, key=caller.access_key_id, secret=caller.secret_access_key
    )
    assert _call(iam, "GET", "/public/x", headers).status_code == 403
    good = sign(
        "GET",
        "/public/x",
        iam.clock.now,
        key=caller.access_key_id,
        secret=caller.secret_access_key,
        token=caller.session_token,
    )
    assert _call(iam, "GET", "/public/x", good).status_code == 200


def test_bearer_token_on_an_iam_method_names_the_missing_sigv4_parts(iam: Rig) -> None:
    resp = iam.request("GET", "/public/x", headers={"Authorization": "Bearer abc"})
    assert resp.status_code == 403
    assert resp.json()["message"].startswith(
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter."
    )
    assert resp.headers["x-amzn-errortype"] == "IncompleteSignatureException"


def test_policy_allowing_one_method_refuses_another_in_aws_words(iam: Rig) -> None:
    caller = _role_caller(
        iam,
        [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": arn_of("GET", "/public/*"),
            }
        ],
    )
    creds = {"key": caller.access_key_id, "secret": caller.secret_access_key}
    ok = _call(iam, "GET", "/public/a", sign("GET", "/public/a", iam.clock.now, **creds))
    assert ok.status_code == 200
    identity = iam.lambdas.events[0]["requestContext"]["identity"]
    assert identity["userArn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/CallerRole/caller-fn"
    assert identity["caller"].startswith("AROA") and identity["caller"].endswith(":caller-fn")
    refused = _call(iam, "DELETE", "/public/a", sign("DELETE", "/public/a", iam.clock.now, **creds))
    assert refused.status_code == 403
    assert refused.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert json.loads(refused.text) == {
        "Message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/CallerRole/caller-fn is not "
        f"authorized to perform: execute-api:Invoke on resource: {arn_of('DELETE', '/public/a')} "
        "because no identity-based policy allows the execute-api:Invoke action"
    }


def test_explicit_deny_in_the_identity_policy_wins(iam: Rig) -> None:
    caller = _role_caller(
        iam,
        [
            {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "execute-api:Invoke",
                "Resource": arn_of("*", "/public/secret"),
            },
        ],
    )
    creds = {"key": caller.access_key_id, "secret": caller.secret_access_key}
    resp = _call(
        iam, "GET", "/public/secret", sign("GET", "/public/secret", iam.clock.now, **creds)
    )
    assert resp.status_code == 403
    assert resp.json()["Message"].endswith("with an explicit deny in an identity-based policy")


def test_resource_policy_can_allow_a_caller_without_identity_policy(tmp_path: Path) -> None:
    def tweak(d: Any) -> None:
        protect(d, AuthorizationType="AWS_IAM")
        rest = next(d.resources("AWS::ApiGateway::RestApi"))
        rest.properties["Policy"] = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE},
                    "Action": "execute-api:Invoke",
                    "Resource": arn_of("GET", "/public/*"),
                }
            ],
        }

    rig = Rig(tmp_path, tweak=tweak)
    caller = _role_caller(rig, [])
    creds = {"key": caller.access_key_id, "secret": caller.secret_access_key}
    assert (
        _call(rig, "GET", "/public/a", sign("GET", "/public/a", rig.clock.now, **creds)).status_code
        == 200
    )
    assert (
        _call(rig, "PUT", "/public/a", sign("PUT", "/public/a", rig.clock.now, **creds)).status_code
        == 403
    )


def test_resource_policy_on_an_open_method_needs_an_explicit_allow(tmp_path: Path) -> None:
    def tweak(d: Any) -> None:
        protect(d)
        rest = next(d.resources("AWS::ApiGateway::RestApi"))
        rest.properties["Policy"] = json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "execute-api:Invoke",
                        "Resource": arn_of("*", "/*"),
                        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "execute-api:Invoke",
                        "Resource": arn_of("DELETE", "/*"),
                    },
                ]
            }
        )

    rig = Rig(tmp_path, tweak=tweak)  # the rig's client is 203.0.113.7
    assert rig.request("GET", "/public/a").status_code == 200
    denied = rig.request("DELETE", "/public/a")
    assert denied.status_code == 403
    assert denied.json()["Message"].startswith("User: anonymous is not authorized to perform")


def test_presigned_url_is_accepted_until_it_expires(iam: Rig) -> None:
    url = presign("GET", "/public/x?q=1", iam.clock.now, expires=60)

    async def get(u: str) -> httpx.Response:
        async with iam.client() as client:
            return await client.get(u)

    assert asyncio.run(get(url)).status_code == 200
    iam.clock.advance(61)
    late = asyncio.run(get(url))
    assert late.status_code == 403
    assert late.json()["message"].startswith("Signature expired")


def test_credential_scoped_to_another_service_is_refused(iam: Rig) -> None:
    headers = sign("GET", "/public/x", iam.clock.now, service="s3")
    resp = _call(iam, "GET", "/public/x", headers)
    assert resp.status_code == 403
    assert resp.json()["message"].startswith("Credential should be scoped to correct service")
