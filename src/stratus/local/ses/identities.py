"""What SES says about an identity: Easy DKIM tokens and status, verification, MAIL FROM.

An identity is verified at once locally (no DNS to check), so a domain identity answers as
one whose Easy DKIM records SES has found: signing enabled, status `SUCCESS`, and three
tokens (https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html).
The tokens are derived from the domain, so they stay the same across restarts and match
the DkimDNSTokenName/Value attributes the CloudFormation provider gives. An address
identity signs with its domain's DKIM when that domain is an identity too (as SES does).
moto answers DKIM `NOT_STARTED` for a v2 identity created without signing attributes and
random v1 tokens; the two handlers below replace those answers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
DEFAULT_KEY_LENGTH = "RSA_2048_BIT"  # SES's Easy DKIM default for new identities


def domain_of(identity: str) -> str:
    return identity.rsplit("@", 1)[-1].lower()


def dkim_tokens(identity: str) -> list[str]:
    """Three 32-character tokens, stable for the identity's domain."""
    domain = domain_of(identity)
    tokens = []
    for index in range(3):
        number = int(hashlib.sha256(f"{domain}/{index}".encode()).hexdigest(), 16)
        chars = []
        for _ in range(32):
            number, rem = divmod(number, len(_ALPHABET))
            chars.append(_ALPHABET[rem])
        tokens.append("".join(chars))
    return tokens


def signs_with_dkim(backend: Any, identity: str) -> bool:
    """A domain identity signs; an address signs when its domain is an identity."""
    known = getattr(backend, "email_identities", {})
    return "@" not in identity or domain_of(identity) in known


def _v2_dkim(backend: Any, identity: str, current: dict[str, Any]) -> dict[str, Any]:
    if not signs_with_dkim(backend, identity):
        return current
    length = current.get("NextSigningKeyLength")
    length = length if length and length != "RSA_1024_BIT" else DEFAULT_KEY_LENGTH
    return {
        **current,
        "SigningEnabled": True,
        "Status": "SUCCESS",
        "Tokens": dkim_tokens(identity),
        "SigningAttributesOrigin": current.get("SigningAttributesOrigin") or "AWS_SES",
        "CurrentSigningKeyLength": length,
        "NextSigningKeyLength": length,
    }


def v2_get_email_identity(original: Any) -> Any:
    """SESv2 GetEmailIdentity with local verification, Easy DKIM and MAIL FROM
    (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html)."""

    def handler(self: Any) -> str:
        answer = json.loads(original(self))
        name = str(self._get_param("EmailIdentity") or "")
        backend = self.sesv2_backend.core_backend
        answer["VerifiedForSendingStatus"] = True
        answer["VerificationStatus"] = "SUCCESS"
        answer["DkimAttributes"] = _v2_dkim(backend, name, answer.get("DkimAttributes") or {})
        mail_from = getattr(backend, "identity_mail_from_domains", {}).get(name)
        if mail_from and mail_from.get("mail_from_domain"):
            answer["MailFromAttributes"] = {
                "MailFromDomain": mail_from["mail_from_domain"],
                "MailFromDomainStatus": "SUCCESS",
                "BehaviorOnMxFailure": _v2_behavior(mail_from.get("behavior_on_mx_failure")),
            }
        return json.dumps(answer)

    return handler


def _v2_behavior(v1: str | None) -> str:
    return "REJECT_MESSAGE" if v1 == "RejectMessage" else "USE_DEFAULT_VALUE"


def v1_get_identity_dkim_attributes(self: Any) -> Any:
    """SES v1 GetIdentityDkimAttributes: the same tokens and status as v2
    (https://docs.aws.amazon.com/ses/latest/APIReference/API_GetIdentityDkimAttributes.html)."""
    from moto.core.responses import ActionResult

    found: dict[str, dict[str, Any]] = {}
    for identity in self._get_param("Identities", []) or []:
        if signs_with_dkim(self.backend, identity):
            found[identity] = {
                "DkimEnabled": True,
                "DkimVerificationStatus": "Success",
                "DkimTokens": dkim_tokens(identity),
            }
        else:
            found[identity] = {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"}
    return ActionResult({"DkimAttributes": found})
