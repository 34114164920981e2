"""EventBridge rules delivering events to their targets, with AWS's matching and retries.

moto keeps buses, rules and targets; what an event does once it is on a bus is ours. moto's
`Rule.send_to_targets` is replaced (moto's matcher and transformer have gaps, see
`events.patterns` and `events.transform`; it writes SQS and Logs straight into their
backends, so no poller or hook sees the write, and it cannot reach Lambda, SNS, Kinesis or
Firehose). For each event on a bus, every ENABLED rule of that bus whose pattern matches
(`EventPattern`) sends each target its input (`target_input`: the event, Input, InputPath
or InputTransformer, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html)
through the local cloud's `Targets`: Lambda asynchronously, SQS (SqsParameters.MessageGroupId
for FIFO queues), SNS, Kinesis (KinesisParameters.PartitionKeyPath, else the event id,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_KinesisParameters.html),
Firehose, another bus, CloudWatch Logs. A failed send is retried by the target's
RetryPolicy and then dead-lettered (`retry`). Archive and API-destination targets are left
to moto's own code.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Arn, Message, Targets
from stratus.local.eventbridge.retry import Backoff, Failure, RetryPolicy, classify
from stratus.local.eventbridge.retry import dead_letter_message as dlq_message
from stratus.local.events.patterns import EventPattern, InvalidEventPatternException
from stratus.local.events.shapes.common import iso_millis, iso_seconds
from stratus.local.events.transform import MISSING, RuleContext, json_path, target_input

log = logging.getLogger("stratus.events")


@dataclass(frozen=True)
class RuleView:
    """A snapshot of one moto rule, taken when an event arrives or a schedule fires."""

    name: str
    arn: str
    bus: str
    region: str
    enabled: bool
    pattern: str | None
    schedule: str | None
    targets: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, rule: Any) -> RuleView:
        return cls(
            name=str(rule.name),
            arn=str(rule.arn),
            bus=str(rule.event_bus_name),
            region=str(rule.region_name),
            enabled=str(rule.state) == "ENABLED",
            pattern=rule.event_pattern.dump() if rule.event_pattern is not None else None,
            schedule=rule.scheduled_expression or None,
            targets=tuple(copy.deepcopy(list(rule.targets))),
        )


def moto_rules(account: str, region: str | None = None) -> Iterator[RuleView]:
    """Every rule moto holds for `account` (in `region`, or in every region in use).

    Read from moto's backend directly: this runs for every event put on a bus and every
    scheduler tick, where an HTTP round trip per ListRules/ListTargetsByRule would dominate.
    """
    from moto.events.models import events_backends

    backends = events_backends[account]
    regions = [region] if region else list(backends.keys())
    for name in regions:
        backend = backends[name]
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                yield RuleView.of(rule)


def scheduled_event(rule: RuleView, account: str, fire_time: datetime, event_id: str) -> dict:
    """What a schedule sends (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html)."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_seconds(fire_time),
        "region": rule.region,
        "resources": [rule.arn],
        "detail": {},
    }


