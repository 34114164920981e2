"""EventBridge: buses, rules and targets in moto; events, schedules and delivery by us.

- PutEvents is answered here (`put_events`: AWS's limits and per-entry results), and each
  accepted event goes to the matching rules of its bus (`delivery`); events other services
  put on a bus (S3's) come through the same PutEvents.
- PutRule / PutTargets are checked first with AWS's pattern, schedule and transformer rules
  (`validation`), then kept by moto.
- Scheduled rules, and EventBridge Scheduler's schedules (`schedules`), fire on time from a
  background task (`scheduler`).
- `POST /_stratus/events/rules/{name}/fire` fires one rule now (`admin`, for
  `stratus events fire`); the CLI finds the running cloud through `<state>/endpoints.json`
  (core.endpoints).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import BeforeHook, EmulatedService, Hook, PathRoute
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.delivery.service import DeliveryService
from stratus.local.eventbridge import delivery as eb_delivery
from stratus.local.eventbridge import providers as eb_providers
from stratus.local.eventbridge.admin import fire_handler
from stratus.local.eventbridge.delivery import EventBridgeDelivery, moto_rules
from stratus.local.eventbridge.put_events import PutEventsValidationError, put_events
from stratus.local.eventbridge.retry import Backoff
from stratus.local.eventbridge.scheduler import Scheduler
from stratus.local.eventbridge.schedules import ScheduleRunner, moto_schedules
from stratus.local.eventbridge.validation import (
    RequestRejected,
    check_put_rule,
    check_put_targets,
)
from stratus.local.provision.provider import Provider
from stratus.local.xray import propagation

# Seconds before the first retry of a failed target (doubling, capped): tests shrink it.
BACKOFF_ENV = "STRATUS_EVENTS_RETRY_BASE_SECONDS"


class EventBridgeService(EmulatedService):
    name = "events"
    order = 20
    moto_backends = ("events", "scheduler")
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Events::EventBus": eb_providers.EventBusProvider(),
        "AWS::Events::Rule": eb_providers.RuleProvider(),
        "AWS::Scheduler::Schedule": eb_providers.ScheduleProvider(),
    }

    def __init__(self) -> None:
        self.delivery: EventBridgeDelivery | None = None
        self.scheduler: Scheduler | None = None
        self._account = ACCOUNT_ID

    def hooks(self) -> Iterable[Hook]:
        async def answer_put_events(call: AwsCall) -> Response | None:
            if self.delivery is None:
                return None  # not prepared yet: moto answers
            try:
                result = put_events(
                    call.params(),
                    account=self._account,
                    region=call.region,
                    trace_header=propagation.caller_of(call),
                )
            except PutEventsValidationError as exc:
                return call.error("ValidationException", str(exc))
            for accepted in result.accepted:
                self.delivery.publish(
                    call.region, accepted.bus_name, accepted.event, accepted.trace_header
                )
            await self.delivery.outbox.sync()  # the accepted events are on disk first
            return Response(json.dumps(result.response()), media_type="application/x-amz-json-1.1")

        def checked(check: Callable[[Mapping[str, Any]], None]) -> BeforeHook:
            async def before(call: AwsCall) -> Response | None:
                try:
                    check(call.params())
                except RequestRejected as exc:
                    return call.error(exc.code, exc.message)
                return None

            return before

        return [
            Hook("events", "PutEvents", before=answer_put_events),
            Hook("events", "PutRule", before=checked(check_put_rule)),
            Hook("events", "PutTargets", before=checked(check_put_targets)),
        ]

    def paths(self) -> Iterable[PathRoute]:
        return [
            PathRoute(
                frozenset({"POST"}),
                r"^/_stratus/events/rules/[^/]+/fire$",
                fire_handler(lambda: self.delivery, self._rules),
            )
        ]

    def _rules(self, region: str | None) -> list[eb_delivery.RuleView]:
        return list(moto_rules(self._account, region))

    async def prepare(self, cloud: CloudContext) -> None:
        service = cloud.service(DeliveryService)
        assert service.targets is not None
        self._account = cloud.settings.account_id
        base = float(os.environ.get(BACKOFF_ENV, "1.0"))
        self.delivery = EventBridgeDelivery(
            service.outbox,
            service.targets,
            account=self._account,
            backoff=Backoff(base=base, cap=max(base, 30.0 * base)),
        )
        eb_delivery.install(self.delivery)

    async def start(self, cloud: CloudContext) -> None:
        assert self.delivery is not None
        runner = ScheduleRunner(self.delivery, lambda: moto_schedules(self._account))
        self.scheduler = Scheduler(
            self.delivery, lambda: moto_rules(self._account), schedules=runner
        )
        cloud.background(self.scheduler.run(), "eventbridge-scheduler")

    def describe(self) -> Mapping[str, object]:
        rules = self._rules(None)
        return {"rules": len(rules), "scheduled rules": sum(1 for r in rules if r.schedule)}


SERVICES = [EventBridgeService]
