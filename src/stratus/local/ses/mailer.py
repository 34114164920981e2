"""Sending, as SES sends: checks, rendering, the inbox, simulator outcomes and events.

Runs inside moto's handling of the send (see `moto_patches`), so everything it changes lives
on moto's SES backend and is journaled with the request: a replay re-runs the send with the
same ids and clock and rebuilds the same inbox entry, while its events (SNS notifications)
are not sent again (they went out the first time; `determinism.replaying()`).

What SES does that is copied here:
- The sender must be a verified identity (the address or its domain), else MessageRejected
  "Email address is not verified. The following identities failed the check in region ..."
  (https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html). Locally the
  account has production access: recipients need not be verified
  (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html);
  STRATUS_SES_SANDBOX=1 checks recipients too, as the sandbox does.
- A templated send is accepted before it is rendered; a template that cannot be rendered
  with the data is a Rendering Failure event, not an error of the call
  (https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-api.html).
- The mailbox simulator (https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator):
  success@ is delivered, bounce@ hard-bounces, complaint@ is delivered then complained
  about, ooto@ is delivered, suppressionlist@ bounces as if on the suppression list; a
  "+label" is allowed before the @.
- The account-level suppression list
  (https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html): a hard
  bounce or complaint adds the recipient when its reason is enabled (BOUNCE and COMPLAINT by
  default; a configuration set's SuppressionOptions override the account's); a send to a
  suppressed address is accepted and bounces with bounceSubType OnAccountSuppressionList.
  Locally simulator bounces count too, so the list can be tested end to end.
- Events go to every enabled event destination of the configuration set whose
  MatchingEventTypes include them, and bounce/complaint/delivery notifications to the
  identity's notification topics (SetIdentityNotificationTopic).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parseaddr
from typing import Any

from stratus.local.core import determinism
from stratus.local.ses import events, templates
from stratus.local.ses.store import InboxMessage, SesState, state_of

log = logging.getLogger("stratus.ses")

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SANDBOX_ENV = "STRATUS_SES_SANDBOX"
RECIPIENT_LIMIT = 50

# (topic ARN, JSON text) -> None; set by the service, None until the cloud runs.
Emitter = Callable[[str, str], None]
_emitter: Emitter | None = None


def set_emitter(emitter: Emitter | None) -> None:
    global _emitter
    _emitter = emitter


class SesRequestError(Exception):
    """An SES error answer: code, message (v1 query errors; v2 maps codes, see patches)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Outgoing:
    """One message as the caller asked for it (before rendering)."""

    source: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    raw: str | None = None
    template: str | None = None
    template_content: dict[str, Any] | None = None  # v2 inline template
    template_data: str | None = None
    configuration_set: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


def now() -> datetime:
    """The request's frozen clock while moto runs it (so a replay sees the same instant)."""
    ctx = determinism.current()
    if ctx is not None:
        return datetime.fromtimestamp(ctx.clock, UTC)
    return datetime.now(UTC)


def message_id() -> str:
    from moto.ses.utils import get_random_message_id

    return get_random_message_id()  # moto's generator: seeded per journaled request


# -- checks ----------------------------------------------------------------------------
def address_of(text: str) -> str:
    return parseaddr(text)[1] or text


def check_address(text: str) -> None:
    address = address_of(text)
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise SesRequestError("InvalidParameterValue", f"Missing final '@domain': {text}")
    if not domain or "." not in domain or any(c.isspace() for c in address):
        raise SesRequestError("InvalidParameterValue", f"Domain contains illegal character: {text}")


def is_verified(backend: Any, address: str) -> bool:
    identities = backend.email_identities
    address = address_of(address)
    domain = address.rsplit("@", 1)[-1].lower()
    return address in identities or address.lower() in identities or domain in identities


def _simulator_kind(address: str) -> str | None:
    local, _, domain = address_of(address).lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return None
    return local.split("+", 1)[0]