class EventBridgeDelivery:
    def __init__(
        self,
        outbox: Outbox,
        targets: Targets,
        *,
        account: str,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._outbox = outbox
        self._targets = targets
        self.account = account
        self.backoff = backoff or Backoff()
        self._clock = clock
        self._patterns: dict[str, EventPattern | None] = {}
        self.dead_lettered = 0
        self.dropped = 0
        outbox.rebuilds("events", self._rebuild)

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    # Events on a bus -------------------------------------------------------------------
    def publish(
        self, region: str, bus: str, event: Mapping[str, Any], trace: str | None = None
    ) -> int:
        """Send `event` (already on `bus`) to every enabled rule that matches; how many did.
        `trace`: the X-Ray header PutEvents passed, which goes on to each target."""
        matched = 0
        for rule in moto_rules(self.account, region):
            if rule.bus == bus and rule.enabled and self.matches(rule, event):
                matched += 1
                self.send_to_rule(rule, event, trace)
        return matched

    def matches(self, rule: RuleView, event: Mapping[str, Any]) -> bool:
        if not rule.pattern:
            return False  # a scheduled rule: only its schedule fires it
        if rule.pattern not in self._patterns:
            try:
                self._patterns[rule.pattern] = EventPattern.parse(rule.pattern)
            except InvalidEventPatternException as exc:
                log.warning("rule %s has an invalid pattern: %s", rule.arn, exc)
                self._patterns[rule.pattern] = None
        pattern = self._patterns[rule.pattern]
        return pattern is not None and pattern.matches(event)

    def send_to_rule(
        self, rule: RuleView, event: Mapping[str, Any], trace: str | None = None
    ) -> None:
        """Each target of `rule` gets the event (the rule is taken to have matched)."""
        received = self._clock()
        context = RuleContext(rule.arn, rule.name, iso_millis(datetime.now(UTC)))
        for target in rule.targets:
            arn = str(target.get("Arn", ""))
            if _left_to_moto(arn):
                continue
            what = f"EventBridge {rule.name} -> {arn}"
            self._outbox.submit(
                _bind(self.deliver, rule, target, dict(event), context, received, trace),
                what,
                redo=(
                    "events",
                    {
                        "rule": rule,
                        "target": target,
                        "event": dict(event),
                        "context": context,
                        "trace": trace,
                    },
                ),
            )

    def _rebuild(self, data: dict[str, Any]) -> tuple[Any, str]:
        """One target's delivery from its journaled description (its event age counts
        from the restart: the monotonic clock of the last run is gone)."""
        rule: RuleView = data["rule"]
        work = _bind(
            self.deliver,
            rule,
            data["target"],
            data["event"],
            data["context"],
            self._clock(),
            data.get("trace"),
        )
        return work, f"EventBridge {rule.name} -> {data['target'].get('Arn', '')}"

    # One target ------------------------------------------------------------------------
    async def deliver(
        self,
        rule: RuleView,
        target: Mapping[str, Any],
        event: dict[str, Any],
        context: RuleContext,
        received: float,
        trace: str | None = None,
    ) -> None:
        arn = str(target["Arn"])
        try:
            message = target_message(target, event, context)
        except Exception as exc:  # a transformer that cannot apply: not retried
            failure = Failure("INVALID_JSON", str(exc), False)
            await self._give_up(rule, target, event, failure, 0, trace=trace)
            return
        message.trace_header = trace  # beside the event, never in it (xray.propagation)
        policy = RetryPolicy.of(target)
        retries = 0
        while True:
            try:
                await self._targets.send(arn, message)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = classify(exc)
            age = self._clock() - received
            if not failure.retryable:
                await self._give_up(
                    rule, target, event, failure, retries, exhausted=None, trace=trace
                )
                return
            if retries >= policy.max_retries:
                exhausted = "MaximumRetryAttempts"
            elif age >= policy.max_age_seconds:
                exhausted = "MaximumEventAgeInSeconds"
            else:
                retries += 1
                log.info("%s -> %s failed (%s); retry %d", rule.name, arn, failure.code, retries)
                await asyncio.sleep(self.backoff.delay(retries))
                continue
            await self._give_up(
                rule, target, event, failure, retries, exhausted=exhausted, trace=trace
            )
            return

    async def _give_up(
        self,
        rule: RuleView,
        target: Mapping[str, Any],
        event: Mapping[str, Any],
        failure: Failure,
        retries: int,
        exhausted: str | None = None,
        trace: str | None = None,
    ) -> None:
        arn = str(target.get("Arn", ""))
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            self.dropped += 1
            log.warning(
                "event %s for %s dropped: %s %s",
                event.get("id"),
                arn,
                failure.code,
                failure.message,
            )
            return
        message = dlq_message(
            event, failure, rule_arn=rule.arn, target_arn=arn, retries=retries, exhausted=exhausted
        )
        message.trace_header = trace  # the DLQ's SendMessage carries the trace header too
        await self._targets.send(str(dlq), message)
        self.dead_lettered += 1


def target_message(
    target: Mapping[str, Any], event: Mapping[str, Any], context: RuleContext
) -> Message:
    """The message one target receives, with what its parameters add."""
    body = target_input(target, event, context)
    group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
    partition_key = None
    if Arn.parse(str(target["Arn"])).service == "kinesis":
        path = (target.get("KinesisParameters") or {}).get("PartitionKeyPath")
        value = json_path(event, path) if path else MISSING
        partition_key = (
            str(event.get("id"))
            if value is MISSING or value is None
            else (value if isinstance(value, str) else str(value))
        )
    return Message(body=body, group_id=group_id, partition_key=partition_key)


def _left_to_moto(arn: str) -> bool:
    """Archives and API destinations: moto's own send_to_targets handles those."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "events":
        return False
    return not parts[5].startswith("event-bus/")


def _bind(deliver: Any, *args: Any) -> Callable[[], Any]:
    return lambda: deliver(*args)


def install(delivery: EventBridgeDelivery) -> None:
    """Route moto's per-rule delivery to `delivery` (replaces moto's own).

    Reached when moto itself puts events (partner events, replays); PutEvents on the
    endpoint is answered by our before-hook and never gets here.
    """
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        rule = RuleView.of(self)
        event = _as_envelope(dict(original_event))
        if rule.enabled and delivery.matches(rule, event):
            delivery.send_to_rule(rule, event)
        moto_targets = [t for t in self.targets if _left_to_moto(str(t.get("Arn", "")))]
        if moto_targets:
            clone = copy.copy(self)
            clone.targets = moto_targets
            original(clone, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    _silence_moto_s3_events()


def _as_envelope(event: dict[str, Any]) -> dict[str, Any]:
    """moto's internal event (epoch `time`, `ingestion-time`) as EventBridge's envelope."""
    event.pop("ingestion-time", None)
    if isinstance(event.get("time"), int | float):
        event["time"] = iso_seconds(datetime.fromtimestamp(float(event["time"]), UTC))
    elif isinstance(event.get("time"), datetime):
        event["time"] = iso_seconds(event["time"])
    return event


def _silence_moto_s3_events() -> None:
    """moto's S3 CreateBucket -> EventBridge shortcut would call Lambda through Docker; S3's
    events to EventBridge come from `s3guard.notifications` through PutEvents instead."""
    try:
        import moto.s3.models as s3_models
    except ImportError:  # pragma: no cover
        return
    s3_models.events_send_notification = lambda *args, **kwargs: None
