"""App client secrets: SECRET_HASH, required and checked as Cognito checks it.

A client created with a secret must send SECRET_HASH = Base64(HMAC-SHA256(client secret,
username + client id)) with every unauthenticated call that names a user; Cognito refuses a
missing one and a wrong one with NotAuthorizedException.
https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
For REFRESH_TOKEN_AUTH the username is the user's internal username (or sub), as the page on
refresh tokens says; that flow is checked by moto with the username its refresh token names.

moto checks the hash on a few operations only (SRP, MFA answers, refresh), and treats a
missing one as "wrong"; the sign-in hooks here check it on every operation that takes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def problem(client: Any, usernames: tuple[str, ...], sent: object) -> tuple[str, str] | None:
    """(code, message) Cognito answers, or None when the client has no secret or one of
    `usernames` (what the caller typed, the internal username) matches the hash sent."""
    if not getattr(client, "generate_secret", False):
        return None
    if not isinstance(sent, str) or not sent:
        return (
            "NotAuthorizedException",
            f"Client {client.id} is configured with secret but SECRET_HASH was not received",
        )
    for username in usernames:
        if username and hmac.compare_digest(
            secret_hash(str(client.secret), username, str(client.id)), sent
        ):
            return None
    return "NotAuthorizedException", f"Unable to verify secret hash for client {client.id}"


# The operations whose `SecretHash` parameter (top level, beside Username) is checked by
# `check_operation`; the sign-in operations carry it in their parameters (`auth_flows`).
OPERATIONS = (
    "SignUp",
    "ConfirmSignUp",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ResendConfirmationCode",
)


async def check_operation(call: AwsCall) -> Response | None:
    """Cognito's error when `call` lacks the right SecretHash; None lets it go on."""
    from stratus.local.cognito import pools

    body = call.json_body()
    pool = pools.pool_by_client(str(body.get("ClientId", "")))
    if pool is None:
        return None  # the next hook, or moto, names the unknown client
    client = pool.clients[str(body.get("ClientId"))]
    typed = str(body.get("Username", ""))
    user = pools.find_user(pool, typed)
    names = (typed, str(user.username)) if user is not None else (typed,)
    found = problem(client, names, body.get("SecretHash"))
    return None if found is None else call.error(*found)
