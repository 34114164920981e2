"""SES (v1 query API and v2 REST API; IAM prefix `ses` for both).

From https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonses.html
and https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html: sending is
authorized on the sending identity (`identity/<address or domain>`) and also on the
configuration set and the template the request names, each a required check; the condition
keys are `ses:FromAddress`, `ses:FromDisplayName`, `ses:Recipients`, `ses:FeedbackAddress`
and `ses:ApiVersion` ("1" or "2").

Which identity: the ARN the request names (SourceArn / FromEmailAddressIdentityArn, for
sending authorization); else the verified identity that covers the address, which only
state knows (the address itself, or its domain): the optional `ses_identity` lookup
answers it, and without it the address identity is assumed. A raw message without a
Source is sent as its `From:` header.
"""

from __future__ import annotations

import base64
import binascii
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any

from stratus.local.iam.actions.base import Need, Request, dig, items, scalars

_V1_SEND = frozenset({"SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"})
_V2_SEND = frozenset({"SendEmail", "SendBulkEmail"})


def _raw_from(data: str | None) -> str | None:
    if not data:
        return None
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    return BytesHeaderParser().parsebytes(raw).get("From")


def _split_address(value: str) -> tuple[str, str]:
    """(display name, address); the email parser only when there is a name to strip (it
    costs tens of microseconds, the plain case nothing)."""
    if "<" not in value and '"' not in value and "(" not in value:
        return "", value.strip()
    return parseaddr(value)


def _identity(req: Request, arn: str | None, address: str) -> str:
    if arn:
        return arn
    name = req.lookup("ses_identity", address) or address
    return req.arn("ses", f"identity/{name}")


def _send(
    req: Request,
    *,
    version: str,
    source: str,
    identity_arn: str | None,
    template: str | None,
    recipients: list[str],
    feedback: str | None,
) -> list[Need]:
    action = f"ses:{req.operation}"
    display, address = _split_address(source)
    ctx: dict[str, str | list[str]] = {"ses:ApiVersion": version}
    if address:
        ctx["ses:FromAddress"] = address
    if display:
        ctx["ses:FromDisplayName"] = display
    addresses = [a for _, a in map(_split_address, recipients) if a]
    if addresses:
        ctx["ses:Recipients"] = addresses
    if feedback:
        ctx["ses:FeedbackAddress"] = _split_address(feedback)[1] or feedback
    sender = address or source
    identity = _identity(req, identity_arn, sender) if identity_arn or sender else "*"
    needs = [Need(action, identity, ctx)]
    config = req.text("ConfigurationSetName")
    if config:
        needs.append(Need(action, req.arn("ses", f"configuration-set/{config}"), ctx))
    if template:
        resource = (
            template if template.startswith("arn:") else req.arn("ses", f"template/{template}")
        )
        needs.append(Need(action, resource, ctx))
    return needs


def _v1_recipients(params: dict[str, Any], prefix: str = "Destination") -> list[str]:
    out: list[str] = []
    for kind in ("ToAddresses", "CcAddresses", "BccAddresses"):
        nested = dig(params, prefix)
        if isinstance(nested, dict):
            out += scalars(nested, kind)
        else:
            out += scalars(params, f"{prefix}.{kind}")
    return out


def ses(req: Request) -> list[Need]:
    """SES v1: the sending calls as above; the reference gives its other actions no resource."""
    op, params = req.operation, req.params
    if op not in _V1_SEND:  # v1's other actions have no resource type
        return [Need(f"ses:{op}", "*", {"ses:ApiVersion": "1"})]
    source = req.text("Source") or ""
    if op == "SendRawEmail" and not source:
        source = _raw_from(dig(params, "RawMessage.Data")) or ""
    recipients = _v1_recipients(params)
    if op == "SendRawEmail":  # a plain list of addresses there
        recipients += scalars(params, "Destinations")
    if op == "SendBulkTemplatedEmail":
        for entry in items(params, "Destinations"):
            recipients += _v1_recipients(entry)
    return _send(
        req,
        version="1",
        source=source,
        identity_arn=req.text("SourceArn") or req.text("FromArn"),
        template=req.text("Template") or req.text("TemplateArn"),
        recipients=recipients,
        feedback=req.text("ReturnPath"),
    )


def _v2_recipients(destination: Any) -> list[str]:
    if not isinstance(destination, dict):
        return []
    out: list[str] = []
    for kind in ("ToAddresses", "CcAddresses", "BccAddresses"):
        out += [a for a in destination.get(kind) or [] if isinstance(a, str)]
    return out


def sesv2(req: Request) -> list[Need]:
    op, params = req.operation, req.params
    if op in _V2_SEND:
        content = params.get("Content") or params.get("DefaultContent") or {}
        template = content.get("Template") if isinstance(content, dict) else None
        template_name = None
        if isinstance(template, dict):
            template_name = template.get("TemplateArn") or template.get("TemplateName")
        source = req.text("FromEmailAddress") or ""
        if not source and isinstance(content, dict):
            source = _raw_from(dig(content, "Raw.Data")) or ""
        recipients = _v2_recipients(params.get("Destination"))
        for entry in params.get("BulkEmailEntries") or []:
            recipients += _v2_recipients(
                entry.get("Destination") if isinstance(entry, dict) else None
            )
        return _send(
            req,
            version="2",
            source=source,
            identity_arn=req.text("FromEmailAddressIdentityArn"),
            template=template_name,
            recipients=recipients,
            feedback=req.text("FeedbackForwardingEmailAddress"),
        )
    ctx = {"ses:ApiVersion": "2"}
    identity = req.text("EmailIdentity")
    if identity:
        return [Need(f"ses:{op}", req.arn("ses", f"identity/{identity}"), ctx)]
    if req.text("ConfigurationSetName"):
        resource = req.arn("ses", f"configuration-set/{req.text('ConfigurationSetName')}")
        return [Need(f"ses:{op}", resource, ctx)]
    template = req.text("TemplateName")
    if template and "Email" in op:
        kind = "custom-verification-email-template" if "CustomVerification" in op else "template"
        return [Need(f"ses:{op}", req.arn("ses", f"{kind}/{template}"), ctx)]
    return [Need(f"ses:{op}", req.text("ResourceArn") or "*", ctx)]


MAPPERS = {"ses": ses, "sesv2": sesv2}
