"""A user-pool endpoint with Cognito's trigger hooks in front of moto, and a fake Lambda.

moto runs in-process behind the real FrontDoor with the Cognito hooks the local cloud
registers (sign-up flows, sign-in triggers, pre token generation, sessions); trigger
functions are Python callables answered by `FakeLambda`, which records every event it was
sent. `rig.clock` is the cloud clock (token times, code expiry) a test may move.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto_harness import client_factory, serve
from starlette.responses import Response

from stratus.local.cognito import email_mfa, jwt_verify, sessions, srp, tokens
from stratus.local.cognito.auth_flows import AuthFlows
from stratus.local.cognito.auth_sessions import AuthSessions
from stratus.local.cognito.codes import ConfirmationCodes
from stratus.local.cognito.custom_auth import CustomAuth
from stratus.local.cognito.email_mfa import MfaPreferences, PoolEmailMfa
from stratus.local.cognito.flows import SignUpFlows
from stratus.local.cognito.keys import LocalTokenKeys, install, uninstall
from stratus.local.cognito.mfa import SoftwareTokens
from stratus.local.cognito.moto_sign_in import MotoSignIn
from stratus.local.cognito.secret_hash import OPERATIONS, check_operation
from stratus.local.cognito.session_ops import SessionFlows
from stratus.local.cognito.sign_in import SignInTriggers
from stratus.local.cognito.triggers import TriggerInvoker
from stratus.local.core.call import AwsCall
from stratus.local.core.clock import CloudClock
from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.registry import Hook

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"
PASSWORD = "Passw0rd!x"
Handler = Callable[[dict[str, Any]], Any]


class FunctionFailed(Exception):
    """Raise from a handler: the function errors, as a raised exception does on Lambda."""


@dataclass
class FakeLambda:
    handlers: dict[str, Handler] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delay_s: float = 0.0

    async def __call__(self, function: str, payload: bytes) -> InvokeResult:
        name = function.rsplit(":", 1)[-1]
        event = json.loads(payload)
        self.events.append((name, json.loads(payload)))  # as sent, before the handler
        if name not in self.handlers:
            raise FunctionNotFoundError(function)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        try:
            answer = self.handlers[name](event)
        except FunctionFailed as exc:
            error = {"errorMessage": str(exc), "errorType": "Exception", "stackTrace": []}
            return InvokeResult(200, json.dumps(error).encode(), function_error="Unhandled")
        body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        return InvokeResult(200, body)

    def sent(self, name: str) -> list[dict[str, Any]]:
        return [event for fn, event in self.events if fn == name]


@dataclass
class Rig:
    aws: Callable[[str], Any]
    fake: FakeLambda
    codes: ConfirmationCodes
    keys: LocalTokenKeys
    moto: MotoApp | None = None
    clock: CloudClock = field(default_factory=CloudClock)

    @property
    def idp(self) -> Any:
        return self.aws("cognito-idp")

    def pool(self, **lambda_config: Any) -> tuple[str, str]:
        """A pool whose LambdaConfig names fake functions (PreSignUp='pre' -> ARN ...:pre)."""
        config = {
            key: (value if isinstance(value, dict) else ARN + value)
            for key, value in lambda_config.items()
        }
        pool = self.idp.create_user_pool(
            PoolName=f"p{time.monotonic_ns()}",
            LambdaConfig=config,
            AutoVerifiedAttributes=["email"],
        )["UserPool"]["Id"]
        client = self.idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="c",
            ExplicitAuthFlows=[
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]["ClientId"]
        return pool, client

    def sign_up(self, client: str, username: str = "alice", **extra: Any) -> dict[str, Any]:
        attributes = [{"Name": "email", "Value": f"{username}@example.com"}]
        result: dict[str, Any] = self.idp.sign_up(
            ClientId=client,
            Username=username,
            Password=PASSWORD,
            UserAttributes=attributes,
            **extra,
        )
        return result

    def confirmed_user(self, pool: str, username: str = "alice") -> None:
        self.idp.admin_create_user(UserPoolId=pool, Username=username)
        self.idp.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
        )

    def login(self, client: str, username: str = "alice", **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            **extra,
        )
        return result


@contextmanager
def cognito_rig(tmp: Path, *, timeout_s: float = 5.0, attempts: int = 3) -> Iterator[Rig]:
    keys = LocalTokenKeys(tmp / "keys")
    install(keys)
    moto = MotoApp()
    fake = FakeLambda()
    invoker = TriggerInvoker(fake, timeout_s=timeout_s, attempts=attempts)
    clock = CloudClock()
    codes = ConfirmationCodes(tmp / "outbox.jsonl", clock=clock.now)
    door = FrontDoor(moto.handle)
    flows = SignUpFlows(codes, door.forward_to_moto, invoker)
    sign_in = SignInTriggers(door.forward_to_moto, invoker)
    session_flows = SessionFlows(keys.jwks, door.forward_to_moto)
    sessions.install_clock(clock)
    jwt_verify.install_revocations(sessions.is_revoked)
    srp.install()
    email_mfa.install()
    auth_sessions = AuthSessions(clock.now)
    engine = AuthFlows(door.forward_to_moto, auth_sessions, CustomAuth(invoker), codes)
    sign_in = SignInTriggers(door.forward_to_moto, invoker, answer=engine)
    software_tokens = SoftwareTokens(auth_sessions, clock.now)
    pool_email = PoolEmailMfa(MotoSignIn(door.forward_to_moto))

    async def bind_loop(call: AwsCall) -> Response | None:
        # pre token generation waits on the loop that serves requests (as in `stratus up`)
        tokens.install(tokens.TokenTriggers(invoker, asyncio.get_running_loop()))
        return None

    table = HookTable()
    table.add(
        [
            Hook("cognito-idp", None, before=bind_loop),
            *(Hook("cognito-idp", op, before=check_operation) for op in OPERATIONS),
            *flows.hooks(),
            *sign_in.hooks(),
            *(Hook("cognito-idp", op, before=software_tokens) for op in SoftwareTokens.OPERATIONS),
            *(Hook("cognito-idp", op, before=MfaPreferences()) for op in MfaPreferences.OPERATIONS),
            *(Hook("cognito-idp", op, before=pool_email) for op in PoolEmailMfa.OPERATIONS),
            *session_flows.hooks(),
        ]
    )
    door.hooks = table
    try:
        with serve(door) as url:
            yield Rig(client_factory(url), fake, codes, keys, moto, clock)
    finally:
        tokens.install(None)
        jwt_verify.install_revocations(None)
        sessions.install_clock(None)
        uninstall()
