"""Where a Cognito code goes and what it says: the delivery attribute, the masked
destination Cognito answers, and the message texts (the pool's, or a custom message
trigger's). Kept apart from `flows` (which runs the operations) so each stays one job.

- Sign-up codes go to the phone when the pool auto-verifies phone numbers and the user has
  one, else to the e-mail address; ConfirmSignUp verifies that attribute
  (https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html).
- Password-reset codes go to the first verified attribute in the pool's
  AccountRecoverySetting order (legacy default: phone, then e-mail)
  (https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from stratus.local.cognito import pools
from stratus.local.cognito.codes import CODE_PARAMETER, Message

log = logging.getLogger("stratus.cognito")


def recovery_mechanisms(pool: Any) -> list[str]:
    """Attribute names ('phone_number', 'email') or ['admin_only'], by priority."""
    setting = pool.extended_config.get("AccountRecoverySetting") or {}
    items = setting.get("RecoveryMechanisms") if isinstance(setting, dict) else None
    if not items:
        return ["phone_number", "email"]  # the legacy order, without a setting
    names = {"verified_phone_number": "phone_number", "verified_email": "email"}
    ordered = sorted(items, key=lambda m: int(m.get("Priority", 0)))
    if any(m.get("Name") == "admin_only" for m in ordered):
        return ["admin_only"]
    return [names[m["Name"]] for m in ordered if m.get("Name") in names]


def delivery_attribute(pool: Any, user: Any) -> str | None:
    """The attribute a sign-up code goes to and ConfirmSignUp verifies: the phone number
    when the pool auto-verifies it and the user has one (Cognito prefers SMS), else the
    e-mail address when auto-verified; None when the pool verifies neither."""
    auto = pool.extended_config.get("AutoVerifiedAttributes") or []
    attributes = pools.user_attributes(user)
    for attribute in ("phone_number", "email"):
        if attribute in auto and attributes.get(attribute):
            return attribute
    return None


def masked_phone(number: str) -> str:
    return f"+*******{number[-4:]}" if len(number) >= 4 else "***"


def masked_email(email: str) -> str:
    """Cognito's masked destination ('a***@e***')."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


def default_message(pool: Any) -> Message:
    template = pool.extended_config.get("VerificationMessageTemplate") or {}
    return Message(
        email_subject=template.get("EmailSubject")
        or pool.extended_config.get("EmailVerificationSubject"),
        email_message=template.get("EmailMessage")
        or pool.extended_config.get("EmailVerificationMessage"),
        sms_message=template.get("SmsMessage")
        or pool.extended_config.get("SmsVerificationMessage"),
    )


def custom_message(answer: Mapping[str, Any], default: Message) -> Message:
    """The trigger's texts; a message without the code placeholder cannot carry the code,
    so the pool's own message is kept for it (and the function's mistake is logged)."""

    def pick(key: str, fallback: str | None, needs_code: bool) -> str | None:
        value = answer.get(key)
        if not isinstance(value, str) or not value:
            return fallback
        if needs_code and CODE_PARAMETER not in value:
            log.warning("custom message trigger: %s has no %s; default kept", key, CODE_PARAMETER)
            return fallback
        return value

    return Message(
        email_subject=pick("emailSubject", default.email_subject, False),
        email_message=pick("emailMessage", default.email_message, True),
        sms_message=pick("smsMessage", default.sms_message, True),
    )
