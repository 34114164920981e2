"""Signing in to a running local cloud with pycognito, as a Python app would.

The fixture app (tests/fixtures/apps/cognito_sign_in) has a pool with optional TOTP MFA, a
client with SRP, password and custom auth, a client with a secret, and custom auth
challenge triggers (a sum to answer).

pycognito checks a token's `iss` against `<endpoint_url>/<pool id>` when it is given an
endpoint URL; the local cloud issues Cognito's own issuer
(https://cognito-idp.<region>.amazonaws.com/<pool id>), so an app points pycognito's key
look-up at the local JWKS and keeps Cognito's issuer (`_cognito` below, two lines).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import copy_fixture_app, fixture_app_cloud

PASSWORD = "Passw0rd!x"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "cognito_sign_in", "cognito-sign-in-app") as handle:
        yield handle


def _idp(cloud: LocalCloudHandle) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        "cognito-idp", endpoint_url=cloud.aws_endpoint, region_name="us-east-1", **CREDENTIALS
    )


def _user(cloud: LocalCloudHandle) -> str:
    """A new user, signed up (so its SRP verifier comes from SignUp) and confirmed."""
    username = f"user-{secrets.token_hex(4)}"
    email = f"{username}@example.org"
    _idp(cloud).sign_up(
        ClientId=cloud.stack_output("UserPoolClientId"),
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    _idp(cloud).confirm_sign_up(
        ClientId=cloud.stack_output("UserPoolClientId"),
        Username=username,
        ConfirmationCode=cloud.confirmation_code(username),
    )
    return username


def _cognito(cloud: LocalCloudHandle, username: str, **kw: Any) -> Cognito:
    pool = cloud.stack_output("UserPoolId")
    user = Cognito(
        pool,
        kw.pop("client_id", cloud.stack_output("UserPoolClientId")),
        username=username,
        boto3_client_kwargs={"endpoint_url": cloud.aws_endpoint, **CREDENTIALS},
        **kw,
    )
    # The local cloud's keys, Cognito's issuer: the one setting an app makes for local use.
    user.pool_jwk = httpx.get(f"{cloud.aws_endpoint}/{pool}/.well-known/jwks.json").json()
    user.pool_domain_url = None
    return user


def test_pycognito_srp_sign_in_gets_tokens_with_cognitos_issuer(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    user = _cognito(cloud, username)
    user.authenticate(password=PASSWORD)  # SRP, then pycognito verifies both tokens
    assert user.id_claims["iss"] == (
        f"https://cognito-idp.us-east-1.amazonaws.com/{cloud.stack_output('UserPoolId')}"
    )
    assert user.get_user().username == username


def test_pycognito_srp_with_a_wrong_password_is_refused(cloud: LocalCloudHandle) -> None:
    with pytest.raises(ClientError) as exc:
        _cognito(cloud, _user(cloud)).authenticate(password="Wr0ng-password!")
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )


def test_user_password_auth_through_pycognito(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    user = _cognito(cloud, username)
    user.authenticate(password=PASSWORD)
    tokens = _idp(cloud).initiate_auth(
        ClientId=cloud.stack_output("UserPoolClientId"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    user.verify_token(tokens["IdToken"], "id_token", "id")
    with pytest.raises(ClientError):
        _idp(cloud).initiate_auth(
            ClientId=cloud.stack_output("UserPoolClientId"),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": "nope"},
        )


def test_pycognito_with_a_client_secret(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    client_id = cloud.stack_output("SecretClientId")
    secret = _idp(cloud).describe_user_pool_client(
        UserPoolId=cloud.stack_output("UserPoolId"), ClientId=client_id
    )["UserPoolClient"]["ClientSecret"]
    user = _cognito(cloud, username, client_id=client_id, client_secret=secret)
    user.authenticate(password=PASSWORD)
    assert user.access_claims["client_id"] == client_id
    with pytest.raises(ClientError) as exc:
        _cognito(cloud, username, client_id=client_id).authenticate(password=PASSWORD)
    assert "SECRET_HASH was not received" in exc.value.response["Error"]["Message"]


def test_pycognito_totp_set_up_then_mfa_sign_in(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    user = _cognito(cloud, username)
    user.authenticate(password=PASSWORD)
    secret = user.associate_software_token()
    with pytest.raises(ClientError) as exc:
        user.verify_software_token(_wrong_code(secret))
    assert exc.value.response["Error"]["Code"] == "EnableSoftwareTokenMFAException"
    assert user.verify_software_token(pyotp.TOTP(secret).now()) is True
    user.set_user_mfa_preference(sms_mfa=False, software_token_mfa=True, preferred="SOFTWARE_TOKEN")

    again = _cognito(cloud, username)
    with pytest.raises(SoftwareTokenMFAChallengeException) as challenge:
        again.authenticate(password=PASSWORD)
    mfa_tokens = challenge.value.get_tokens()
    with pytest.raises(ClientError) as exc:
        again.respond_to_software_token_mfa_challenge(_wrong_code(secret), mfa_tokens)
    assert exc.value.response["Error"]["Code"] == "CodeMismatchException"
    again.respond_to_software_token_mfa_challenge(pyotp.TOTP(secret).now(), mfa_tokens)
    assert again.access_claims["username"] == username


def _wrong_code(secret: str) -> str:
    """A code no clock drift Cognito allows makes right."""
    now = time.time()
    near = {pyotp.TOTP(secret).at(now + 30 * step) for step in range(-2, 3)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in near)


def test_custom_auth_through_the_challenge_trigger_functions(cloud: LocalCloudHandle) -> None:
    username = _user(cloud)
    client_id = cloud.stack_output("UserPoolClientId")
    idp = _idp(cloud)
    start = idp.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": username}
    )
    assert start["ChallengeName"] == "CUSTOM_CHALLENGE"
    a, b = (int(n) for n in start["ChallengeParameters"]["question"].split("+"))
    wrong = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": username, "ANSWER": str(a + b + 1)},
    )
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"  # a new sum
    a, b = (int(n) for n in wrong["ChallengeParameters"]["question"].split("+"))
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=wrong["Session"],
        ChallengeResponses={"USERNAME": username, "ANSWER": str(a + b)},
    )
    _cognito(cloud, username).verify_token(
        done["AuthenticationResult"]["AccessToken"], "access_token", "access"
    )


def test_verifier_and_totp_secret_survive_a_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    app_dir = copy_fixture_app(tmp_path_factory, "cognito_sign_in", "cognito-restart-app")
    proc, cloud = start_local_cloud(None, app_dir=app_dir)
    try:
        username = _user(cloud)
        user = _cognito(cloud, username)
        user.authenticate(password=PASSWORD)
        secret = user.associate_software_token()
        user.verify_software_token(pyotp.TOTP(secret).now())
        user.set_user_mfa_preference(
            sms_mfa=False, software_token_mfa=True, preferred="SOFTWARE_TOKEN"
        )
    finally:
        stop_local_cloud(proc)
    proc, cloud = start_local_cloud(None, app_dir=app_dir, fresh=False)
    try:
        with pytest.raises(ClientError):
            _cognito(cloud, username).authenticate(password="Wr0ng-password!")
        again = _cognito(cloud, username)
        with pytest.raises(SoftwareTokenMFAChallengeException) as challenge:
            again.authenticate(password=PASSWORD)
        again.respond_to_software_token_mfa_challenge(
            pyotp.TOTP(secret).now(), challenge.value.get_tokens()
        )
        assert again.access_claims["username"] == username
    finally:
        stop_local_cloud(proc)


def test_the_templates_mfa_settings_are_the_pools(cloud: LocalCloudHandle) -> None:
    config = _idp(cloud).get_user_pool_mfa_config(UserPoolId=cloud.stack_output("UserPoolId"))
    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
