"""MFA at sign-in as Cognito runs it: TOTP set-up and codes (pyotp), e-mail codes, the
choice between two factors, and the 3-minute challenge sessions.

moto behind the real front door with the local cloud's Cognito hooks (`cognito_rig`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from botocore.exceptions import ClientError
from cognito_rig import PASSWORD, Rig, cognito_rig
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=2.0) as rig:
        yield rig


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _totp_user(rig: Rig, pool: str, client: str) -> str:
    """Alice with a verified TOTP secret and TOTP preferred; returns the secret."""
    access = rig.login(client)["AuthenticationResult"]["AccessToken"]
    secret = rig.idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) >= 16 and secret != "asdfasdfasdf"
    with pytest.raises(ClientError) as exc:
        rig.idp.verify_software_token(AccessToken=access, UserCode=_other_code(secret))
    assert _error(exc) == (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
    ok = rig.idp.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    assert ok["Status"] == "SUCCESS"
    rig.idp.set_user_mfa_preference(
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return str(secret)


def _other_code(secret: str) -> str:
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + 30 * step) for step in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)


def test_totp_mfa_is_asked_for_and_checked_at_sign_in(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    rig.confirmed_user(pool)
    secret = _totp_user(rig, pool, client)
    with pytest.raises(SoftwareTokenMFAChallengeException) as mfa:
        AWSSRP("alice", PASSWORD, pool, client, client=rig.idp).authenticate_user()
    session = mfa.value.get_tokens()["Session"]
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={
                "USERNAME": "alice",
                "SOFTWARE_TOKEN_MFA_CODE": _other_code(secret),
            },
        )
    assert _error(exc) == ("CodeMismatchException", "Invalid code received for user")
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={
            "USERNAME": "alice",
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now(),
        },
    )
    assert "AuthenticationResult" in done
    # USER_PASSWORD_AUTH is asked for the same second factor
    assert rig.login(client)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_an_mfa_session_expires_after_three_minutes(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    rig.confirmed_user(pool)
    secret = _totp_user(rig, pool, client)
    session = rig.login(client)["Session"]
    rig.clock.advance(181)
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={
                "USERNAME": "alice",
                "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(rig.clock()),
            },
        )
    assert _error(exc) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_required_mfa_sets_totp_up_during_sign_in(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    rig.confirmed_user(pool)
    first = rig.login(client)
    assert first["ChallengeName"] == "MFA_SETUP"
    assert first["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    with pytest.raises(ClientError) as exc:  # no set-up, no tokens
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="MFA_SETUP",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": "alice"},
        )
    assert _error(exc)[0] == "InvalidParameterException"
    associated = rig.idp.associate_software_token(Session=first["Session"])
    verified = rig.idp.verify_software_token(
        Session=associated["Session"], UserCode=pyotp.TOTP(associated["SecretCode"]).now()
    )
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "alice"},
    )
    assert "AuthenticationResult" in done
    assert rig.login(client)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_email_mfa_sends_a_code_to_the_outbox_and_checks_it(rig: Rig) -> None:
    pool, client = rig.pool()
    answer = rig.idp.set_user_pool_mfa_config(  # e-mail only: moto alone refuses this
        UserPoolId=pool,
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Code"},
        MfaConfiguration="OPTIONAL",
    )
    assert answer["EmailMfaConfiguration"] == {"Message": "Your code is {####}", "Subject": "Code"}
    config = rig.idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["EmailMfaConfiguration"]["Subject"] == "Code"
    rig.sign_up(client)
    rig.idp.admin_confirm_sign_up(UserPoolId=pool, Username="alice")
    rig.idp.admin_set_user_mfa_preference(
        UserPoolId=pool, Username="alice", EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    user = rig.idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert (user["UserMFASettingList"], user["PreferredMfaSetting"]) == (["EMAIL_OTP"], "EMAIL_OTP")
    first = rig.login(client)
    assert first["ChallengeName"] == "EMAIL_OTP"
    assert first["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "a***@e***"
    entry = rig.codes.latest_entry("alice")
    assert entry is not None and entry["purpose"] == "mfa-email-otp"
    assert entry["email_message"] == f"Your code is {entry['code']}"
    assert entry["email_subject"] == "Code"
    wrong = "000000" if entry["code"] != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="EMAIL_OTP",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": "alice", "EMAIL_OTP_CODE": wrong},
        )
    assert _error(exc)[0] == "CodeMismatchException"
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="EMAIL_OTP",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": "alice", "EMAIL_OTP_CODE": entry["code"]},
    )
    assert "AuthenticationResult" in done


def test_two_second_factors_and_none_preferred_ask_which_one(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.set_user_pool_mfa_config(
        UserPoolId=pool,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    rig.sign_up(client)
    rig.idp.admin_confirm_sign_up(UserPoolId=pool, Username="alice")
    secret = _totp_user(rig, pool, client)
    rig.idp.admin_set_user_mfa_preference(
        UserPoolId=pool,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
        EmailMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    first = rig.login(client)
    assert first["ChallengeName"] == "SELECT_MFA_TYPE"
    assert first["ChallengeParameters"]["MFAS_CAN_CHOOSE"] == '["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]'
    chosen = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SELECT_MFA_TYPE",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"},
    )
    assert chosen["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=chosen["Session"],
        ChallengeResponses={
            "USERNAME": "alice",
            "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).now(),
        },
    )
    assert "AuthenticationResult" in done


def test_an_answer_must_name_the_user_of_its_session(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    rig.confirmed_user(pool)
    rig.confirmed_user(pool, "bob")
    session = rig.login(client)["Session"]
    for responses, code in (
        ({}, "InvalidParameterException"),
        ({"USERNAME": "bob"}, "NotAuthorizedException"),
    ):
        with pytest.raises(ClientError) as exc:
            rig.idp.respond_to_auth_challenge(
                ClientId=client,
                ChallengeName="MFA_SETUP",
                Session=session,
                ChallengeResponses=responses,
            )
        assert _error(exc)[0] == code
