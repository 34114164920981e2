"""What the local SES keeps beside moto's own data, on moto's SES backend (one per account
and region): the inbox of sent messages (rendered), the account-level suppression list and
the configuration sets' event destinations (moto keeps one destination per set, without its
event types).

Living on the backend, all of it is pickled in the SES snapshot and rebuilt by the journal:
changes made while moto handles a request replay with that request; changes made outside
one (clearing the inbox, an SNS e-mail landing in it) go through `durable.mutate` as
registered operations, so an acknowledged change survives `kill -9` as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.core import durable

DEFAULT_SUPPRESSED_REASONS = ["BOUNCE", "COMPLAINT"]


@dataclass
class InboxMessage:
    id: str
    region: str
    source: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    text: str | None
    html: str | None
    timestamp: datetime
    template: str | None = None
    template_data: str | None = None
    raw: str | None = None

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def as_localstack(self) -> dict[str, Any]:
        """LocalStack's shape for GET /_aws/ses (its Timestamp: UTC, no zone suffix)."""
        out: dict[str, Any] = {
            "Id": self.id,
            "Region": self.region,
            "Source": self.source,
            "Destination": {
                "ToAddresses": list(self.to),
                "CcAddresses": list(self.cc),
                "BccAddresses": list(self.bcc),
            },
            "Subject": self.subject,
            "Body": {"text_part": self.text, "html_part": self.html},
            "Timestamp": self.timestamp.astimezone(UTC).replace(tzinfo=None).isoformat(),
        }
        if self.template is not None:
            out["Template"] = self.template
            out["TemplateData"] = self.template_data
        if self.raw is not None:
            out["RawData"] = self.raw
        return out


@dataclass
class SesState:
    inbox: list[InboxMessage] = field(default_factory=list)
    suppressed: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-case address
    suppression_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_SUPPRESSED_REASONS))
    # configuration set -> destination name -> {Enabled, MatchingEventTypes (v2), SnsTopicArn}
    destinations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def suppress(
        self, address: str, reason: str, when: datetime, message_id: str = "", feedback_id: str = ""
    ) -> None:
        entry: dict[str, Any] = {"EmailAddress": address, "Reason": reason, "LastUpdateTime": when}
        if message_id:
            entry["Attributes"] = {"MessageId": message_id, "FeedbackId": feedback_id}
        self.suppressed[address.lower()] = entry


_ATTR = "stratus_state"


def state_of(backend: Any) -> SesState:
    """The local SES state of one moto SES backend (created on first use)."""
    state = getattr(backend, _ATTR, None)
    if state is None:
        state = SesState()
        setattr(backend, _ATTR, state)
    return state


def backends() -> list[Any]:
    """Every moto SES backend that exists (every account and region used so far)."""
    from moto.ses.models import ses_backends

    out = []
    for account in list(ses_backends.values()):
        for backend in list(dict.values(account)):
            out.append(backend)
    return out


def all_messages() -> list[InboxMessage]:
    messages = [m for backend in backends() for m in state_of(backend).inbox]
    return sorted(messages, key=lambda m: m.timestamp)


def _backend(account: str, region: str) -> Any:
    from moto.ses.models import ses_backends

    return ses_backends[account][region]


@durable.operation("ses.inbox.delete", ("ses",))
def _delete(message_id: str | None) -> int:
    removed = 0
    for backend in backends():
        state = state_of(backend)
        kept = [m for m in state.inbox if message_id is not None and m.id != message_id]
        removed += len(state.inbox) - len(kept)
        state.inbox = kept
    return removed


@durable.operation("ses.inbox.add", ("ses",))
def _add(account: str, region: str, message: dict[str, Any]) -> None:
    fields = dict(message)
    fields["timestamp"] = datetime.fromisoformat(fields["timestamp"])
    state_of(_backend(account, region)).inbox.append(InboxMessage(**fields))


def delete_messages(message_id: str | None = None) -> int:
    """DELETE /_aws/ses: one message by id, or all (journaled, durable on return)."""
    return int(durable.mutate("ses.inbox.delete", message_id=message_id))


def add_message(account: str, region: str, message: InboxMessage) -> None:
    """A message that arrives outside an SES request (an SNS e-mail subscription)."""
    fields = {k: getattr(message, k) for k in message.__dataclass_fields__}
    fields["timestamp"] = message.timestamp.isoformat()
    durable.mutate("ses.inbox.add", account=account, region=region, message=fields)
