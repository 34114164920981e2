"""Subscribers (double opt-in) in DynamoDB and the SES welcome mail.

Subscribing stores a `pending` subscriber and sends the templated welcome mail, whose confirm
and unsubscribe links carry signed, expiring tokens (tokens.py). The answer is the same 202
whether the address was new, pending, confirmed or suppressed, so the endpoint does not tell
a stranger who subscribes; only a new or pending address gets a mail (one per request), and
a confirmed one is left alone. A suppressed address (bounced or complained) gets no mail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from stratus.blog.domain import (
    Subscriber,
    SubscriberStatus,
    SubscriptionRequest,
    iso,
    normalise_email,
)
from stratus.blog.items import error_code, from_item, to_item
from stratus.blog.tokens import (
    CONFIRM,
    CONFIRM_TTL_SECONDS,
    UNSUBSCRIBE,
    UNSUBSCRIBE_TTL_SECONDS,
    InvalidTokenError,
    Signer,
)
from stratus.runtime.errors import NotFoundError

WELCOME_TEMPLATE = "welcome"


def welcome_template_name(prefix: str, lang: str) -> str:
    """SES template per language: `{prefix}-welcome-{lang}` (infra creates the same names)."""
    return f"{prefix}-{WELCOME_TEMPLATE}-{lang}"


@dataclass(frozen=True)
class MailSettings:
    sender: str
    template_prefix: str
    configuration_set: str | None = None


class SubscriberStore:
    def __init__(self, client: Any, table: str, clock: Callable[[], datetime]) -> None:
        self._db = client
        self._table = table
        self._clock = clock

    def find(self, email: str) -> Subscriber | None:
        found = self._db.get_item(
            TableName=self._table, Key=to_item({"email": email}), ConsistentRead=True
        ).get("Item")
        return Subscriber(**from_item(found)) if found else None

    def upsert_pending(self, request: SubscriptionRequest) -> Subscriber | None:
        """The subscriber to mail, or None when the address must not be mailed."""
        now = iso(self._clock())
        subscriber = Subscriber(
            email=request.email,
            name=request.name,
            lang=request.lang,
            status="pending",
            created_at=now,
            updated_at=now,
        )
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(subscriber.model_dump()),
                # New, or not yet confirmed (re-sending refreshes name and language).
                ConditionExpression="attribute_not_exists(email) OR #s IN (:p, :u)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":p": "pending", ":u": "unsubscribed"}),
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None  # confirmed or suppressed: nothing to send
            raise
        return subscriber

    def set_status(
        self, email: str, status: SubscriberStatus, *, only_from: tuple[str, ...] = ()
    ) -> Subscriber:
        """Move to `status` (from one of `only_from`, when given); 404 for an unknown address."""
        names = {"#s": "status"}
        values: dict[str, Any] = {":s": status, ":now": iso(self._clock())}
        condition = "attribute_exists(email)"
        if only_from:
            keys = []
            for i, state in enumerate(only_from):
                values[f":f{i}"] = state
                keys.append(f":f{i}")
            condition += f" AND #s IN ({', '.join(keys)})"
        try:
            found = self._db.update_item(
                TableName=self._table,
                Key=to_item({"email": email}),
                UpdateExpression="SET #s = :s, updated_at = :now",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            current = self.find(email)
            if current is None:
                raise NotFoundError("no such subscription") from None
            return current  # already past that state (e.g. unsubscribed, suppressed)
        return Subscriber(**from_item(found))

    def suppress(self, email: str) -> bool:
        """Mark an address that bounced or complained; False when we keep no such address."""
        try:
            address = normalise_email(email)
        except ValueError:
            return False  # not an address we could have stored
        try:
            self.set_status(address, "suppressed")
        except NotFoundError:
            return False
        return True


class Subscriptions:
    """The subscription flows: subscribe (+ welcome mail), confirm, unsubscribe, suppress."""

    def __init__(
        self, store: SubscriberStore, ses: Any, signer: Signer, mail: MailSettings
    ) -> None:
        self._store = store
        self._ses = ses
        self._signer = signer
        self._mail = mail

    def subscribe(self, request: SubscriptionRequest, links_base: str) -> None:
        subscriber = self._store.upsert_pending(request)
        if subscriber is not None:
            self._send_welcome(subscriber, links_base.rstrip("/"))

    def confirm(self, token: str) -> Subscriber:
        email = self._email(CONFIRM, token)
        return self._store.set_status(email, "confirmed", only_from=("pending", "confirmed"))

    def unsubscribe(self, token: str) -> Subscriber:
        email = self._email(UNSUBSCRIBE, token)
        return self._store.set_status(
            email, "unsubscribed", only_from=("pending", "confirmed", "unsubscribed")
        )

    def _email(self, purpose: str, token: str) -> str:
        subject = self._signer.verify(purpose, token).get("s")
        if not isinstance(subject, str) or "@" not in subject:
            raise InvalidTokenError("token is invalid", details={"field": "token"})
        return subject

    def _send_welcome(self, subscriber: Subscriber, base: str) -> None:
        confirm = self._signer.sign(CONFIRM, subscriber.email, CONFIRM_TTL_SECONDS)
        leave = self._signer.sign(UNSUBSCRIBE, subscriber.email, UNSUBSCRIBE_TTL_SECONDS)
        data = {
            "name": subscriber.name or "",
            "has_name": bool(subscriber.name),
            "email": subscriber.email,
            "confirm_url": f"{base}/api/subscriptions/confirm?token={quote(confirm)}",
            "unsubscribe_url": f"{base}/api/subscriptions/unsubscribe?token={quote(leave)}",
        }
        params: dict[str, Any] = {
            "Source": self._mail.sender,
            "Destination": {"ToAddresses": [subscriber.email]},
            "Template": welcome_template_name(self._mail.template_prefix, subscriber.lang),
            "TemplateData": json.dumps(data),
        }
        if self._mail.configuration_set:
            params["ConfigurationSetName"] = self._mail.configuration_set
        self._ses.send_templated_email(**params)


def suppressed_recipients(notification: dict[str, Any]) -> list[str]:
    """Addresses an SES event (via SNS) says must not be mailed again: permanent bounces and
    complaints. https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
    """
    kind = notification.get("eventType") or notification.get("notificationType")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        people = bounce.get("bouncedRecipients") or []
    elif kind == "Complaint":
        people = (notification.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return []
    return [str(p["emailAddress"]).strip() for p in people if p.get("emailAddress")]