def check_send(backend: Any, outgoing: Outgoing) -> None:
    recipients = outgoing.recipients
    if not recipients:
        raise SesRequestError("InvalidParameterValue", "Missing required header 'To'.")
    if len(recipients) > RECIPIENT_LIMIT:
        raise SesRequestError("InvalidParameterValue", "Recipient count exceeds 50.")
    for address in [outgoing.source, *recipients]:
        check_address(address)
    if outgoing.configuration_set and outgoing.configuration_set not in backend.config_sets:
        raise SesRequestError(
            "ConfigurationSetDoesNotExist",
            f"Configuration set <{outgoing.configuration_set}> does not exist.",
        )
    unverified = [] if is_verified(backend, outgoing.source) else [address_of(outgoing.source)]
    if os.environ.get(SANDBOX_ENV) == "1":
        unverified += [
            address_of(r)
            for r in recipients
            if _simulator_kind(r) is None and not is_verified(backend, r)
        ]
    if unverified:
        raise SesRequestError(
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in "
            f"region {backend.region_name.upper()}: {', '.join(unverified)}",
        )
    if outgoing.template is not None and outgoing.template not in backend.templates:
        raise SesRequestError(
            "TemplateDoesNotExist", f"Template {outgoing.template} does not exist."
        )


# -- the send --------------------------------------------------------------------------
def send(backend: Any, outgoing: Outgoing, *, data_error: str = "InvalidParameterValue") -> str:
    """Accept one message (raises SesRequestError for what SES refuses at the call)."""
    check_send(backend, outgoing)
    data: dict[str, Any] | None = None
    if outgoing.template is not None or outgoing.template_content is not None:
        try:
            data = templates.template_data(outgoing.template_data)
        except templates.InvalidTemplateData:
            message = (
                "Unable to parse template data (invalid JSON)."
                if data_error == "BadRequestException"
                else "The template data is invalid"
            )
            raise SesRequestError(data_error, message) from None
    state = state_of(backend)
    mid = message_id()
    sent_at = now()
    facts = events.MailFacts(
        message_id=mid,
        source=outgoing.source,
        source_arn=_identity_arn(backend, outgoing.source),
        account=backend.account_id,
        destination=[address_of(r) for r in outgoing.recipients],
        to=list(outgoing.to),
        subject=outgoing.subject,
        timestamp=sent_at,
        configuration_set=outgoing.configuration_set,
        tags={t["Name"]: [t["Value"]] for t in outgoing.tags if "Name" in t},
    )
    backend.sent_message_count += len(outgoing.recipients)
    rendered = _render(backend, outgoing, data, facts)
    if rendered is None:
        return mid
    subject, text, html = rendered
    facts.subject = subject
    state.inbox.append(
        InboxMessage(
            id=mid,
            region=backend.region_name,
            source=outgoing.source,
            to=list(outgoing.to),
            cc=list(outgoing.cc),
            bcc=list(outgoing.bcc),
            subject=subject,
            text=text,
            html=html,
            timestamp=sent_at,
            template=outgoing.template,
            template_data=outgoing.template_data,
            raw=outgoing.raw,
        )
    )
    _publish(backend, state, facts, "SEND", {})
    _outcomes(backend, state, outgoing, facts)
    return mid


def _render(
    backend: Any, outgoing: Outgoing, data: dict[str, Any] | None, facts: events.MailFacts
) -> tuple[str, str | None, str | None] | None:
    if data is None:
        return outgoing.subject, outgoing.text, outgoing.html
    if outgoing.template is not None:
        stored = backend.templates[outgoing.template]
        parts = (stored.get("subject_part"), stored.get("text_part"), stored.get("html_part"))
        name = outgoing.template
    else:
        content = outgoing.template_content or {}
        parts = (content.get("Subject"), content.get("Text"), content.get("Html"))
        name = ""
    try:
        out = templates.render_parts(parts[0], parts[1], parts[2], data)
    except (templates.RenderingError, templates.TemplateSyntaxError) as exc:
        log.warning("SES rendering failure for template %s: %s", name, exc)
        _publish(
            backend,
            state_of(backend),
            facts,
            "RENDERING_FAILURE",
            events.rendering_failure(name, str(exc)),
        )
        return None
    return out.subject, out.text, out.html


