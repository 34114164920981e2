"""SNS `email` and `email-json` subscriptions, delivered into the local SES inbox.

SNS e-mails come from "AWS Notifications <no-reply@sns.amazonaws.com>" with the publish's
Subject (else "AWS Notification Message"); `email` carries the message text and an
unsubscribe footer, `email-json` the JSON envelope
(https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html). Locally the
subscription needs no confirmation e-mail, and the message is written to the inbox as a
journaled operation, so it survives a restart like a sent message.
"""

from __future__ import annotations

import json
import uuid

from stratus.local.events.shapes.sns import Publication, envelope
from stratus.local.ses.store import InboxMessage, add_message

SENDER = "AWS Notifications <no-reply@sns.amazonaws.com>"
DEFAULT_SUBJECT = "AWS Notification Message"


def render(protocol: str, endpoint: str, publication: Publication) -> InboxMessage:
    if protocol == "email-json":
        text = json.dumps(envelope(publication))
    else:
        region = publication.region
        unsubscribe = (
            f"https://sns.{region}.amazonaws.com/unsubscribe.html?"
            f"SubscriptionArn={publication.subscription_arn}&Endpoint={endpoint}"
        )
        text = (
            f"{publication.message}\n\n--\nIf you wish to stop receiving notifications from "
            f"this topic, please click or visit the link below to unsubscribe:\n{unsubscribe}\n"
        )
    return InboxMessage(
        id=str(uuid.uuid4()),
        region=publication.region,
        source=SENDER,
        to=[endpoint],
        cc=[],
        bcc=[],
        subject=publication.subject or DEFAULT_SUBJECT,
        text=text,
        html=None,
        timestamp=publication.time,
    )


def deliver_email(protocol: str, endpoint: str, publication: Publication) -> None:
    """Blocking (journaled): call from a worker thread."""
    account = publication.topic_arn.split(":")[4]
    add_message(account, publication.region, render(protocol, endpoint, publication))
