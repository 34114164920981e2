"""SNS deliveries: the JSON envelope (SQS, HTTP/S), the Lambda record, raw delivery to SQS.

Envelope: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
(`Subject` only when published with one; `MessageAttributes` as `{Type, Value}`, only when
present). Lambda: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (the same fields
but `SigningCertUrl`/`UnsubscribeUrl`, `Subject` null when absent, `MessageAttributes` always).
Raw delivery: https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
(the body is the message itself; to SQS, message attributes become SQS message attributes).
Signing: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stratus.local.events.shapes.common import iso_millis

MAX_RAW_SQS_ATTRIBUTES = 10  # SQS accepts at most 10 message attributes per message


@dataclass(frozen=True)
class Publication:
    """One published message as SNS delivers it to one subscription."""

    topic_arn: str
    message_id: str
    message: str
    time: datetime
    subscription_arn: str
    subject: str | None = None
    # Publish's MessageAttributes as boto3 takes them: {name: {DataType, StringValue|BinaryValue}}
    attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    signature: str = "EXAMPLE"  # base64; the registry signs with the local certificate
    sequence_number: str | None = None  # FIFO topics only

    @property
    def region(self) -> str:
        return self.topic_arn.split(":")[3]


def envelope_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Publish attributes in the envelope's `{Type, Value}` form (Binary as base64)."""
    out: dict[str, Any] = {}
    for name, attribute in attributes.items():
        kind = attribute["DataType"]
        if "BinaryValue" in attribute:
            value = base64.b64encode(bytes(attribute["BinaryValue"])).decode()
        else:
            value = attribute["StringValue"]
        out[name] = {"Type": kind, "Value": value}
    return out


def _urls(publication: Publication) -> tuple[str, str]:
    host = f"https://sns.{publication.region}.amazonaws.com"
    cert = f"{host}/SimpleNotificationService-0000000000000000000000.pem"
    unsubscribe = f"{host}/?Action=Unsubscribe&SubscriptionArn={publication.subscription_arn}"
    return cert, unsubscribe


def envelope(publication: Publication) -> dict[str, Any]:
    """The JSON document SNS posts to HTTP/S and puts in the body of an SQS message."""
    cert, unsubscribe = _urls(publication)
    doc: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": publication.message_id,
        "TopicArn": publication.topic_arn,
    }
    if publication.subject is not None:
        doc["Subject"] = publication.subject
    doc["Message"] = publication.message
    if publication.sequence_number is not None:
        doc["SequenceNumber"] = publication.sequence_number
    doc.update(
        {
            "Timestamp": iso_millis(publication.time),
            "SignatureVersion": "1",
            "Signature": publication.signature,
            "SigningCertURL": cert,
            "UnsubscribeURL": unsubscribe,
        }
    )
    if publication.attributes:
        doc["MessageAttributes"] = envelope_attributes(publication.attributes)
    return doc


def string_to_sign(doc: Mapping[str, Any]) -> str:
    """The text SNS signs for a Notification: Message, MessageId, [Subject,] Timestamp,
    TopicArn, Type, each as "Name\\nValue\\n" (the signature-verification page's order)."""
    names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    return "".join(f"{n}\n{doc[n]}\n" for n in names if doc.get(n) is not None)


def lambda_event(publication: Publication) -> dict[str, Any]:
    """The event SNS invokes a subscribed Lambda function with (one record per invoke)."""
    cert, unsubscribe = _urls(publication)
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": publication.subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": iso_millis(publication.time),
                    "Signature": publication.signature,
                    "SigningCertUrl": cert,
                    "MessageId": publication.message_id,
                    "Message": publication.message,
                    "MessageAttributes": envelope_attributes(publication.attributes),
                    "Type": "Notification",
                    "UnsubscribeUrl": unsubscribe,
                    "TopicArn": publication.topic_arn,
                    "Subject": publication.subject,
                },
            }
        ]
    }


def sqs_message(publication: Publication, *, raw: bool) -> dict[str, Any]:
    """SendMessage parameters for delivery to an SQS queue.

    Raw delivery sends the message itself, its attributes as SQS message attributes (and
    fails past SQS's 10); otherwise the body is the JSON envelope and there are none.
    """
    if not raw:
        return {"MessageBody": json.dumps(envelope(publication)), "MessageAttributes": {}}
    if len(publication.attributes) > MAX_RAW_SQS_ATTRIBUTES:
        raise ValueError("Raw delivery to SQS carries at most 10 message attributes")
    attributes: dict[str, Any] = {}
    for name, attribute in publication.attributes.items():
        if "BinaryValue" in attribute:
            value: dict[str, Any] = {"BinaryValue": bytes(attribute["BinaryValue"])}
        else:
            value = {"StringValue": attribute["StringValue"]}
        attributes[name] = {"DataType": attribute["DataType"], **value}
    return {"MessageBody": publication.message, "MessageAttributes": attributes}
