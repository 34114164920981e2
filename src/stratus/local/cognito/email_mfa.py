"""E-mail MFA (EMAIL_OTP): the pool's setting, each user's preference, moto's view of both.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-sms-email-message.html
moto 5.2.5 keeps neither: SetUserPoolMfaConfig refuses a configuration with only
EmailMfaConfiguration, and SetUserMFAPreference ignores EmailMfaSettings. Here:
- SetUserPoolMfaConfig's EmailMfaConfiguration (Message with {####}, Subject) is kept on
  the pool and shown by Get/SetUserPoolMfaConfig; an e-mail-only configuration reaches moto
  with the pool's current software token setting, so moto accepts it;
- EmailMfaSettings {Enabled, PreferredMfa} is kept on the user, one preferred factor at a
  time, and shown by GetUser / AdminGetUser (UserMFASettingList, PreferredMfaSetting);
- the sign-in sends the code (`auth_steps`) with the pool's message, to the outbox.
Both settings change through journaled operations, so a restart keeps them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from stratus.local.cognito import pools
from stratus.local.cognito.mfa import user_by_access_token
from stratus.local.cognito.moto_sign_in import MotoSignIn
from stratus.local.core.call import AwsCall
from stratus.local.core.durable import mutate, operation

EMAIL = "_stratus_email_mfa"  # on a user: {"enabled": bool, "preferred": bool}
POOL_EMAIL = "_stratus_email_mfa_config"  # on a pool: EmailMfaConfiguration


def email_mfa(user: Any) -> tuple[bool, bool]:
    """(enabled, preferred) of the user's e-mail MFA; moto keeps no such setting."""
    value = user.__dict__.get(EMAIL)
    if not isinstance(value, dict):
        return False, False
    return bool(value.get("enabled")), bool(value.get("preferred"))


def pool_message(pool: Any) -> tuple[str | None, str | None]:
    """(message, subject) of the pool's EmailMfaConfiguration, None where unset."""
    config = pool.__dict__.get(POOL_EMAIL)
    if not isinstance(config, dict):
        return None, None
    return config.get("Message"), config.get("Subject")


@operation("cognito.email-mfa", services=("cognito-idp",))
def _email_mfa(pool_id: str, username: str, enabled: bool | None, preferred: bool) -> None:
    """`enabled` None: e-mail MFA unchanged, only no longer preferred (another is)."""
    pool = pools.pool_by_id(pool_id)
    user = pools.find_user(pool, username) if pool is not None else None
    if user is None:
        return
    was_enabled, _ = email_mfa(user)
    now_enabled = was_enabled if enabled is None else enabled
    user.__dict__[EMAIL] = {"enabled": now_enabled, "preferred": preferred and now_enabled}
    if preferred and now_enabled:
        user.preferred_mfa_setting = ""  # one preferred second factor at a time


@operation("cognito.email-mfa-config", services=("cognito-idp",))
def _pool_config(pool_id: str, config: dict[str, Any]) -> None:
    pool = pools.pool_by_id(pool_id)
    if pool is not None:
        pool.__dict__[POOL_EMAIL] = dict(config)


