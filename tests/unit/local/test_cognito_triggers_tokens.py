"""Pre token generation (V1 and V2) and pre/post authentication around moto's sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cognito_rig import ARN, PASSWORD, FunctionFailed, Rig, cognito_rig
from joserfc import jwt

from stratus.local.cognito.jwt_verify import verify_cognito_token


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=2.0) as rig:
        yield rig


def _claims(rig: Rig, token: str, pool: str) -> dict[str, Any]:
    """Verified with our key (signature, issuer, expiry), for any of the pool's clients."""
    clients = rig.idp.list_user_pool_clients(UserPoolId=pool, MaxResults=10)["UserPoolClients"]
    claims: dict[str, Any] = verify_cognito_token(
        token,
        jwks=rig.keys.jwks(),
        region="us-east-1",
        pool_ids=[pool],
        client_ids=[c["ClientId"] for c in clients],
    )
    return claims


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _v1(event: dict[str, Any]) -> dict[str, Any]:
    event["response"] = {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {"tenant": "acme", "sub": "forged", "gone": "x"},
            "claimsToSuppress": ["email", "gone"],
            "groupOverrideDetails": {
                "groupsToOverride": ["admins"],
                "iamRolesToOverride": ["arn:aws:iam::000000000000:role/admin"],
                "preferredRole": "arn:aws:iam::000000000000:role/admin",
            },
        }
    }
    return event


def test_v1_edits_the_id_token_and_groups_of_both_tokens_on_sign_in_and_refresh(
    rig: Rig,
) -> None:
    pool, client = rig.pool(PreTokenGeneration="ptg")
    rig.fake.handlers["ptg"] = _v1
    rig.confirmed_user(pool)
    rig.idp.create_group(GroupName="readers", UserPoolId=pool, Precedence=2)
    rig.idp.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="readers")
    rig.idp.admin_update_user_attributes(
        UserPoolId=pool, Username="alice", UserAttributes=[{"Name": "email", "Value": "a@x.io"}]
    )
    tokens = rig.login(client)["AuthenticationResult"]
    id_claims = _claims(rig, tokens["IdToken"], pool)
    access = _claims(rig, tokens["AccessToken"], pool)
    assert id_claims["tenant"] == "acme"
    assert "gone" not in id_claims  # suppressed wins over added
    assert "email" not in id_claims
    assert id_claims["sub"] != "forged"  # not modifiable
    assert id_claims["cognito:groups"] == ["admins"]
    assert id_claims["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/admin"
    assert "tenant" not in access  # V1 edits the ID token only ...
    assert access["cognito:groups"] == ["admins"]  # ... but groups in both
    (event,) = rig.fake.sent("ptg")
    assert event["version"] == "1"
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["userName"] == "alice"
    assert event["callerContext"]["clientId"] == client
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["readers"]
    assert event["request"]["userAttributes"]["email"] == "a@x.io"
    assert "clientMetadata" not in event["request"]  # InitiateAuth's does not reach it

    refreshed = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert rig.fake.sent("ptg")[-1]["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert _claims(rig, refreshed["IdToken"], pool)["tenant"] == "acme"
    # moto still knows the edited access token (GetUser works with it)
    assert rig.idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "alice"


def test_v2_edits_the_access_token_and_its_scopes(rig: Rig) -> None:
    pool, client = rig.pool(
        PreTokenGenerationConfig={"LambdaArn": ARN + "ptg2", "LambdaVersion": "V2_0"}
    )

    def v2(event: dict[str, Any]) -> dict[str, Any]:
        event["response"] = {
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "gold"}},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant": {"id": 7}},
                    "scopesToAdd": ["todos/read"],
                },
            }
        }
        return event

    rig.fake.handlers["ptg2"] = v2
    rig.confirmed_user(pool)
    tokens = rig.idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    access = _claims(rig, tokens["AccessToken"], pool)
    assert access["tenant"] == {"id": 7}
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "todos/read"]
    assert _claims(rig, tokens["IdToken"], pool)["plan"] == "gold"
    (event,) = rig.fake.sent("ptg2")
    assert event["version"] == "2"
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]


def test_pre_token_generation_error_fails_the_sign_in(rig: Rig) -> None:
    pool, client = rig.pool(PreTokenGeneration="ptg")

    def broken(event: dict[str, Any]) -> Any:
        raise FunctionFailed("claims service down")

    rig.fake.handlers["ptg"] = broken
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PreTokenGeneration failed with error claims service down.",
    )


