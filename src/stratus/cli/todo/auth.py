"""Cognito sign-up, sign-in and silent refresh for the CLI.

boto3 does the Cognito calls (the same code runs on AWS with no endpoint); this module only
adds what boto3 does not: keeping tokens in the store and refreshing the ID token with
REFRESH_TOKEN_AUTH shortly before it expires. The clock and the Cognito client are injected
so the refresh rules are tested with a fake clock and a fake Cognito.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from stratus.cli.todo.tokens import Tokens, TokenStore

REFRESH_LEEWAY_SECONDS = 60.0


class AuthError(Exception):
    """A Cognito call failed; the message is Cognito's own, fit to show to the user."""


class NotSignedInError(AuthError):
    """No usable session: the user has to run `stratus todo login` (again)."""


class CognitoIdp(Protocol):
    """The part of boto3's cognito-idp client this module uses (a fake implements the same)."""

    def sign_up(self, **kwargs: Any) -> dict[str, Any]: ...
    def confirm_sign_up(self, **kwargs: Any) -> dict[str, Any]: ...
    def initiate_auth(self, **kwargs: Any) -> dict[str, Any]: ...


def make_cognito_client(region: str, endpoint: str | None) -> CognitoIdp:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    # SignUp/ConfirmSignUp/InitiateAuth are public-client calls: AWS takes them unsigned.
    config = Config(signature_version=UNSIGNED, retries={"max_attempts": 2})
    client: CognitoIdp = boto3.client(
        "cognito-idp", region_name=region, endpoint_url=endpoint, config=config
    )
    return client


def _message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, msg = err.get("Code", "Error"), err.get("Message", "")
        return f"{code}: {msg}" if msg else str(code)
    return str(exc)


class CognitoAuth:
    def __init__(
        self,
        idp: CognitoIdp,
        client_id: str,
        store: TokenStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._idp, self._client_id, self._store, self._clock = idp, client_id, store, clock

    def _call(self, fn: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        try:
            return fn(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise AuthError(_message(exc)) from exc

    def sign_up(self, email: str, password: str) -> bool:
        """Registers the user; returns whether Cognito already confirmed them."""
        resp = self._call(
            self._idp.sign_up,
            ClientId=self._client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        return bool(resp.get("UserConfirmed"))

    def confirm(self, email: str, code: str) -> None:
        self._call(
            self._idp.confirm_sign_up,
            ClientId=self._client_id,
            Username=email,
            ConfirmationCode=code,
        )

    def login(self, email: str, password: str) -> Tokens:
        resp = self._call(
            self._idp.initiate_auth,
            ClientId=self._client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        result = resp.get("AuthenticationResult")
        if not result:
            raise AuthError(
                f"Cognito asks for {resp.get('ChallengeName')}, which the CLI cannot answer"
            )
        tokens = self._tokens(email, result, refresh_token=result["RefreshToken"])
        self._store.save(tokens)
        return tokens

    def logout(self) -> bool:
        return self._store.clear()

    def current(self) -> Tokens:
        """Tokens with an ID token good for at least the leeway; refreshes when needed."""
        tokens = self._store.load()
        if tokens is None:
            raise NotSignedInError("not signed in: run `stratus todo login EMAIL`")
        if tokens.needs_refresh(self._clock(), REFRESH_LEEWAY_SECONDS):
            tokens = self.refresh(tokens)
        return tokens

    def refresh(self, tokens: Tokens) -> Tokens:
        try:
            resp = self._idp.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": tokens.refresh_token},
            )
        except (ClientError, BotoCoreError) as exc:
            raise NotSignedInError(
                f"session expired ({_message(exc)}): run `stratus todo login {tokens.email}`"
            ) from exc
        # Cognito returns no new refresh token on REFRESH_TOKEN_AUTH unless rotation is on.
        result = resp["AuthenticationResult"]
        fresh = self._tokens(
            tokens.email, result, refresh_token=result.get("RefreshToken") or tokens.refresh_token
        )
        self._store.save(fresh)
        return fresh

    def _tokens(self, email: str, result: dict[str, Any], *, refresh_token: str) -> Tokens:
        return Tokens(
            email=email,
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=refresh_token,
            expires_at=self._clock() + float(result.get("ExpiresIn", 3600)),
        )