def install() -> None:
    """Make moto's user JSON (GetUser, AdminGetUser) list e-mail MFA, which moto does not
    keep: `UserMFASettingList` names EMAIL_OTP when it is on, `PreferredMfaSetting` when
    it is preferred (what Amplify's fetchMFAPreference reads)."""
    from moto.cognitoidp.models import CognitoIdpUser

    original = CognitoIdpUser.to_json
    if getattr(original, "_stratus", False):
        return

    def to_json(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = original(self, *args, **kwargs)
        enabled, preferred = email_mfa(self)
        if enabled and "UserMFASettingList" in result:
            result["UserMFASettingList"] = [*result["UserMFASettingList"], "EMAIL_OTP"]
            if preferred:
                result["PreferredMfaSetting"] = "EMAIL_OTP"
        return result

    to_json._stratus = True  # type: ignore[attr-defined]
    CognitoIdpUser.to_json = to_json  # type: ignore[method-assign]
    _install_pool_config()


def _install_pool_config() -> None:
    """GetUserPoolMfaConfig (and SetUserPoolMfaConfig's answer) show the pool's
    EmailMfaConfiguration."""
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.get_user_pool_mfa_config
    if getattr(original, "_stratus", False):
        return

    def get_config(self: Any, user_pool_id: str) -> dict[str, Any]:
        result: dict[str, Any] = original(self, user_pool_id)
        config = self.describe_user_pool(user_pool_id).__dict__.get(POOL_EMAIL)
        if isinstance(config, dict):
            result["EmailMfaConfiguration"] = dict(config)
        return result

    get_config._stratus = True  # type: ignore[attr-defined]
    CognitoIdpBackend.get_user_pool_mfa_config = get_config  # type: ignore[method-assign]


class MfaPreferences:
    """SetUserMFAPreference / AdminSetUserMFAPreference: moto keeps the SMS and software
    token settings; the e-mail one (EmailMfaSettings) is kept here, then moto answers.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserMFAPreference.html
    """

    OPERATIONS = ("SetUserMFAPreference", "AdminSetUserMFAPreference")

    async def __call__(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        email = body.get("EmailMfaSettings")
        others_preferred = any(
            isinstance(body.get(key), dict) and body[key].get("PreferredMfa") is True
            for key in ("SoftwareTokenMfaSettings", "SMSMfaSettings")
        )
        if not isinstance(email, dict) and not others_preferred:
            return None
        if call.operation == "AdminSetUserMFAPreference":
            pool = pools.pool_by_id(str(body.get("UserPoolId", "")))
            user = pools.find_user(pool, str(body.get("Username", ""))) if pool else None
        else:
            found = user_by_access_token(str(body.get("AccessToken", "")))
            pool, user = found if found is not None else (None, None)
        if pool is None or user is None:
            return None  # moto names the unknown pool, user or token
        if isinstance(email, dict):
            if email.get("PreferredMfa") is True and others_preferred:
                return call.error(
                    "InvalidParameterException", "Only one MFA method can be preferred."
                )
            if email.get("Enabled") is True and not pools.user_attributes(user).get("email"):
                return call.error(
                    "InvalidParameterException", "User does not have an email address."
                )
            enabled: bool | None = email.get("Enabled") is True
            preferred = email.get("PreferredMfa") is True
        else:
            enabled, preferred = None, False
        await asyncio.to_thread(
            mutate,
            "cognito.email-mfa",
            pool_id=pool.id,
            username=user.username,
            enabled=enabled,
            preferred=preferred,
        )
        return None


class PoolEmailMfa:
    """SetUserPoolMfaConfig with an EmailMfaConfiguration (see module docstring)."""

    OPERATIONS = ("SetUserPoolMfaConfig",)

    def __init__(self, moto: MotoSignIn) -> None:
        self._moto = moto

    async def __call__(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        config = body.get("EmailMfaConfiguration")
        pool = pools.pool_by_id(str(body.get("UserPoolId", "")))
        if not isinstance(config, dict) or pool is None:
            return None
        message = config.get("Message")
        if isinstance(message, str) and "{####}" not in message:
            return call.error("InvalidParameterException", "The email message must contain {####}.")
        await asyncio.to_thread(
            mutate, "cognito.email-mfa-config", pool_id=pool.id, config=dict(config)
        )
        if body.get("SmsMfaConfiguration") or body.get("SoftwareTokenMfaConfiguration"):
            return None  # moto takes it as it is
        current = pool.token_mfa_config or {"Enabled": False}
        forwarded = {**body, "SoftwareTokenMfaConfiguration": current}
        return await self._moto.request(call, "SetUserPoolMfaConfig", forwarded, pool.region)
