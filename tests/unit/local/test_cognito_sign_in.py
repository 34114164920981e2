"""Sign-in checked as Cognito checks it: SRP with pycognito's client, passwords, secrets,
allowed flows, account states (MFA: test_cognito_mfa; custom auth: test_cognito_custom_auth).

moto behind the real front door with the local cloud's Cognito hooks (`cognito_rig`).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cognito_rig import PASSWORD, Rig, cognito_rig
from pycognito.aws_srp import AWSSRP

from stratus.local.cognito import pools, srp
from stratus.local.cognito.secret_hash import secret_hash

WRONG = ("NotAuthorizedException", "Incorrect username or password.")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=2.0) as rig:
        yield rig


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _srp(rig: Rig, pool: str, client: str, password: str = PASSWORD, **kw: Any) -> AWSSRP:
    return AWSSRP("alice", password, pool, client, client=rig.idp, **kw)


def test_srp_sign_in_with_the_right_password_gets_tokens(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    tokens = _srp(rig, pool, client).authenticate_user()["AuthenticationResult"]
    assert rig.idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"


def test_srp_sign_in_with_a_wrong_password_is_refused(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        _srp(rig, pool, client, password="Wrong-passw0rd").authenticate_user()
    assert _error(exc) == WRONG


def test_a_garbage_password_claim_signature_is_refused(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    challenge = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": "alice", "SRP_A": f"{pow(2, 12345, srp.N):x}"},
    )
    params = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert int(params["SRP_B"], 16) % srp.N and params["USER_ID_FOR_SRP"] == "alice"
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses={
                "USERNAME": "alice",
                "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"x" * 32).decode(),
                "TIMESTAMP": "Mon Nov 3 09:05:01 UTC 2026",
            },
        )
    assert _error(exc) == WRONG


def test_a_right_proof_with_a_timestamp_not_in_cognitos_format_is_refused(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    helper = _srp(rig, pool, client)
    params = helper.get_auth_params()
    challenge = rig.idp.initiate_auth(
        ClientId=client, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    answer = helper.process_challenge(challenge["ChallengeParameters"], params)
    # The same proof with a zero-padded day: the signature covers the timestamp as sent.
    answer["TIMESTAMP"] = answer["TIMESTAMP"].replace(" 1 ", " 01 ") + "x"
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
    assert _error(exc) == WRONG


def test_a_changed_password_gets_a_new_verifier(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    rig.idp.admin_set_user_password(
        UserPoolId=pool, Username="alice", Password="N3w-passw0rd!", Permanent=True
    )
    with pytest.raises(ClientError):
        _srp(rig, pool, client).authenticate_user()
    assert "AuthenticationResult" in _srp(rig, pool, client, "N3w-passw0rd!").authenticate_user()


def test_a_user_restored_without_a_verifier_gets_one_from_the_stored_password(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    user = pools.find_user(pools.pool_by_id(pool), "alice")
    user.__dict__.pop("_stratus_srp_verifier")  # as a snapshot from before verifiers
    assert "AuthenticationResult" in _srp(rig, pool, client).authenticate_user()


def test_user_password_auth_checks_the_password_and_names_unknown_users_as_configured(
    rig: Rig,
) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "nope"},
        )
    assert _error(exc) == WRONG
    with pytest.raises(ClientError) as exc:
        rig.login(client, "nobody")
    assert _error(exc) == ("UserNotFoundException", "User does not exist.")
    rig.idp.update_user_pool_client(
        UserPoolId=pool,
        ClientId=client,
        PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
    )
    with pytest.raises(ClientError) as exc:
        rig.login(client, "nobody")
    assert _error(exc) == WRONG
    with pytest.raises(ClientError) as exc:  # a challenge like any other, then refused
        AWSSRP("nobody", PASSWORD, pool, client, client=rig.idp).authenticate_user()
    assert _error(exc) == WRONG


def test_a_flow_the_client_does_not_allow_is_refused(rig: Rig) -> None:
    pool, _ = rig.pool()
    rig.confirmed_user(pool)
    srp_only = rig.idp.create_user_pool_client(
        UserPoolId=pool, ClientName="srp", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as exc:
        rig.login(srp_only)
    assert _error(exc) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_a_client_with_a_secret_requires_and_checks_the_secret_hash(rig: Rig) -> None:
    pool, _ = rig.pool()
    rig.confirmed_user(pool)
    made = rig.idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="secret",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
    )["UserPoolClient"]
    client, secret = made["ClientId"], made["ClientSecret"]
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == (
        "NotAuthorizedException",
        f"Client {client} is configured with secret but SECRET_HASH was not received",
    )
    with pytest.raises(ClientError) as exc:
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": "alice",
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash("not-the-secret", "alice", client),
            },
        )
    assert _error(exc) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client}",
    )
    done = _srp(rig, pool, client, client_secret=secret).authenticate_user()
    assert "AuthenticationResult" in done


def test_a_temporary_password_must_be_changed_through_new_password_required(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.idp.admin_create_user(UserPoolId=pool, Username="alice", TemporaryPassword="Temp-0rary!")
    helper = _srp(rig, pool, client, password="Temp-0rary!")
    params = helper.get_auth_params()
    first = rig.idp.initiate_auth(ClientId=client, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = helper.process_challenge(first["ChallengeParameters"], params)
    second = rig.idp.respond_to_auth_challenge(
        ClientId=client, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
    )
    assert second["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as exc:  # the pool's password policy still applies
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=second["Session"],
            ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": "short"},
        )
    assert _error(exc)[0] == "InvalidPasswordException"
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=second["Session"],
        ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": PASSWORD},
    )
    assert "AuthenticationResult" in done
    assert rig.idp.admin_get_user(UserPoolId=pool, Username="alice")["UserStatus"] == "CONFIRMED"
    assert "AuthenticationResult" in _srp(rig, pool, client).authenticate_user()


def test_sign_up_and_confirm_with_a_secret_client_need_the_secret_hash(rig: Rig) -> None:
    pool, _ = rig.pool()
    made = rig.idp.create_user_pool_client(UserPoolId=pool, ClientName="s", GenerateSecret=True)
    client, secret = made["UserPoolClient"]["ClientId"], made["UserPoolClient"]["ClientSecret"]
    with pytest.raises(ClientError) as exc:
        rig.sign_up(client, "bob")
    assert _error(exc) == (
        "NotAuthorizedException",
        f"Client {client} is configured with secret but SECRET_HASH was not received",
    )
    rig.sign_up(client, "bob", SecretHash=secret_hash(secret, "bob", client))
    code = rig.codes.latest_code("bob")
    assert code is not None
    with pytest.raises(ClientError) as exc:
        rig.idp.confirm_sign_up(
            ClientId=client,
            Username="bob",
            ConfirmationCode=code,
            SecretHash=secret_hash(secret, "alice", client),
        )
    assert _error(exc)[1] == f"Unable to verify secret hash for client {client}"
    rig.idp.confirm_sign_up(
        ClientId=client,
        Username="bob",
        ConfirmationCode=code,
        SecretHash=secret_hash(secret, "bob", client),
    )


def test_admin_sign_in_checks_the_password_and_the_pool(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    with pytest.raises(ClientError) as exc:
        rig.idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Wr0ng-pass!"},
        )
    assert _error(exc) == WRONG
    other_pool, _ = rig.pool()
    with pytest.raises(ClientError) as exc:  # a client of another pool
        rig.idp.admin_initiate_auth(
            UserPoolId=other_pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )
    assert _error(exc)[0] == "ResourceNotFoundException"
    rig.idp.admin_disable_user(UserPoolId=pool, Username="alice")
    with pytest.raises(ClientError) as exc:
        rig.idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )
    assert _error(exc) == ("NotAuthorizedException", "User is disabled.")
    rig.idp.admin_enable_user(UserPoolId=pool, Username="alice")
    done = rig.idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )
    assert "AuthenticationResult" in done


def test_an_unconfirmed_user_with_the_right_password_is_told_to_confirm(rig: Rig) -> None:
    _, client = rig.pool()
    rig.sign_up(client)
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == ("UserNotConfirmedException", "User is not confirmed.")
    with pytest.raises(ClientError) as exc:  # the wrong password is named first
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Wr0ng-pass!"},
        )
    assert _error(exc) == WRONG


def test_an_invalid_srp_a_is_refused() -> None:
    verifier = srp.make_verifier("us-east-1_X", "alice", PASSWORD)
    assert srp.start(f"{srp.N:x}", verifier) is None  # A mod N == 0
    assert srp.start("zz", verifier) is None
    assert srp.start("02", verifier) is not None


def test_srp_in_a_pool_whose_usernames_are_emails_proves_with_the_internal_username(
    rig: Rig,
) -> None:
    pool = rig.idp.create_user_pool(PoolName="emails", UsernameAttributes=["email"])["UserPool"]
    client = rig.idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="c", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    sub = rig.idp.sign_up(ClientId=client, Username="ann@example.com", Password=PASSWORD)["UserSub"]
    rig.idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="ann@example.com")
    helper = AWSSRP("ann@example.com", PASSWORD, pool["Id"], client, client=rig.idp)
    params = helper.get_auth_params()
    challenge = rig.idp.initiate_auth(
        ClientId=client, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == sub
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=helper.process_challenge(challenge["ChallengeParameters"], params),
    )
    assert "AuthenticationResult" in done


def test_change_password_then_admin_srp_sign_in_proves_the_new_one(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.confirmed_user(pool)
    access = rig.login(client)["AuthenticationResult"]["AccessToken"]
    rig.idp.change_password(
        AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="Chang3d-pass!"
    )
    for password, signs_in in ((PASSWORD, False), ("Chang3d-pass!", True)):
        helper = _srp(rig, pool, client, password=password)
        params = helper.get_auth_params()
        challenge = rig.idp.admin_initiate_auth(
            UserPoolId=pool, ClientId=client, AuthFlow="USER_SRP_AUTH", AuthParameters=params
        )
        answer = helper.process_challenge(challenge["ChallengeParameters"], params)
        if signs_in:
            done = rig.idp.admin_respond_to_auth_challenge(
                UserPoolId=pool,
                ClientId=client,
                ChallengeName="PASSWORD_VERIFIER",
                ChallengeResponses=answer,
            )
            assert "AuthenticationResult" in done
        else:
            with pytest.raises(ClientError) as exc:
                rig.idp.admin_respond_to_auth_challenge(
                    UserPoolId=pool,
                    ClientId=client,
                    ChallengeName="PASSWORD_VERIFIER",
                    ChallengeResponses=answer,
                )
            assert _error(exc) == WRONG


def test_refresh_with_a_secret_client_checks_the_hash_of_the_username(rig: Rig) -> None:
    pool, _ = rig.pool()
    rig.confirmed_user(pool)
    made = rig.idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="secret",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    client, secret = made["ClientId"], made["ClientSecret"]
    tokens = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": "alice",
            "PASSWORD": PASSWORD,
            "SECRET_HASH": secret_hash(secret, "alice", client),
        },
    )["AuthenticationResult"]
    refresh = tokens["RefreshToken"]
    sub = rig.idp.admin_get_user(UserPoolId=pool, Username="alice")["UserAttributes"]
    sub = next(a["Value"] for a in sub if a["Name"] == "sub")
    with pytest.raises(ClientError) as exc:
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    assert "SECRET_HASH was not received" in _error(exc)[1]
    with pytest.raises(ClientError) as exc:
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": refresh,
                "SECRET_HASH": secret_hash(secret, sub, client),
            },
        )
    assert _error(exc) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client}",
    )
    again = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": refresh,
            "SECRET_HASH": secret_hash(secret, "alice", client),
        },
    )
    assert "AccessToken" in again["AuthenticationResult"]


def test_a_replayed_password_leaves_the_verifier_to_the_first_srp_sign_in() -> None:
    from moto.cognitoidp.models import CognitoIdpUser

    from stratus.local.core import determinism

    srp.install()
    with determinism.context(7, time.time(), replaying=True):
        user = CognitoIdpUser("us-east-1_X", "alice", PASSWORD, "CONFIRMED", [])
    assert "_stratus_srp_verifier" not in user.__dict__
    live = CognitoIdpUser("us-east-1_X", "bob", PASSWORD, "CONFIRMED", [])
    assert isinstance(live.__dict__["_stratus_srp_verifier"], srp.Verifier)
    verifier = srp.verifier_of(user)
    assert verifier is not None
    assert verifier.v == pow(srp.G, srp._x("us-east-1_X", "alice", PASSWORD, verifier.salt), srp.N)


def test_a_user_whose_password_an_admin_reset_must_reset_it(rig: Rig) -> None:
    pool, client = rig.pool()
    rig.sign_up(client)  # a verified e-mail address: a reset needs somewhere to send a code
    rig.idp.admin_confirm_sign_up(UserPoolId=pool, Username="alice")
    rig.idp.admin_update_user_attributes(
        UserPoolId=pool,
        Username="alice",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    rig.idp.admin_reset_user_password(UserPoolId=pool, Username="alice")
    with pytest.raises(ClientError) as exc:
        rig.login(client)
    assert _error(exc) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
