"""Authorization through a running cloud: the fixture app tests/fixtures/apps/apigw_auth
(AWS_IAM with identity-pool credentials, TOKEN and REQUEST Lambda authorizers, Cognito
scopes, an API key with a 3-a-day usage plan), answered as AWS answers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from unittest import mock

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import (
    aws_client,
    fixture_app_cloud,
    mint_token,
    sign_up_and_login,
    signing_key,
    stack_api,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "apigw_auth", "apigw-auth-app") as handle:
        yield handle


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with stack_api(cloud) as client:
        yield client


@pytest.fixture(scope="module")
def identity(cloud: LocalCloudHandle) -> dict[str, str]:
    """Identity-pool credentials of a signed-in user (the CallerRole's policies)."""
    user = sign_up_and_login(cloud)
    client = aws_client(cloud, "cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{cloud.stack_output('UserPoolId')}"
    identity_id = client.get_id(
        IdentityPoolId=cloud.stack_output("IdentityPoolId"), Logins={provider: user.id_token}
    )["IdentityId"]
    creds = client.get_credentials_for_identity(
        IdentityId=identity_id, Logins={provider: user.id_token}
    )["Credentials"]
    return {
        "key": creds["AccessKeyId"],
        "secret": creds["SecretKey"],
        "token": creds["SessionToken"],
        "identity_id": identity_id,
    }


def signed(
    api: httpx.Client, path: str, creds: dict[str, str], *, at: float | None = None
) -> httpx.Response:
    url = str(api.base_url).rstrip("/") + "/" + path.lstrip("/")
    request = AWSRequest(method="GET", url=url)
    signer = SigV4Auth(
        Credentials(creds["key"], creds["secret"], creds.get("token")), "execute-api", "us-east-1"
    )
    when = dt.datetime.fromtimestamp(at or time.time(), dt.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(request)
    return api.get(path, headers=dict(request.headers.items()))


def _arn(cloud: LocalCloudHandle, verb: str, path: str) -> str:
    account = str(cloud.stack_output("CallerRoleArn")).split(":")[4]
    api_id = cloud.stack_output("ApiId")
    return f"arn:aws:execute-api:us-east-1:{account}:{api_id}/prod/{verb}/{path}"


# -- AWS_IAM ------------------------------------------------------------------------------


def test_identity_credentials_invoke_the_allowed_method_with_their_identity(
    api: httpx.Client, cloud: LocalCloudHandle, identity: dict[str, str]
) -> None:
    resp = signed(api, "iam/allowed", identity)
    assert resp.status_code == 200, resp.text
    fields = resp.json()["requestContext"]["identity"]
    assert fields["accessKey"] == identity["key"]
    assert fields["cognitoIdentityId"] == identity["identity_id"]
    assert fields["cognitoIdentityPoolId"] == cloud.stack_output("IdentityPoolId")
    assert fields["cognitoAuthenticationType"] == "authenticated"
    role = str(cloud.stack_output("CallerRoleArn")).rsplit("/", 1)[-1]
    assert fields["userArn"].endswith(f":assumed-role/{role}/CognitoIdentityCredentials")


def test_identity_credentials_are_refused_on_the_other_method_in_aws_words(
    api: httpx.Client, cloud: LocalCloudHandle, identity: dict[str, str]
) -> None:
    resp = signed(api, "iam/denied", identity)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-errortype"] == "AccessDeniedException"
    message = resp.json()["Message"]
    assert message.endswith(
        "is not authorized to perform: execute-api:Invoke on resource: "
        f"{_arn(cloud, 'GET', 'iam/denied')} because no identity-based policy allows the "
        "execute-api:Invoke action"
    )


def test_unsigned_call_is_403_missing_authentication_token(api: httpx.Client) -> None:
    resp = api.get("iam/allowed")
    assert (resp.status_code, resp.json()) == (403, {"message": "Missing Authentication Token"})


def test_wrong_or_borrowed_secret_is_403_signature_mismatch(
    api: httpx.Client, identity: dict[str, str]
) -> None:
    # Another user's secret with this user's key: the signature cannot match.
    for secret in ("wrong", "test"):
        resp = signed(api, "iam/allowed", {**identity, "secret": secret})
        assert resp.status_code == 403
        assert resp.json()["message"].startswith(
            "The request signature we calculated does not match the signature you provided."
        )


def test_unknown_key_is_403_invalid_security_token(api: httpx.Client) -> None:
    resp = signed(api, "iam/allowed", {"key": "AKIAUNKNOWNKEY000000", "secret": "x"})
    assert (resp.status_code, resp.json()) == (
        403,
        {"message": "The security token included in the request is invalid."},
    )


def test_signature_from_ten_minutes_ago_is_403_signature_expired(
    api: httpx.Client, identity: dict[str, str]
) -> None:
    resp = signed(api, "iam/allowed", identity, at=time.time() - 600)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert resp.json()["message"].startswith("Signature expired: ")


# -- Lambda authorizers -------------------------------------------------------------------


def test_token_authorizer_allow_passes_its_context_and_is_cached(api: httpx.Client) -> None:
    first = api.get("token", headers={"Authorization": "allow"})
    assert first.status_code == 200, first.text
    authorizer = first.json()["requestContext"]["authorizer"]
    assert (authorizer["principalId"], authorizer["kind"]) == ("token-user", "token")
    second = api.get("token", headers={"Authorization": "allow"})
    # A cached decision: the function did not run again, its context is the cached one.
    assert second.json()["requestContext"]["authorizer"]["calls"] == authorizer["calls"]
    assert second.json()["requestContext"]["authorizer"]["integrationLatency"] == 0


def test_token_authorizer_deny_unauthorized_and_error_as_aws(api: httpx.Client) -> None:
    deny = api.get("token", headers={"Authorization": "deny"})
    assert (deny.status_code, deny.json()) == (
        403,
        {"Message": "User is not authorized to access this resource with an explicit deny"},
    )
    unauthorized = api.get("token", headers={"Authorization": "unauthorized"})
    assert (unauthorized.status_code, unauthorized.json()) == (401, {"message": "Unauthorized"})
    error = api.get("token", headers={"Authorization": "boom"})
    assert (error.status_code, error.text) == (500, '{"message":null}')
    assert error.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"
    missing = api.get("token")
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})


def test_request_authorizer_needs_every_identity_source(api: httpx.Client) -> None:
    assert api.get("request", params={"decision": "allow"}).status_code == 401
    ok = api.get("request", params={"decision": "allow"}, headers={"X-Tenant": "acme"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["requestContext"]["authorizer"]["kind"] == "request"
    assert (
        api.get("request", params={"decision": "deny"}, headers={"X-Tenant": "acme"}).status_code
        == 403
    )


# -- Cognito scopes -----------------------------------------------------------------------


def test_scoped_method_takes_only_access_tokens_with_the_scope(
    api: httpx.Client, cloud: LocalCloudHandle
) -> None:
    key = signing_key(cloud)
    client_id = cloud.stack_output("UserPoolClientId")

    def access(scope: str) -> str:
        return mint_token(
            cloud, key, kid=None, token_use="access", client_id=client_id, scope=scope, aud=None
        )

    ok = api.get("scoped", headers={"Authorization": access("openid fixture/read")})
    assert ok.status_code == 200, ok.text
    assert ok.json()["requestContext"]["authorizer"]["claims"]["scope"] == "openid fixture/read"
    assert api.get("scoped", headers={"Authorization": access("openid")}).status_code == 401
    id_token = mint_token(cloud, key, kid=None)
    assert api.get("scoped", headers={"Authorization": id_token}).status_code == 401


# -- API keys and usage plans -------------------------------------------------------------


def test_api_key_with_a_tiny_quota(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    gateway = aws_client(cloud, "apigateway")
    value = gateway.get_api_key(apiKey=cloud.stack_output("ApiKeyId"), includeValue=True)["value"]
    assert api.get("keyed").json() == {"message": "Forbidden"}
    assert api.get("keyed", headers={"x-api-key": "not-a-key"}).status_code == 403
    codes = [api.get("keyed", headers={"x-api-key": value}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    over = api.get("keyed", headers={"x-api-key": value})
    assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})
