"""Signing in to a running local cloud with the JavaScript libraries apps use, in Node.

Amplify JS v6 (`signIn` is SRP by default), amazon-cognito-identity-js (`authenticateUser`)
and the AWS SDK for JavaScript v3 (a raw SRP exchange), from tests/clients/js (installed by
`make test`: `make clients`). Each script prints one JSON line.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle
from tests.integration.conftest import fixture_app_cloud

SCRIPTS = ROOT / "tests" / "clients" / "js"
PASSWORD = "Passw0rd!x"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    assert (SCRIPTS / "node_modules" / "aws-amplify").is_dir(), "run `make clients` first"
    with fixture_app_cloud(tmp_path_factory, "cognito_sign_in", "cognito-js-app") as handle:
        yield handle


def _user(cloud: LocalCloudHandle, pool_output: str = "UserPoolId") -> str:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    username = f"js-{secrets.token_hex(4)}"
    pool = cloud.stack_output(pool_output)
    idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
    )
    return username


def _node(cloud: LocalCloudHandle, script: str, **args: Any) -> dict[str, Any]:
    payload = {
        "endpoint": cloud.aws_endpoint,
        "poolId": cloud.stack_output("UserPoolId"),
        "clientId": cloud.stack_output("UserPoolClientId"),
        **args,
    }
    done = subprocess.run(
        ["node", script, json.dumps(payload)],
        cwd=SCRIPTS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{script} printed no answer: {done.stdout}\n{done.stderr}"
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def test_amplify_sign_in_with_the_right_password(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    answer = _node(cloud, "amplify.mjs", username=username, password=PASSWORD, step="sign-in")
    assert answer["ok"] and answer["step"] == "DONE", answer
    assert answer["claims"]["cognito:username"] == username


def test_amplify_sign_in_with_a_wrong_password_is_refused(cloud: LocalCloudHandle) -> None:
    answer = _node(
        cloud, "amplify.mjs", username=_user(cloud), password="Wr0ng-pass!", step="sign-in"
    )
    assert (answer["ok"], answer["name"]) == (False, "NotAuthorizedException"), answer
    assert answer["message"] == "Incorrect username or password."


def test_amplify_totp_set_up_then_mfa_sign_in(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    setup = _node(cloud, "amplify.mjs", username=username, password=PASSWORD, step="setup-totp")
    assert setup["ok"], setup
    assert setup["wrong"] == "EnableSoftwareTokenMFAException"
    answer = _node(
        cloud,
        "amplify.mjs",
        username=username,
        password=PASSWORD,
        step="mfa-sign-in",
        secret=setup["secret"],
    )
    assert answer["ok"], answer
    assert answer["step"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    assert answer["after"] == "DONE" and answer["claims"]["cognito:username"] == username


def test_identity_js_authenticate_user_checks_the_password(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    right = _node(cloud, "identity_js.mjs", username=username, password=PASSWORD)
    assert right["ok"] and right["claims"]["cognito:username"] == username, right
    wrong = _node(cloud, "identity_js.mjs", username=username, password="Wr0ng-pass!")
    assert (wrong["ok"], wrong["name"]) == (False, "NotAuthorizedException"), wrong


def test_sdk_v3_garbage_password_claim_is_refused(cloud: LocalCloudHandle) -> None:
    answer = _node(cloud, "sdk_v3.mjs", username=_user(cloud))
    assert (answer["ok"], answer["name"]) == (False, "NotAuthorizedException"), answer
    assert answer["message"] == "Incorrect username or password."


def test_amplify_sets_totp_up_while_signing_in_to_a_pool_that_requires_mfa(
    cloud: LocalCloudHandle,
) -> None:
    username = _user(cloud, "RequiredMfaPoolId")
    pool = {
        "poolId": cloud.stack_output("RequiredMfaPoolId"),
        "clientId": cloud.stack_output("RequiredMfaClientId"),
    }
    answer = _node(
        cloud,
        "amplify.mjs",
        username=username,
        password=PASSWORD,
        step="setup-on-sign-in",
        **pool,
    )
    assert answer["ok"], answer
    assert answer["step"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
    assert answer["after"] == "DONE" and answer["claims"]["cognito:username"] == username
    again = _node(
        cloud,
        "amplify.mjs",
        username=username,
        password=PASSWORD,
        step="mfa-sign-in",
        secret=answer["secret"],
        **pool,
    )
    assert again["ok"] and again["step"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE", again


def test_amplify_refreshes_its_session_after_the_access_token_expired(
    cloud: LocalCloudHandle,
) -> None:
    """Amplify's session outlives the access token's hour: the cloud clock moves past it, the
    old token is refused as expired and the refreshed one works."""
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    try:
        answer = _node(
            cloud,
            "amplify.mjs",
            username=_user(cloud),
            password=PASSWORD,
            step="refresh-after-expiry",
        )
        assert answer["ok"] and answer["step"] == "DONE", answer
        assert answer["after"] != answer["before"]
        with pytest.raises(idp.exceptions.NotAuthorizedException, match="expired"):
            idp.get_user(AccessToken=answer["before"])
        assert idp.get_user(AccessToken=answer["after"])["Username"]
    finally:
        httpx.delete(f"{cloud.aws_endpoint}/_stratus/clock", timeout=10)
