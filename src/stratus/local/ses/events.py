"""The JSON SES publishes about a message: event records and identity notifications.

Two shapes, both with the same `mail` object:
- event publishing to a configuration set's SNS destination: `eventType` ("Send",
  "Delivery", "Bounce", "Complaint", "Reject", "Rendering Failure", ...) plus the object of
  that type (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html);
- feedback notifications to an identity's SNS topics: `notificationType` ("Bounce",
  "Complaint", "Delivery") plus that object
  (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Event types as SESv2 names them (MatchingEventTypes) -> the record's eventType and the key
# of its object. v1 and CloudFormation spell the same types in camelCase ("renderingFailure").
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "SEND": ("Send", "send"),
    "REJECT": ("Reject", "reject"),
    "BOUNCE": ("Bounce", "bounce"),
    "COMPLAINT": ("Complaint", "complaint"),
    "DELIVERY": ("Delivery", "delivery"),
    "OPEN": ("Open", "open"),
    "CLICK": ("Click", "click"),
    "RENDERING_FAILURE": ("Rendering Failure", "failure"),
    "DELIVERY_DELAY": ("DeliveryDelay", "deliveryDelay"),
    "SUBSCRIPTION": ("Subscription", "subscription"),
}
_V1_NAMES = {
    "send": "SEND",
    "reject": "REJECT",
    "bounce": "BOUNCE",
    "complaint": "COMPLAINT",
    "delivery": "DELIVERY",
    "open": "OPEN",
    "click": "CLICK",
    "renderingfailure": "RENDERING_FAILURE",
    "deliverydelay": "DELIVERY_DELAY",
    "subscription": "SUBSCRIPTION",
}

REPORTING_MTA = "dsn; a0-1.smtp-out.amazonses.com"


def normalize_event_type(name: str) -> str:
    """'renderingFailure' (v1, CloudFormation) or 'RENDERING_FAILURE' (v2) -> the v2 name."""
    upper = name.upper()
    if upper in EVENT_TYPES:
        return upper
    return _V1_NAMES.get(name.replace("_", "").lower(), upper)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class MailFacts:
    """What every record says about the message (the `mail` object)."""

    message_id: str
    source: str
    source_arn: str
    account: str
    destination: list[str]
    subject: str
    timestamp: datetime
    to: list[str] = field(default_factory=list)
    configuration_set: str | None = None
    tags: dict[str, list[str]] = field(default_factory=dict)

    def mail(self) -> dict[str, Any]:
        common: dict[str, Any] = {
            "from": [self.source],
            "to": self.to or self.destination,
            "messageId": self.message_id,
            "subject": self.subject,
        }
        tags: dict[str, list[str]] = {
            "ses:operation": ["SendEmail"],
            "ses:source-ip": ["127.0.0.1"],
            "ses:from-domain": [self.source.rsplit("@", 1)[-1].rstrip(">")],
            "ses:caller-identity": ["root"],
            **self.tags,
        }
        if self.configuration_set:
            tags["ses:configuration-set"] = [self.configuration_set]
        return {
            "timestamp": iso(self.timestamp),
            "source": self.source,
            "sourceArn": self.source_arn,
            "sendingAccountId": self.account,
            "messageId": self.message_id,
            "destination": list(self.destination),
            "headersTruncated": False,
            "headers": [
                {"name": "From", "value": self.source},
                {"name": "To", "value": ", ".join(self.to or self.destination)},
                {"name": "Subject", "value": self.subject},
            ],
            "commonHeaders": common,
            "tags": tags,
        }


def _feedback_id(facts: MailFacts, kind: str, recipient: str = "") -> str:
    import hashlib

    digest = hashlib.sha256(f"{facts.message_id}/{kind}/{recipient}".encode()).hexdigest()
    return (
        f"0100{digest[:12]}-{digest[12:20]}-{digest[20:24]}-{digest[24:28]}-{digest[28:40]}-000000"
    )


def bounce(
    facts: MailFacts, recipients: list[str], *, sub_type: str, when: datetime
) -> dict[str, Any]:
    """A hard (Permanent) bounce; `sub_type` 'General' or 'OnAccountSuppressionList'."""
    suppressed = sub_type == "OnAccountSuppressionList"
    return {
        "bounceType": "Permanent",
        "bounceSubType": sub_type,
        "bouncedRecipients": [
            {"emailAddress": address}
            if suppressed
            else {
                "emailAddress": address,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
            for address in recipients
        ],
        "timestamp": iso(when),
        "feedbackId": _feedback_id(facts, "bounce", ",".join(recipients)),
        **({} if suppressed else {"reportingMTA": REPORTING_MTA}),
    }


def complaint(facts: MailFacts, recipients: list[str], *, when: datetime) -> dict[str, Any]:
    return {
        "complainedRecipients": [{"emailAddress": address} for address in recipients],
        "timestamp": iso(when),
        "feedbackId": _feedback_id(facts, "complaint", ",".join(recipients)),
        "userAgent": "Amazon SES Mailbox Simulator",
        "complaintFeedbackType": "abuse",
        "arrivalDate": iso(when),
    }


def delivery(facts: MailFacts, recipients: list[str], *, when: datetime) -> dict[str, Any]:
    return {
        "timestamp": iso(when),
        "processingTimeMillis": max(int((when - facts.timestamp).total_seconds() * 1000), 0),
        "recipients": list(recipients),
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "a0-1.smtp-out.amazonses.com",
    }


def rendering_failure(template: str, message: str) -> dict[str, Any]:
    return {"errorMessage": message, "templateName": template}


def event_record(facts: MailFacts, event_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An event-publishing record (`event_type` as v2 names it)."""
    name, key = EVENT_TYPES[event_type]
    return {"eventType": name, "mail": facts.mail(), key: detail}


def notification(facts: MailFacts, kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An identity feedback notification; `kind` 'Bounce', 'Complaint' or 'Delivery'."""
    return {"notificationType": kind, "mail": facts.mail(), kind.lower(): detail}
