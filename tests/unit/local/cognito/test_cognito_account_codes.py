"""Account lifecycle codes: password reset, resend, verification on confirmation, limits."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from cognito_rig import PASSWORD, Rig
from sessions_rig import app, error

from stratus.local.cognito.codes import FORGOT_PASSWORD, MAX_CODES_PER_HOUR, MAX_WRONG_ATTEMPTS

NEW_PASSWORD = "N3w-Passw0rd!"


def _attributes(rig: Rig, pool: str, username: str = "alice") -> dict[str, str]:
    user = rig.idp.admin_get_user(UserPoolId=pool, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _confirm_reset(rig: Rig, client: str, code: str) -> None:
    rig.idp.confirm_forgot_password(
        ClientId=client, Username="alice", ConfirmationCode=code, Password=NEW_PASSWORD
    )


def test_forgot_password_delivers_a_code_that_resets_the_password_once(rig: Rig) -> None:
    _, client = app(rig)
    answer = rig.idp.forgot_password(ClientId=client, Username="alice")
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = rig.codes.latest_code("alice", purpose=FORGOT_PASSWORD)
    assert code is not None and len(code) == 6
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        _confirm_reset(rig, client, wrong)
    assert error(exc)[0] == "CodeMismatchException"
    _confirm_reset(rig, client, code)
    tokens = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": NEW_PASSWORD},
    )
    assert tokens["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as exc:  # a code works once
        _confirm_reset(rig, client, code)
    assert error(exc)[0] == "CodeMismatchException"


def test_reset_needs_a_verified_recovery_attribute(rig: Rig) -> None:
    pool, client = app(rig)
    rig.idp.admin_update_user_attributes(
        UserPoolId=pool,
        Username="alice",
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    with pytest.raises(ClientError) as exc:
        rig.idp.forgot_password(ClientId=client, Username="alice")
    assert error(exc)[0] == "InvalidParameterException"
    assert rig.codes.latest_code("alice", purpose=FORGOT_PASSWORD) is None


def test_reset_without_a_code_sent_is_refused(rig: Rig) -> None:
    _, client = app(rig)
    with pytest.raises(ClientError) as exc:
        _confirm_reset(rig, client, "000000")
    assert error(exc) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )


def test_reset_code_expires_after_a_day_on_the_cloud_clock(rig: Rig) -> None:
    _, client = app(rig)
    rig.idp.forgot_password(ClientId=client, Username="alice")
    code = rig.codes.latest_code("alice", purpose=FORGOT_PASSWORD)
    assert code is not None
    rig.clock.advance(24 * 3600 + 1)
    with pytest.raises(ClientError) as exc:
        _confirm_reset(rig, client, code)
    assert error(exc)[0] == "ExpiredCodeException"


def test_too_many_wrong_codes_then_too_many_requests_are_limited(rig: Rig) -> None:
    _, client = app(rig)
    rig.idp.forgot_password(ClientId=client, Username="alice")
    code = rig.codes.latest_code("alice", purpose=FORGOT_PASSWORD)
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_WRONG_ATTEMPTS):
        with pytest.raises(ClientError) as exc:
            _confirm_reset(rig, client, wrong)
        assert error(exc)[0] == "CodeMismatchException"
    with pytest.raises(ClientError) as exc:  # even the right code, once locked
        _confirm_reset(rig, client, code)
    assert error(exc) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
    for _ in range(MAX_CODES_PER_HOUR - 1):
        rig.idp.forgot_password(ClientId=client, Username="alice")
    with pytest.raises(ClientError) as exc:
        rig.idp.forgot_password(ClientId=client, Username="alice")
    assert error(exc)[0] == "LimitExceededException"
    rig.clock.advance(3601)  # an hour later the user may ask again
    rig.idp.forgot_password(ClientId=client, Username="alice")
    fresh = rig.codes.latest_code("alice", purpose=FORGOT_PASSWORD)
    assert fresh is not None
    _confirm_reset(rig, client, fresh)


def test_confirmation_verifies_the_auto_verified_email(rig: Rig) -> None:
    pool, client = rig.pool()
    result = rig.sign_up(client)
    assert result["UserConfirmed"] is False
    assert "email_verified" not in _attributes(rig, pool)
    resent = rig.idp.resend_confirmation_code(ClientId=client, Username="alice")
    assert resent["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = rig.codes.latest_code("alice")
    assert code is not None
    rig.idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    attributes = _attributes(rig, pool)
    assert attributes["email_verified"] == "true"
    assert "phone_number_verified" not in attributes
    rig.login(client)


def test_confirmation_verifies_the_phone_when_the_pool_auto_verifies_it(rig: Rig) -> None:
    pool = rig.idp.create_user_pool(PoolName="phones", AutoVerifiedAttributes=["phone_number"])
    pool_id = pool["UserPool"]["Id"]
    client = rig.idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")
    client_id = client["UserPoolClient"]["ClientId"]
    rig.idp.sign_up(
        ClientId=client_id,
        Username="bob",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "phone_number", "Value": "+15550100123"},
            {"Name": "email", "Value": "bob@example.com"},
        ],
    )
    resent = rig.idp.resend_confirmation_code(ClientId=client_id, Username="bob")
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    code = rig.codes.latest_code("bob")
    assert code is not None
    rig.idp.confirm_sign_up(ClientId=client_id, Username="bob", ConfirmationCode=code)
    attributes = _attributes(rig, pool_id, "bob")
    assert attributes["phone_number_verified"] == "true"
    assert "email_verified" not in attributes
