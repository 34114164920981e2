"""Cognito sessions through a running cloud, with boto3 and the gateway's authorizer.

The fixture app (tests/fixtures/apps/cognito_sessions): access/ID tokens live 5 minutes,
refresh tokens 2 hours, a second client rotates refresh tokens (10 s grace), and GET /me
sits behind a Cognito authorizer. Expiry is reached by moving the cloud clock
(`/_stratus/clock`), never by waiting; each test puts the clock back.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import (
    PASSWORD,
    aws_client,
    copy_fixture_app,
    fixture_app_cloud,
    stack_api,
)

NEW_PASSWORD = "Another-Horse-7-Battery!"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "cognito_sessions", "cognito-sessions-app") as handle:
        yield handle


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with stack_api(cloud) as client:
        yield client


@pytest.fixture
def clock(cloud: LocalCloudHandle) -> Iterator[Any]:
    """`clock(seconds)` moves the cloud clock on; it is put back after the test."""

    def advance(seconds: float) -> dict[str, float]:
        answer = httpx.post(
            f"{cloud.aws_endpoint}/_stratus/clock", json={"advance_seconds": seconds}
        )
        assert answer.status_code == 200, answer.text
        state: dict[str, float] = answer.json()
        return state

    try:
        yield advance
    finally:
        httpx.delete(f"{cloud.aws_endpoint}/_stratus/clock")


def _idp(cloud: LocalCloudHandle) -> Any:
    return aws_client(cloud, "cognito-idp")


def _outbox(cloud: LocalCloudHandle, username: str, purpose: str) -> str:
    lines = (cloud.state_dir / "state" / "outbox.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    mine = [e for e in entries if e["username"] == username and e["purpose"] == purpose]
    return str(mine[-1]["code"])


def _user(cloud: LocalCloudHandle, client_key: str = "UserPoolClientId") -> dict[str, Any]:
    """Sign a new user up, confirm with the mailed code, sign in: its tokens and names."""
    idp = _idp(cloud)
    username = f"u{secrets.token_hex(4)}"
    client_id = cloud.stack_output(client_key)
    idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    code = _outbox(cloud, username, "signup")
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    tokens = _sign_in(cloud, client_id, username)
    return {"username": username, "client": client_id, **tokens}


def _sign_in(
    cloud: LocalCloudHandle, client_id: str, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    result: dict[str, Any] = _idp(cloud).initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call()
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def test_session_outlives_the_access_token_through_refresh(
    cloud: LocalCloudHandle, api: httpx.Client, clock: Any
) -> None:
    user = _user(cloud)
    idp = _idp(cloud)
    attributes = idp.get_user(AccessToken=user["AccessToken"])["UserAttributes"]
    assert {"Name": "email_verified", "Value": "true"} in attributes
    assert user["ExpiresIn"] == 300
    assert api.get("me", headers={"Authorization": user["IdToken"]}).status_code == 200

    clock(301)  # past the access/ID token's five minutes
    expired = api.get("me", headers={"Authorization": user["IdToken"]})
    assert expired.status_code == 401
    assert expired.json() == {"message": "The incoming token has expired"}
    assert api.get("profile", headers={"Authorization": user["AccessToken"]}).status_code == 401
    assert _error(lambda: idp.get_user(AccessToken=user["AccessToken"])) == (
        "NotAuthorizedException",
        "Access Token has expired",
    )

    fresh = idp.get_tokens_from_refresh_token(
        RefreshToken=user["RefreshToken"], ClientId=user["client"]
    )["AuthenticationResult"]
    assert "RefreshToken" not in fresh  # this client does not rotate
    assert api.get("me", headers={"Authorization": fresh["IdToken"]}).status_code == 200
    assert api.get("profile", headers={"Authorization": fresh["AccessToken"]}).status_code == 200
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == user["username"]
    again = idp.initiate_auth(
        ClientId=user["client"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": user["RefreshToken"]},
    )["AuthenticationResult"]
    assert api.get("me", headers={"Authorization": again["IdToken"]}).status_code == 200

    clock(2 * 3600)  # past the refresh token's two hours
    assert _error(
        lambda: idp.get_tokens_from_refresh_token(
            RefreshToken=user["RefreshToken"], ClientId=user["client"]
        )
    ) == ("NotAuthorizedException", "Refresh Token has expired")


def test_rotation_retires_the_old_refresh_token_after_its_grace(
    cloud: LocalCloudHandle, clock: Any
) -> None:
    user = _user(cloud, "RotatingClientId")
    idp = _idp(cloud)
    rotated = idp.get_tokens_from_refresh_token(
        RefreshToken=user["RefreshToken"], ClientId=user["client"]
    )["AuthenticationResult"]
    assert rotated["RefreshToken"] != user["RefreshToken"]
    clock(11)
    code, _ = _error(
        lambda: idp.get_tokens_from_refresh_token(
            RefreshToken=user["RefreshToken"], ClientId=user["client"]
        )
    )
    assert code == "RefreshTokenReuseException"
    latest = idp.get_tokens_from_refresh_token(
        RefreshToken=rotated["RefreshToken"], ClientId=user["client"]
    )["AuthenticationResult"]
    assert idp.get_user(AccessToken=latest["AccessToken"])["Username"] == user["username"]


def test_revoke_token_ends_the_session_for_cognito_and_the_gateway(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    user = _user(cloud)
    idp = _idp(cloud)
    assert api.get("me", headers={"Authorization": user["IdToken"]}).status_code == 200
    access = {"Authorization": user["AccessToken"]}
    assert api.get("profile", headers=access).status_code == 200
    idp.revoke_token(Token=user["RefreshToken"], ClientId=user["client"])
    assert _error(
        lambda: idp.initiate_auth(
            ClientId=user["client"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": user["RefreshToken"]},
        )
    ) == ("NotAuthorizedException", "Refresh Token has been revoked")
    assert _error(lambda: idp.get_user(AccessToken=user["AccessToken"])) == (
        "NotAuthorizedException",
        "Access Token has been revoked",
    )
    # the authorizer had these tokens cached as valid: the revocation still reaches it
    assert api.get("me", headers={"Authorization": user["IdToken"]}).status_code == 401
    assert api.get("profile", headers=access).status_code == 401


def test_global_sign_out_ends_every_session(cloud: LocalCloudHandle, api: httpx.Client) -> None:
    user = _user(cloud)
    other = _sign_in(cloud, user["client"], user["username"])
    idp = _idp(cloud)
    idp.global_sign_out(AccessToken=user["AccessToken"])
    for tokens in (user, other):
        assert api.get("me", headers={"Authorization": tokens["IdToken"]}).status_code == 401
        access = {"Authorization": tokens["AccessToken"]}
        assert api.get("profile", headers=access).status_code == 401
        assert _error(lambda t=tokens: idp.get_user(AccessToken=t["AccessToken"]))[1] == (
            "Access Token has been revoked"
        )
        assert _error(
            lambda t=tokens: idp.get_tokens_from_refresh_token(
                RefreshToken=t["RefreshToken"], ClientId=user["client"]
            )
        ) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_forgot_password_code_from_the_outbox_resets_the_password(
    cloud: LocalCloudHandle,
) -> None:
    user = _user(cloud)
    idp = _idp(cloud)
    sent = idp.forgot_password(ClientId=user["client"], Username=user["username"])
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = _outbox(cloud, user["username"], "forgot-password")
    wrong = "000000" if code != "000000" else "111111"
    reset = {"ClientId": user["client"], "Username": user["username"], "Password": NEW_PASSWORD}
    assert _error(lambda: idp.confirm_forgot_password(ConfirmationCode=wrong, **reset))[0] == (
        "CodeMismatchException"
    )
    idp.confirm_forgot_password(ConfirmationCode=code, **reset)
    tokens = _sign_in(cloud, user["client"], user["username"], NEW_PASSWORD)
    assert tokens["AccessToken"]
    assert _error(lambda: _sign_in(cloud, user["client"], user["username"]))[0] == (
        "NotAuthorizedException"
    )


def test_delete_user_removes_the_account_and_its_tokens(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    user = _user(cloud)
    idp = _idp(cloud)
    idp.delete_user(AccessToken=user["AccessToken"])
    pool = cloud.stack_output("UserPoolId")
    assert _error(lambda: idp.admin_get_user(UserPoolId=pool, Username=user["username"]))[0] == (
        "UserNotFoundException"
    )
    assert api.get("me", headers={"Authorization": user["IdToken"]}).status_code == 401
    assert (
        _error(
            lambda: idp.get_tokens_from_refresh_token(
                RefreshToken=user["RefreshToken"], ClientId=user["client"]
            )
        )[0]
        == "NotAuthorizedException"
    )


def test_sessions_survive_a_crash_and_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    """kill -9, then `up` again: tokens issued before still work (the journal replays them
    exactly), a revoked session stays revoked, and no replayed answer differs."""
    app_dir = copy_fixture_app(tmp_path_factory, "cognito_sessions", "cognito-sessions-restart")
    proc, cloud = start_local_cloud(None, app_dir=app_dir)
    try:
        kept, revoked = _user(cloud), _user(cloud)
        _idp(cloud).revoke_token(Token=revoked["RefreshToken"], ClientId=revoked["client"])
        rotating = _user(cloud, "RotatingClientId")
        rotated = _idp(cloud).get_tokens_from_refresh_token(
            RefreshToken=rotating["RefreshToken"], ClientId=rotating["client"]
        )["AuthenticationResult"]
    finally:
        proc.kill()  # no graceful stop: only the journal keeps what happened
        proc.wait()
    proc, cloud = start_local_cloud(None, app_dir=app_dir, fresh=False)
    try:
        idp = _idp(cloud)
        assert idp.get_user(AccessToken=kept["AccessToken"])["Username"] == kept["username"]
        fresh = idp.get_tokens_from_refresh_token(
            RefreshToken=kept["RefreshToken"], ClientId=kept["client"]
        )["AuthenticationResult"]
        assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == kept["username"]
        assert _error(lambda: idp.get_user(AccessToken=revoked["AccessToken"]))[1] == (
            "Access Token has been revoked"
        )
        assert _error(
            lambda: idp.get_tokens_from_refresh_token(
                RefreshToken=revoked["RefreshToken"], ClientId=revoked["client"]
            )
        ) == ("NotAuthorizedException", "Refresh Token has been revoked")
        # the rotation and the tokens it issued came back too
        assert idp.get_user(AccessToken=rotated["AccessToken"])["Username"] == rotating["username"]
        idp.get_tokens_from_refresh_token(
            RefreshToken=rotated["RefreshToken"], ClientId=rotating["client"]
        )
        assert "answered differently" not in cloud.log_path.read_text(errors="replace")
    finally:
        stop_local_cloud(proc)
