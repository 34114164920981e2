"""Tokens and password changes for a sign-in the hooks have checked, made by moto.

moto keeps the users and issues the tokens, and every change to it must be a request the
journal can replay. So once `auth_flows` has checked everything, tokens come from a
USER_SRP_AUTH InitiateAuth (which, in moto, only opens a session) followed by moto's
MFA_SETUP answer for that session (which issues tokens and checks nothing); a
NEW_PASSWORD_REQUIRED answer sets the password with AdminSetUserPassword (moto applies the
pool's password policy) and the attributes it carries with AdminUpdateUserAttributes.
The requests carry the caller's headers, and moto's thread sees the caller's call, so the
pre token generation trigger (`cognito.tokens`) gets the caller's trigger source and
metadata. Cost: moto keeps the session each sign-in opened (a username and a pool
reference).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from stratus.local.cognito import secret_hash
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall

Forward = Callable[[AwsRequest], Awaitable[Response]]
TARGET = "AWSCognitoIdentityProviderService."


class MotoSignIn:
    def __init__(self, forward: Forward) -> None:
        self._forward = forward

    async def tokens(self, call: AwsCall, pool: Any, client_id: str, username: str) -> Response:
        """moto's AuthenticationResult for `username` through `client_id`."""
        client = pool.clients[client_id]
        params = {"USERNAME": username, "SRP_A": "2"}
        if client.generate_secret:
            params["SECRET_HASH"] = secret_hash.secret_hash(str(client.secret), username, client.id)
        opened = await self.request(
            call,
            "InitiateAuth",
            {"ClientId": client.id, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params},
        )
        if opened.status_code != 200:
            return opened
        session = json.loads(bytes(opened.body))["Session"]
        responses = {"USERNAME": username}
        if client.generate_secret:
            responses["SECRET_HASH"] = params["SECRET_HASH"]
        return await self.request(
            call,
            "RespondToAuthChallenge",
            {
                "ClientId": client.id,
                "ChallengeName": "MFA_SETUP",
                "Session": session,
                "ChallengeResponses": responses,
            },
        )

    async def set_password(
        self, call: AwsCall, pool: Any, username: str, password: str
    ) -> Response:
        body = {"UserPoolId": pool.id, "Username": username, "Password": password}
        return await self.request(
            call, "AdminSetUserPassword", {**body, "Permanent": True}, pool.region
        )

    async def update_attributes(
        self, call: AwsCall, pool: Any, username: str, attributes: list[dict[str, str]]
    ) -> Response:
        body = {"UserPoolId": pool.id, "Username": username, "UserAttributes": attributes}
        return await self.request(call, "AdminUpdateUserAttributes", body, pool.region)

    async def request(
        self, call: AwsCall, operation: str, body: dict[str, Any], region: str = ""
    ) -> Response:
        """A request of our own to moto, made as the caller's (see module docstring)."""
        from stratus.local.core.front_door import CURRENT_CALL

        data = json.dumps(body).encode()
        headers = {
            k: v
            for k, v in call.request.headers.items()
            if k not in ("content-length", "x-amz-target")
        }
        headers.update({"x-amz-target": TARGET + operation, "content-length": str(len(data))})
        if "authorization" not in headers and region:
            # An unsigned sign-in call names no region; moto's Admin* operations need the
            # pool's (moto reads it from the credential scope, and checks no signature).
            headers["authorization"] = (
                f"AWS4-HMAC-SHA256 Credential=test/20200101/{region}/cognito-idp/aws4_request,"
                " SignedHeaders=host, Signature=0"
            )
        request = dataclasses.replace(call.request, headers=headers, body=data)
        token = CURRENT_CALL.set(call)
        try:
            return await self._forward(request)
        finally:
            CURRENT_CALL.reset(token)
