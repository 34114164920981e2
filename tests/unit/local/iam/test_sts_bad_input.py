"""Bad STS requests get STS's 4xx errors in its XML shape, never a 500: missing or malformed
parameters, unsigned or half-signed calls, garbage tokens."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from sts_rig import Rig


def _post(rig: Rig, form: dict[str, str], *, sign: bool = True) -> httpx.Response:
    body = urlencode({"Version": "2011-06-15", **form})
    request = AWSRequest(
        method="POST",
        url=rig.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    if sign:
        SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(request)
    return httpx.post(str(request.url), content=body, headers=dict(request.headers.items()))


def _code(response: httpx.Response) -> str:
    text = response.text
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0]


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"Action": "AssumeRole"}, 400, "ValidationError"),
        (
            {"Action": "AssumeRole", "RoleArn": "arn:aws:iam::000000000000:role/r"},
            400,
            "ValidationError",
        ),
        (
            {
                "Action": "AssumeRole",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
                "RoleSessionName": "ok-name",
                "DurationSeconds": "soon",
            },
            400,
            "ValidationError",
        ),
        (
            {
                "Action": "AssumeRole",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
                "RoleSessionName": "ok-name",
                "Policy": "[1, 2]",
            },
            400,
            "MalformedPolicyDocument",
        ),
        (
            {
                "Action": "AssumeRole",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
                "RoleSessionName": "ok-name",
                "Tags.member.1.Value": "no key",
            },
            400,
            "ValidationError",
        ),
        (
            {
                "Action": "AssumeRole",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
                "RoleSessionName": "ok-name",
                "Tags.member.1.Key": "a",
                "Tags.member.1.Value": "b",
                "TransitiveTagKeys.member.1": "not-a-tag",
            },
            400,
            "InvalidParameterValue",
        ),
        ({"Action": "GetSessionToken", "DurationSeconds": "129601"}, 400, "ValidationError"),
        ({"Action": "GetAccessKeyInfo"}, 400, "ValidationError"),
    ],
)
def test_bad_parameters_are_validation_errors(
    rig: Rig, form: dict[str, str], status: int, code: str
) -> None:
    response = _post(rig, form)
    assert (response.status_code, _code(response)) == (status, code), response.text
    assert "<ErrorResponse>" in response.text and "<Type>Sender</Type>" in response.text


def test_unsigned_or_half_signed_calls_are_refused(rig: Rig) -> None:
    unsigned = _post(rig, {"Action": "GetCallerIdentity"}, sign=False)
    assert (unsigned.status_code, _code(unsigned)) == (403, "MissingAuthenticationToken")
    half = httpx.post(
        rig.endpoint + "/",
        content="Action=GetCallerIdentity&Version=2011-06-15",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request",
        },
    )
    assert half.status_code == 400 and _code(half) == "IncompleteSignature"


def test_garbage_web_identity_tokens_are_invalid_identity_tokens(rig: Rig) -> None:
    for token in ("x" * 10, "a.b.c", "e30.e30.e30"):
        response = _post(
            rig,
            {
                "Action": "AssumeRoleWithWebIdentity",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
                "RoleSessionName": "web",
                "WebIdentityToken": token,
            },
            sign=False,
        )
        assert response.status_code == 400, response.text
        assert _code(response) == "InvalidIdentityToken"