def test_new_password_challenge_is_its_own_trigger_source(rig: Rig) -> None:
    pool, client = rig.pool(PreTokenGeneration="ptg")
    rig.fake.handlers["ptg"] = lambda e: e
    rig.idp.admin_create_user(UserPoolId=pool, Username="bob", TemporaryPassword="Temp0rary!x")
    challenge = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp0rary!x"},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    result = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": PASSWORD},
        ClientMetadata={"device": "phone"},
    )
    assert "IdToken" in result["AuthenticationResult"]
    (event,) = rig.fake.sent("ptg")
    assert event["triggerSource"] == "TokenGeneration_NewPasswordChallenge"
    assert event["request"]["clientMetadata"] == {"device": "phone"}


def test_pre_authentication_sees_validation_data_and_can_deny(rig: Rig) -> None:
    pool, client = rig.pool(PreAuthentication="preauth", PostAuthentication="postauth")
    denied: list[str] = []

    def gate(event: dict[str, Any]) -> dict[str, Any]:
        if event["request"]["validationData"] is None:
            denied.append(event["userName"])
            raise FunctionFailed("Sign in from the app")
        return event

    rig.fake.handlers.update(preauth=gate, postauth=lambda e: e)
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error Sign in from the app.",
    )
    assert rig.fake.sent("postauth") == []
    assert "AuthenticationResult" in rig.login(client, ClientMetadata={"app": "mobile"})
    pre = rig.fake.sent("preauth")[-1]
    assert pre["triggerSource"] == "PreAuthentication_Authentication"
    assert pre["request"]["validationData"] == {"app": "mobile"}
    (post,) = rig.fake.sent("postauth")
    assert post["triggerSource"] == "PostAuthentication_Authentication"
    assert post["request"]["newDeviceUsed"] is False
    assert "clientMetadata" not in post["request"]
    assert post["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_post_authentication_error_withholds_the_tokens(rig: Rig) -> None:
    pool, client = rig.pool(PostAuthentication="postauth")

    def broken(event: dict[str, Any]) -> Any:
        raise FunctionFailed("audit log full")

    rig.fake.handlers["postauth"] = broken
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == (
        "UserLambdaValidationException",
        "PostAuthentication failed with error audit log full.",
    )


def test_unknown_user_signs_in_to_moto_s_own_error_without_a_trigger(rig: Rig) -> None:
    _, client = rig.pool(PreAuthentication="preauth")
    rig.fake.handlers["preauth"] = lambda e: e
    with pytest.raises(ClientError) as exc:
        rig.login(client, "nobody")
    assert exc.value.response["Error"]["Code"] in (
        "UserNotFoundException",
        "NotAuthorizedException",
    )
    assert rig.fake.sent("preauth") == []


def test_tokens_without_a_trigger_are_moto_s(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    tokens = rig.login(client)["AuthenticationResult"]
    header = jwt.decode(tokens["IdToken"], rig.keys.private_key).header
    assert header["kid"] == rig.keys.kid
    assert _claims(rig, tokens["IdToken"], pool)["cognito:username"] == "alice"
    assert rig.fake.events == []


def test_replay_reads_the_recorded_pre_token_answer_instead_of_calling_again(
    rig: Rig, tmp_path: Path
) -> None:
    from stratus.local.core.durable import DurableState

    assert rig.moto is not None
    rig.moto.reset()
    state = DurableState(tmp_path / "state", ("cognito-idp",))
    state.open(rig.moto.call)
    rig.moto.writes = state
    try:
        pool, client = rig.pool(PreTokenGeneration="ptg")
        rig.fake.handlers["ptg"] = _v1
        rig.confirmed_user(pool)
        tokens = rig.login(client)["AuthenticationResult"]
        assert _claims(rig, tokens["IdToken"], pool)["tenant"] == "acme"
        calls = len(rig.fake.sent("ptg"))
    finally:
        state.close(snapshot=False)  # as a crash would
        rig.moto.writes = None
    rig.moto.reset()

    def changed(event: dict[str, Any]) -> dict[str, Any]:
        event["response"] = {"claimsOverrideDetails": {"claimsToAddOrOverride": {"tenant": "x"}}}
        return event

    rig.fake.handlers["ptg"] = changed  # a different answer now: it must not be asked
    state = DurableState(tmp_path / "state", ("cognito-idp",))
    try:
        recovery = state.open(rig.moto.call)
        assert recovery.replayed > 0
        assert recovery.mismatches == 0  # the same tokens as the first time
        assert len(rig.fake.sent("ptg")) == calls
    finally:
        state.close(snapshot=False)
