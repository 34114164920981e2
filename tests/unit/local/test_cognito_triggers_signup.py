"""Pre sign-up, post confirmation and custom message triggers, with Cognito's events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cognito_rig import FunctionFailed, Rig, cognito_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=0.3) as rig:
        yield rig


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _auto_confirm(event: dict[str, Any]) -> dict[str, Any]:
    event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
    return event


def test_pre_sign_up_gets_cognitos_event_and_its_auto_confirm_is_honoured(rig: Rig) -> None:
    pool, client = rig.pool(PreSignUp="pre", PostConfirmation="post")
    rig.fake.handlers.update(pre=_auto_confirm, post=lambda e: e)
    result = rig.sign_up(
        client,
        ValidationData=[{"Name": "invite", "Value": "x1"}],
        ClientMetadata={"source": "test"},
    )
    assert result["UserConfirmed"] is True
    (event,) = rig.fake.sent("pre")
    assert event["version"] == "1"
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["region"] == "us-east-1"
    assert event["userPoolId"] == pool
    assert event["userName"] == "alice"
    assert event["callerContext"]["clientId"] == client
    assert event["callerContext"]["awsSdkVersion"].startswith("aws-sdk-")
    assert event["request"] == {
        "userAttributes": {"email": "alice@example.com"},
        "validationData": {"invite": "x1"},
        "clientMetadata": {"source": "test"},
    }
    assert event["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    user = rig.idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["email_verified"] == "true"
    assert rig.codes.latest_code("alice") is None  # an auto-confirmed user gets no code
    (post,) = rig.fake.sent("post")  # auto-confirmation is a confirmation
    assert post["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert post["request"]["userAttributes"]["sub"] == attrs["sub"]
    assert post["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert post["request"]["clientMetadata"] == {"source": "test"}


def test_pre_sign_up_error_rejects_the_sign_up_with_cognitos_message(rig: Rig) -> None:
    pool, client = rig.pool(PreSignUp="pre")

    def deny(event: dict[str, Any]) -> Any:
        raise FunctionFailed("Invites only")

    rig.fake.handlers["pre"] = deny
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error Invites only.",
    )
    assert rig.idp.list_users(UserPoolId=pool)["Users"] == []


def test_a_function_slower_than_cognitos_wait_fails_after_three_attempts(rig: Rig) -> None:
    pool, client = rig.pool(PreSignUp="pre")
    rig.fake.handlers["pre"] = lambda e: e
    rig.fake.delay_s = 1.0  # the rig waits 0.3 s per attempt (Cognito: 5 s)
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client)
    assert _error(exc) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
    )
    assert len(rig.fake.sent("pre")) == 3
    assert rig.idp.list_users(UserPoolId=pool)["Users"] == []


def test_missing_function_and_unreadable_answer_are_cognitos_errors(rig: Rig) -> None:
    _, client = rig.pool(PreSignUp="nowhere")
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client)
    assert _error(exc) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error ResourceNotFoundException.",
    )
    _, client = rig.pool(PreSignUp="garbled")
    rig.fake.handlers["garbled"] = lambda e: b"not json"
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client)
    assert _error(exc) == ("InvalidLambdaResponseException", "Unrecognizable lambda output")


def test_without_triggers_sign_up_still_sends_a_checked_code(rig: Rig) -> None:
    pool, client = rig.pool()
    assert rig.sign_up(client)["UserConfirmed"] is False
    code = rig.codes.latest_code("alice")
    assert code is not None
    entry = rig.codes.latest_entry("alice")
    assert entry is not None and entry["email_message"] == f"Your verification code is {code}. "
    with pytest.raises(ClientError) as exc:
        rig.idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode="000000x")
    assert _error(exc)[0] == "CodeMismatchException"
    rig.idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    assert rig.idp.admin_get_user(UserPoolId=pool, Username="alice")["UserStatus"] == "CONFIRMED"


def test_post_confirmation_error_fails_confirm_but_the_user_stays_confirmed(rig: Rig) -> None:
    pool, client = rig.pool(PostConfirmation="post")

    def broken(event: dict[str, Any]) -> Any:
        raise FunctionFailed("table missing")

    rig.fake.handlers["post"] = broken
    rig.sign_up(client)
    code = rig.codes.latest_code("alice")
    with pytest.raises(ClientError) as exc:
        rig.idp.confirm_sign_up(ClientId=client, Username="alice", ConfirmationCode=code)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error table missing.",
    )
    assert rig.idp.admin_get_user(UserPoolId=pool, Username="alice")["UserStatus"] == "CONFIRMED"
    (event,) = rig.fake.sent("post")
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["callerContext"]["clientId"] == client


def test_admin_operations_run_triggers_without_a_client(rig: Rig) -> None:
    pool, client = rig.pool(PreSignUp="pre", PostConfirmation="post")
    rig.fake.handlers.update(pre=_auto_confirm, post=lambda e: e)
    rig.idp.admin_create_user(UserPoolId=pool, Username="bob")
    (pre,) = rig.fake.sent("pre")
    assert pre["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert pre["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    # its auto-confirm answer is ignored for AdminCreateUser
    user = rig.idp.admin_get_user(UserPoolId=pool, Username="bob")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    rig.fake.handlers["pre"] = lambda e: e
    rig.sign_up(client, "carol")
    rig.idp.admin_confirm_sign_up(UserPoolId=pool, Username="carol")
    (post,) = rig.fake.sent("post")
    assert post["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert post["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


def test_admin_create_user_rejected_by_pre_sign_up(rig: Rig) -> None:
    pool, _ = rig.pool(PreSignUp="pre")

    def deny(event: dict[str, Any]) -> Any:
        raise FunctionFailed("no admins")

    rig.fake.handlers["pre"] = deny
    with pytest.raises(ClientError) as exc:
        rig.idp.admin_create_user(UserPoolId=pool, Username="bob")
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error no admins.",
    )
    assert rig.idp.list_users(UserPoolId=pool)["Users"] == []


def _custom(event: dict[str, Any]) -> dict[str, Any]:
    code = event["request"]["codeParameter"]
    event["response"].update(
        emailSubject=f"Welcome ({event['triggerSource']})",
        emailMessage=f"Hello {event['request']['userAttributes']['email']}, code {code}",
        smsMessage="no placeholder here",
    )
    return event


def test_custom_message_is_what_the_outbox_records(rig: Rig) -> None:
    _, client = rig.pool(CustomMessage="msg")
    rig.fake.handlers["msg"] = _custom
    rig.sign_up(client, ClientMetadata={"lang": "fr"})
    (event,) = rig.fake.sent("msg")
    assert event["triggerSource"] == "CustomMessage_SignUp"
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"]["usernameParameter"] is None
    assert event["request"]["clientMetadata"] == {"lang": "fr"}
    assert event["request"]["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    entry = rig.codes.latest_entry("alice")
    assert entry is not None
    assert entry["email_subject"] == "Welcome (CustomMessage_SignUp)"
    assert entry["email_message"] == f"Hello alice@example.com, code {entry['code']}"
    # a message without the placeholder could not carry the code: the pool's own is sent
    assert entry["sms_message"] == f"Your verification code is {entry['code']}. "

    rig.idp.resend_confirmation_code(ClientId=client, Username="alice")
    assert rig.fake.sent("msg")[-1]["triggerSource"] == "CustomMessage_ResendCode"
    resent = rig.codes.latest_entry("alice")
    assert resent is not None and resent["sent_at"] >= entry["sent_at"]
    assert resent["email_subject"] == "Welcome (CustomMessage_ResendCode)"
    assert resent["email_message"] == f"Hello alice@example.com, code {resent['code']}"


def test_custom_message_error_fails_the_request(rig: Rig) -> None:
    _, client = rig.pool(CustomMessage="msg")

    def broken(event: dict[str, Any]) -> Any:
        raise FunctionFailed("template missing")

    rig.fake.handlers["msg"] = broken
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "CustomMessage failed with error template missing.",
    )
    assert rig.codes.latest_code("alice") is None


def test_forgot_password_sends_a_checked_code_and_confirms_with_a_trigger(rig: Rig) -> None:
    pool, client = rig.pool(CustomMessage="msg", PostConfirmation="post")
    rig.fake.handlers.update(msg=_custom, post=lambda e: e)
    rig.confirmed_user(pool)
    rig.idp.admin_update_user_attributes(
        UserPoolId=pool,
        Username="alice",
        UserAttributes=[
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    rig.idp.forgot_password(ClientId=client, Username="alice")
    assert rig.fake.sent("msg")[-1]["triggerSource"] == "CustomMessage_ForgotPassword"
    code = rig.codes.latest_code("alice", purpose="forgot-password")
    assert code is not None
    with pytest.raises(ClientError) as exc:
        rig.idp.confirm_forgot_password(
            ClientId=client, Username="alice", ConfirmationCode="999999x", Password="N3w!passw0rd"
        )
    assert _error(exc)[0] == "CodeMismatchException"
    rig.idp.confirm_forgot_password(
        ClientId=client, Username="alice", ConfirmationCode=code, Password="N3w!passw0rd"
    )
    (post,) = rig.fake.sent("post")
    assert post["triggerSource"] == "PostConfirmation_ConfirmForgotPassword"
