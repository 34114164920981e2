"""Sign-up, confirmation and password reset as Cognito runs them: codes and triggers.

Before-hooks on cognito-idp that answer instead of moto (forwarding to it in the middle):
- SignUp: pre sign-up (`PreSignUp_SignUp`) may reject, auto-confirm and auto-verify
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
  then a code goes out (custom message `CustomMessage_SignUp`) unless the user was
  auto-confirmed, in which case post confirmation runs instead.
- AdminCreateUser: pre sign-up (`PreSignUp_AdminCreateUser`); its auto-* answers are
  ignored there, as the page says.
- ConfirmSignUp / AdminConfirmSignUp / ConfirmForgotPassword: the code is checked, then
  post confirmation (`PostConfirmation_ConfirmSignUp` / `_ConfirmForgotPassword`); a failing
  function fails the request but the user stays confirmed, as on AWS
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
- ResendConfirmationCode / ForgotPassword: a new code, through the custom message trigger
  (`CustomMessage_ResendCode` / `_ForgotPassword`)
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
- ConfirmSignUp verifies the attribute the code went to when the pool auto-verifies it
  (AutoVerifiedAttributes): `email_verified` / `phone_number_verified` become true, as
  Cognito sets them; a used code does not work again (`codes`).
  https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import JSONResponse, Response

from stratus.local.cognito import pools
from stratus.local.cognito.codes import (
    CODE_PARAMETER,
    FORGOT_PASSWORD,
    SIGN_UP,
    ConfirmationCodes,
)
from stratus.local.cognito.delivery import (
    custom_message,
    default_message,
    delivery_attribute,
    masked_email,
    masked_phone,
    recovery_mechanisms,
)
from stratus.local.cognito.triggers import (
    Caller,
    TriggerError,
    TriggerInvoker,
    event,
    sdk_version,
)
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook

Forward = Callable[[AwsRequest], Awaitable[Response]]
LINK_PARAMETER = "{##Click Here##}"  # Cognito's link placeholder in custom message events


def _attributes(items: Any) -> dict[str, str]:
    """[{Name, Value}] (the API's shape) -> {name: value} (the trigger event's shape)."""
    if not isinstance(items, list):
        return {}
    return {str(i.get("Name")): str(i.get("Value", "")) for i in items if isinstance(i, dict)}


def _metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    meta = body.get("ClientMetadata")
    return {"clientMetadata": dict(meta)} if isinstance(meta, dict) and meta else {}


class SignUpFlows:
    # cognito-idp operation -> the method that runs it
    OPERATIONS: ClassVar[dict[str, str]] = {
        "SignUp": "sign_up",
        "AdminCreateUser": "admin_create_user",
        "ConfirmSignUp": "confirm_sign_up",
        "AdminConfirmSignUp": "admin_confirm_sign_up",
        "ResendConfirmationCode": "resend_code",
        "ForgotPassword": "forgot_password",
        "ConfirmForgotPassword": "confirm_forgot_password",
    }

    def __init__(
        self,
        codes: ConfirmationCodes,
        forward: Forward,
        invoker: TriggerInvoker | None,
    ) -> None:
        self.codes = codes
        self._forward = forward
        self._invoker = invoker

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("cognito-idp", op, before=getattr(self, method))
            for op, method in self.OPERATIONS.items()
        ]

    # Triggers -----------------------------------------------------------------------
    async def run(
        self,
        pool: Any,
        trigger: str,
        source: str,
        *,
        call: AwsCall,
        caller: Caller,
        username: str,
        request: Mapping[str, Any],
        response: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Invoke the pool's `trigger` function if it has one: its `response`, else None."""
        function = pools.lambda_config(pool).get(trigger)
        if not function or self._invoker is None:
            return None
        payload = event(
            source,
            region=pool.region,
            pool_id=pool.id,
            username=username,
            caller=caller,
            request=request,
            response=response,
        )
        return await self._invoker(trigger, str(function), payload)

    async def _post_confirmation(
        self, pool: Any, source: str, call: AwsCall, caller: Caller, username: str
    ) -> None:
        user = pools.find_user(pool, username)
        if user is None:
            return
        request = {"userAttributes": pools.user_attributes(user), **_metadata(call.json_body())}
        await self.run(
            pool,
            "PostConfirmation",
            source,
            call=call,
            caller=caller,
            username=user.username,
            request=request,
        )

    async def _send_code(
        self, pool: Any, source: str, call: AwsCall, caller: Caller, username: str, purpose: str
    ) -> None:
        """Issue a code with the message Cognito would send (custom message trigger first)."""
        user = pools.find_user(pool, username)
        message = default_message(pool)
        if user is not None:
            request = {
                "userAttributes": pools.user_attributes(user),
                "codeParameter": CODE_PARAMETER,
                "linkParameter": LINK_PARAMETER,
                "usernameParameter": None,
                **_metadata(call.json_body()),
            }
            blank = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
            answer = await self.run(
                pool,
                "CustomMessage",
                source,
                call=call,
                caller=caller,
                username=user.username,
                request=request,
                response=blank,
            )
            if answer is not None:
                message = custom_message(answer, message)
        self.codes.issue(caller.client_id, username, purpose=purpose, message=message)

    # Operations -----------------------------------------------------------------------
    async def sign_up(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        client_id, username = str(body.get("ClientId", "")), str(body.get("Username", ""))
        pool = pools.pool_by_client(client_id)
        if pool is None or pools.find_user(pool, username) is not None:
            return None  # moto answers ResourceNotFoundException / UsernameExistsException
        caller = Caller(client_id, sdk_version(call))
        attributes = _attributes(body.get("UserAttributes"))
        request = {
            "userAttributes": attributes,
            "validationData": _attributes(body.get("ValidationData")) or None,
            **_metadata(body),
        }
        blank = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
        try:
            answer = (
                await self.run(
                    pool,
                    "PreSignUp",
                    "PreSignUp_SignUp",
                    call=call,
                    caller=caller,
                    username=username,
                    request=request,
                    response=blank,
                )
                or {}
            )
        except TriggerError as exc:
            return exc.response(call)
        response = await self._forward(call.request)
        if response.status_code != 200:
            return response
        user = pools.find_user(pool, username)
        confirmed = False
        if user is not None:
            for attribute, flag in (
                ("email", "autoVerifyEmail"),
                ("phone_number", "autoVerifyPhone"),
            ):
                if answer.get(flag) is True and attribute in attributes:
                    # In a thread: a journaled change waits for the write lock, which a
                    # moto call may hold while it waits for this event loop.
                    await asyncio.to_thread(pools.mark_verified, user, attribute)
            if answer.get("autoConfirmUser") is True:
                await asyncio.to_thread(pools.confirm, user)
                confirmed = True
                response = _rewrite(response, UserConfirmed=True, CodeDeliveryDetails=None)
        try:
            if confirmed:
                await self._post_confirmation(
                    pool, "PostConfirmation_ConfirmSignUp", call, caller, username
                )
            else:
                await self._send_code(pool, "CustomMessage_SignUp", call, caller, username, SIGN_UP)
        except TriggerError as exc:
            return exc.response(call)
        return response

    async def admin_create_user(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        pool = pools.pool_by_id(str(body.get("UserPoolId", "")))
        username = str(body.get("Username", ""))
        if pool is None or body.get("MessageAction") == "RESEND":
            return None
        request = {
            "userAttributes": _attributes(body.get("UserAttributes")),
            "validationData": _attributes(body.get("ValidationData")) or None,
            **_metadata(body),
        }
        try:
            # The answer's auto-confirm/verify flags are ignored for AdminCreateUser (page above).
            await self.run(
                pool,
                "PreSignUp",
                "PreSignUp_AdminCreateUser",
                call=call,
                caller=Caller(pools.NO_CLIENT, sdk_version(call)),
                username=username,
                request=request,
                response={
                    "autoConfirmUser": False,
                    "autoVerifyEmail": False,
                    "autoVerifyPhone": False,
                },
            )
        except TriggerError as exc:
            return exc.response(call)
        return None  # moto creates the user

    async def confirm_sign_up(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        client_id, username = str(body.get("ClientId", "")), str(body.get("Username", ""))
        problem = self.codes.check(client_id, username, str(body.get("ConfirmationCode", "")))
        if problem is not None:
            return problem
        pool = pools.pool_by_client(client_id)

        async def confirmed() -> None:
            self.codes.consume(client_id, username, SIGN_UP)
            user = None if pool is None else pools.find_user(pool, username)
            attribute = None if user is None else delivery_attribute(pool, user)
            if user is not None and attribute is not None:
                await asyncio.to_thread(pools.mark_verified, user, attribute)

        return await self._confirm_then_trigger(
            call,
            pool,
            Caller(client_id, sdk_version(call)),
            username,
            "PostConfirmation_ConfirmSignUp",
            confirmed,
        )

    async def admin_confirm_sign_up(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        return await self._confirm_then_trigger(
            call,
            pools.pool_by_id(str(body.get("UserPoolId", ""))),
            Caller(pools.NO_CLIENT, sdk_version(call)),
            str(body.get("Username", "")),
            "PostConfirmation_ConfirmSignUp",
        )

    async def confirm_forgot_password(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        client_id, username = str(body.get("ClientId", "")), str(body.get("Username", ""))
        code = str(body.get("ConfirmationCode", ""))
        problem = self.codes.check(client_id, username, code, purpose=FORGOT_PASSWORD)
        if problem is not None:
            return problem

        async def used() -> None:
            self.codes.consume(client_id, username, FORGOT_PASSWORD)

        return await self._confirm_then_trigger(
            call,
            pools.pool_by_client(client_id),
            Caller(client_id, sdk_version(call)),
            username,
            "PostConfirmation_ConfirmForgotPassword",
            used,
        )

    async def _confirm_then_trigger(
        self,
        call: AwsCall,
        pool: Any,
        caller: Caller,
        username: str,
        source: str,
        confirmed: Callable[[], Awaitable[None]] | None = None,
    ) -> Response | None:
        """moto confirms; then `confirmed()` and the post confirmation trigger run."""
        if pool is None:
            return None  # moto answers alone
        response = await self._forward(call.request)
        if response.status_code != 200:
            return response
        if confirmed is not None:
            await confirmed()
        if not pools.lambda_config(pool).get("PostConfirmation"):
            return response
        try:
            await self._post_confirmation(pool, source, call, caller, username)
        except TriggerError as exc:
            return exc.response(call)  # the user stays confirmed, as on AWS
        return response

    async def resend_code(self, call: AwsCall) -> Response | None:
        """Answered here: moto 5.2.5 does not implement ResendConfirmationCode.
        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ResendConfirmationCode.html
        """
        body = call.json_body()
        client_id, username = str(body.get("ClientId", "")), str(body.get("Username", ""))
        pool = pools.pool_by_client(client_id)
        if pool is None:
            return call.error(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            )
        user = pools.find_user(pool, username)
        if user is None:
            return call.error("UserNotFoundException", "Username/client id combination not found.")
        if pools.is_confirmed(user):
            return call.error("InvalidParameterException", "User is already confirmed.")
        limited = self.codes.limit_reached(username, SIGN_UP)
        if limited is not None:
            return limited
        try:
            await self._send_code(
                pool,
                "CustomMessage_ResendCode",
                call,
                Caller(client_id, sdk_version(call)),
                username,
                SIGN_UP,
            )
        except TriggerError as exc:
            return exc.response(call)
        attribute = delivery_attribute(pool, user) or "email"
        value = pools.user_attributes(user).get(attribute, "")
        details = {
            "Destination": masked_email(value) if attribute == "email" else masked_phone(value),
            "DeliveryMedium": "EMAIL" if attribute == "email" else "SMS",
            "AttributeName": attribute,
        }
        return JSONResponse(
            {"CodeDeliveryDetails": details}, media_type="application/x-amz-json-1.1"
        )

    async def forgot_password(self, call: AwsCall) -> Response | None:
        """The code goes to the user's first verified recovery attribute, by the pool's
        AccountRecoverySetting priority (legacy default: phone, then e-mail); none verified
        is Cognito's InvalidParameterException.
        https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ForgotPassword.html
        """
        body = call.json_body()
        pool = pools.pool_by_client(str(body.get("ClientId", "")))
        user = None if pool is None else pools.find_user(pool, str(body.get("Username", "")))
        if pool is None or user is None:
            return None  # moto answers (ResourceNotFound / its own delivery details)
        mechanisms = recovery_mechanisms(pool)
        if mechanisms == ["admin_only"]:
            return None  # moto answers NotAuthorized "Contact administrator ..."
        attributes = pools.user_attributes(user)
        attribute = next(
            (
                name
                for name in mechanisms
                if attributes.get(f"{name}_verified") == "true" and attributes.get(name)
            ),
            None,
        )
        if attribute is None:
            return call.error(
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified "
                "email or phone_number",
            )
        response = await self._code_operation(call, "CustomMessage_ForgotPassword", FORGOT_PASSWORD)
        if response.status_code != 200:
            return response
        value = attributes[attribute]
        return _rewrite(
            response,
            CodeDeliveryDetails={
                "Destination": masked_email(value) if attribute == "email" else masked_phone(value),
                "DeliveryMedium": "EMAIL" if attribute == "email" else "SMS",
                "AttributeName": attribute,
            },
        )

    async def _code_operation(self, call: AwsCall, source: str, purpose: str) -> Response:
        body = call.json_body()
        client_id, username = str(body.get("ClientId", "")), str(body.get("Username", ""))
        limited = self.codes.limit_reached(username, purpose)
        if limited is not None:
            return limited
        response = await self._forward(call.request)
        pool = pools.pool_by_client(client_id)
        if response.status_code != 200 or pool is None or pools.find_user(pool, username) is None:
            return response
        try:
            await self._send_code(
                pool, source, call, Caller(client_id, sdk_version(call)), username, purpose
            )
        except TriggerError as exc:
            return exc.response(call)
        return response


def _rewrite(response: Response, **changes: Any) -> Response:
    """moto's JSON answer with `changes` applied (None removes a key)."""
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return response
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(json.dumps(body).encode(), status_code=response.status_code, headers=headers)