def _outcomes(backend: Any, state: SesState, outgoing: Outgoing, facts: events.MailFacts) -> None:
    """What happens after sending: deliveries, bounces, complaints, per recipient."""
    later = facts.timestamp + timedelta(milliseconds=200)
    reasons = _suppression_reasons(backend, state, outgoing.configuration_set)
    delivered: list[str] = []
    for recipient in (address_of(r) for r in outgoing.recipients):
        kind = _simulator_kind(recipient)
        if recipient.lower() in state.suppressed or kind == "suppressionlist":
            detail = events.bounce(
                facts, [recipient], sub_type="OnAccountSuppressionList", when=later
            )
            _feedback(backend, state, facts, "BOUNCE", detail, outgoing.source)
        elif kind == "bounce":
            detail = events.bounce(facts, [recipient], sub_type="General", when=later)
            _feedback(backend, state, facts, "BOUNCE", detail, outgoing.source)
            if "BOUNCE" in reasons:
                state.suppress(recipient, "BOUNCE", later, facts.message_id, detail["feedbackId"])
        else:
            delivered.append(recipient)
            if kind == "complaint":
                detail = events.complaint(facts, [recipient], when=later)
                _feedback(backend, state, facts, "COMPLAINT", detail, outgoing.source)
                if "COMPLAINT" in reasons:
                    state.suppress(
                        recipient, "COMPLAINT", later, facts.message_id, detail["feedbackId"]
                    )
    if delivered:
        detail = events.delivery(facts, delivered, when=later)
        _feedback(backend, state, facts, "DELIVERY", detail, outgoing.source)


def _suppression_reasons(backend: Any, state: SesState, configuration_set: str | None) -> list[str]:
    if configuration_set and configuration_set in backend.config_sets:
        options = backend.config_sets[configuration_set].suppression_options or {}
        if "SuppressedReasons" in options:
            return [str(r).upper() for r in options["SuppressedReasons"] or []]
    return state.suppression_reasons


def _feedback(
    backend: Any,
    state: SesState,
    facts: events.MailFacts,
    event_type: str,
    detail: dict[str, Any],
    source: str,
) -> None:
    _publish(backend, state, facts, event_type, detail)
    kind = events.EVENT_TYPES[event_type][0]  # Bounce, Complaint, Delivery
    topic = _identity_topic(backend, source, kind)
    if topic:
        _emit(topic, events.notification(facts, kind, detail))


def _identity_topic(backend: Any, source: str, kind: str) -> str | None:
    address = address_of(source)
    for identity in (address, address.rsplit("@", 1)[-1]):
        topic = backend.sns_topics.get(identity, {}).get(kind)
        if topic:
            return str(topic)
    return None


def _publish(
    backend: Any, state: SesState, facts: events.MailFacts, event_type: str, detail: dict[str, Any]
) -> None:
    name = facts.configuration_set
    if not name:
        return
    for destination in state.destinations.get(name, {}).values():
        if not destination.get("Enabled", True):
            continue
        if event_type not in destination.get("MatchingEventTypes", []):
            continue
        topic = destination.get("SnsTopicArn")
        if topic:
            _emit(topic, events.event_record(facts, event_type, detail))


def _emit(topic: str, record: dict[str, Any]) -> None:
    if determinism.replaying():
        return  # sent the first time this request ran
    if _emitter is None:
        log.info("SES event for %s not sent: the local cloud is not running", topic)
        return
    _emitter(topic, json.dumps(record))


def _identity_arn(backend: Any, source: str) -> str:
    address = address_of(source)
    identity = address if address in backend.email_identities else address.rsplit("@", 1)[-1]
    return f"arn:aws:ses:{backend.region_name}:{backend.account_id}:identity/{identity}"


def raw_outgoing(raw: str, source: str | None, destinations: list[str]) -> Outgoing:
    """SendRawEmail: sender and recipients from the parameters, else from the headers."""
    from email import message_from_string

    message = message_from_string(raw)
    sender = source or str(message.get("From") or "")
    if not sender:
        raise SesRequestError("MessageRejected", "Source not specified")

    def header(name: str) -> list[str]:
        return [a for _, a in getaddresses(message.get_all(name) or []) if a]

    to, cc, bcc = header("To"), header("Cc"), header("Bcc")
    if destinations:  # the parameter decides who receives it; the headers only who sees what
        wanted = [address_of(d) for d in destinations]
        to = [a for a in wanted if a in to]
        cc = [a for a in wanted if a in cc and a not in to]
        bcc = [a for a in wanted if a not in to and a not in cc]
    subject, text, html = _mime_parts(message)
    return Outgoing(
        source=sender, to=to, cc=cc, bcc=bcc, subject=subject, text=text, html=html, raw=raw
    )


def _mime_parts(message: Any) -> tuple[str, str | None, str | None]:
    from email.header import decode_header, make_header

    subject = str(make_header(decode_header(str(message.get("Subject") or ""))))
    text = html = None
    for part in message.walk() if message.is_multipart() else [message]:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        body = payload.decode(part.get_content_charset() or "utf-8", "replace")
        if part.get_content_type() == "text/html" and html is None:
            html = body
        elif part.get_content_type() == "text/plain" and text is None:
            text = body
    return subject, text, html
