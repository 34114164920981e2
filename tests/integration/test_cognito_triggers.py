"""Cognito triggers through a running cloud: a CDK app's pool runs its Lambda functions.

The fixture app (tests/fixtures/apps/cognito_triggers) wires pre sign-up (auto-confirm for
@example.com, reject "blocked-*"), post confirmation (writes the user to a table), pre token
generation (adds a `tenant` claim) and custom message (its own sign-up e-mail).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import fixture_app_cloud

PASSWORD = "Passw0rd!x"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "cognito_triggers", "cognito-triggers-app") as handle:
        yield handle


def _client(cloud: LocalCloudHandle, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _sign_up(cloud: LocalCloudHandle, username: str, email: str) -> dict[str, Any]:
    result: dict[str, Any] = _client(cloud, "cognito-idp").sign_up(
        ClientId=cloud.stack_output("UserPoolClientId"),
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return result


def _confirmed_row(cloud: LocalCloudHandle, sub: str) -> dict[str, Any] | None:
    item = _client(cloud, "dynamodb").get_item(
        TableName=cloud.stack_output("ConfirmedTable"), Key={"sub": {"S": sub}}
    )
    return item.get("Item")


def _outbox_entry(cloud: LocalCloudHandle, username: str) -> dict[str, Any]:
    lines = (cloud.state_dir / "state" / "outbox.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    return [e for e in entries if e["username"] == username.lower()][-1]


def test_auto_confirmed_sign_up_runs_post_confirmation_and_tokens_carry_the_claim(
    cloud: LocalCloudHandle,
) -> None:
    username = f"ann-{secrets.token_hex(3)}"
    result = _sign_up(cloud, username, f"{username}@example.com")
    assert result["UserConfirmed"] is True
    row = _confirmed_row(cloud, result["UserSub"])
    assert row is not None
    assert row["trigger"]["S"] == "PostConfirmation_ConfirmSignUp"
    assert row["status"]["S"] == "CONFIRMED"

    tokens = _client(cloud, "cognito-idp").initiate_auth(
        ClientId=cloud.stack_output("UserPoolClientId"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    pool = cloud.stack_output("UserPoolId")
    keys = httpx.get(f"{cloud.aws_endpoint}/{pool}/.well-known/jwks.json").json()
    claims = jwt.decode(tokens["IdToken"], KeySet.import_key_set(keys)).claims
    assert claims["tenant"] == "local"
    assert claims["source"] == "TokenGeneration_Authentication"


def test_unconfirmed_sign_up_gets_the_custom_message_and_confirms_with_its_code(
    cloud: LocalCloudHandle,
) -> None:
    username = f"bob-{secrets.token_hex(3)}"
    result = _sign_up(cloud, username, f"{username}@other.org")
    assert result["UserConfirmed"] is False
    entry = _outbox_entry(cloud, username)
    assert entry["email_subject"] == "Welcome to the triggers app"
    assert entry["email_message"] == f"Hi {username}, your code is {entry['code']}."
    assert _confirmed_row(cloud, result["UserSub"]) is None
    _client(cloud, "cognito-idp").confirm_sign_up(
        ClientId=cloud.stack_output("UserPoolClientId"),
        Username=username,
        ConfirmationCode=entry["code"],
    )
    row = _confirmed_row(cloud, result["UserSub"])
    assert row is not None and row["username"]["S"] == username


def test_pre_sign_up_rejection_is_cognitos_error(cloud: LocalCloudHandle) -> None:
    with pytest.raises(ClientError) as exc:
        _sign_up(cloud, f"blocked-{secrets.token_hex(3)}", "x@example.com")
    error = exc.value.response["Error"]
    assert error["Code"] == "UserLambdaValidationException"
    assert error["Message"] == "PreSignUp failed with error Sign-ups from this name are closed."
