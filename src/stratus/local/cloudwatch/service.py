"""CloudWatch: metrics (moto stores them) fed from EMF log lines and built-in samples,
alarms that evaluate, change state with history, and run their actions.

- PutLogEvents (after moto stored it): EMF objects in a function's log group, or in a batch
  sent with `x-amzn-logs-format: json/emf`, become metrics (`emf`). Lambda's own metrics
  (Duration included) are recorded by the runtime (lambda_runtime/metrics.py).
- SetAlarmState (the evaluator's and a user's): when the state changed, the new state's
  actions run (`actions`) through the local SNS and Lambda.
- A background loop samples built-in metrics and evaluates alarms (`evaluator`).
- Dashboards are drawn on the AWS endpoint under /_stratus/cloudwatch/dashboards
  (`dashboard`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.cloudwatch import actions, emf, moto_patches
from stratus.local.cloudwatch.dashboard.pages import BASE_PATH, DashboardPages
from stratus.local.cloudwatch.evaluator import Evaluator, tick_seconds
from stratus.local.cloudwatch.providers import AlarmProvider, DashboardProvider
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.service import DeliveryService
from stratus.local.delivery.targets import Message, Targets
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.cloudwatch")

moto_patches.install()

_LAMBDA_GROUP = "/aws/lambda/"


class CloudWatchService(EmulatedService):
    name = "cloudwatch"
    order = 25  # after SNS/SQS/Lambda (actions and samples use them)
    moto_backends = ("cloudwatch",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::CloudWatch::Alarm": AlarmProvider(),
        "AWS::CloudWatch::Dashboard": DashboardProvider(),
    }

    def __init__(self) -> None:
        self._outbox: Outbox | None = None
        self._targets: Targets | None = None
        self._clients: Any = None
        self._before: dict[int, tuple[str, str, datetime]] = {}
        self._functions: dict[str, str] = {}  # log group -> function name
        self._runtime: Any = None
        self._pages = DashboardPages()
        self._endpoint = ""

    def paths(self) -> Iterable[PathRoute]:
        return self._pages.routes()

    # -- hooks --------------------------------------------------------------------------
    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("logs", "PutLogEvents", after=self._after_put_log_events),
            Hook("cloudwatch", "SetAlarmState", before=self._before_set_state),
            Hook("cloudwatch", "SetAlarmState", after=self._after_set_state),
        ]

    async def _after_put_log_events(self, call: AwsCall, response: Response) -> None:
        if self._outbox is None:
            return
        params = call.params()
        group = str(params.get("logGroupName") or "")
        function = self._function_of(group)
        marked = "json/emf" in call.request.headers.get(emf.HEADER, "")
        if function is None and not marked:
            return
        extracted: emf.Extracted = {}
        for event in params.get("logEvents") or []:
            message = str(event.get("message") or "")
            stamp = int(event.get("timestamp") or 0)
            emf.merge(extracted, emf.extract(message, stamp))
        if extracted:
            self._put_metrics(call.region, extracted)

    def _function_of(self, group: str) -> str | None:
        if group in self._functions:
            return self._functions[group]
        if self._runtime is not None:
            for config in self._runtime.functions():
                self._functions[config.log_group] = config.name
            if group in self._functions:
                return self._functions[group]
        if group.startswith(_LAMBDA_GROUP):
            return group[len(_LAMBDA_GROUP) :]
        return None

    def _put_metrics(self, region: str, extracted: emf.Extracted) -> None:
        assert self._outbox is not None
        clients = self._clients

        async def put() -> None:
            client = clients(region)("cloudwatch")
            for namespace, data in extracted.items():
                for start in range(0, len(data), 1000):
                    await asyncio.to_thread(
                        client.put_metric_data,
                        Namespace=namespace,
                        MetricData=data[start : start + 1000],
                    )

        self._outbox.submit(put, f"EMF metrics ({', '.join(extracted)})")

    def _alarm(self, call: AwsCall, name: str) -> Any:
        # Read in the hook, on the loop (moto's backend object): a plain dict lookup.
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[self._account][call.region]
        return backend.alarms.get(name)

    async def _before_set_state(self, call: AwsCall) -> Response | None:
        name = str(call.params().get("AlarmName") or "")
        alarm = self._alarm(call, name)
        if alarm is not None:
            if len(self._before) > 1000:  # entries of calls that failed (no after-hook)
                self._before.clear()
            self._before[id(call)] = (
                str(alarm.state_value),
                str(alarm.state_reason),
                alarm.state_updated_timestamp,
            )
        return None

    async def _after_set_state(self, call: AwsCall, response: Response) -> None:
        before = self._before.pop(id(call), None)
        alarm = self._alarm(call, str(call.params().get("AlarmName") or ""))
        if before is None or alarm is None or before[0] == alarm.state_value:
            return
        change = actions.AlarmChange(
            alarm=alarm,
            account=self._account,
            region=call.region,
            old_state=before[0],
            old_reason=before[1],
            old_time=before[2],
        )
        log.info("alarm %s: %s -> %s", alarm.name, before[0], alarm.state_value)
        targets, outbox = self._targets, self._outbox
        if targets is None or outbox is None:
            return
        for arn, body, subject in actions.messages(change):

            async def send(arn: str = arn, body: str = body, subject: str | None = subject) -> None:
                await targets.send(arn, Message(body=body, subject=subject))

            outbox.submit(send, f"alarm {alarm.name} -> {arn}")
        for arn in change.actions():
            if arn.split(":")[2:3] not in (["sns"], ["lambda"]):
                log.warning("alarm %s: action %s is not run locally", alarm.name, arn)

    # -- life cycle ---------------------------------------------------------------------
    _account = ""

    async def prepare(self, cloud: CloudContext) -> None:
        from stratus.local.cloud import aws_client_factory

        delivery = cloud.service(DeliveryService)
        self._outbox = delivery.outbox
        self._targets = delivery.targets
        self._account = cloud.settings.account_id
        self._pages.account = cloud.settings.account_id
        self._pages.region = cloud.settings.region
        self._endpoint = cloud.settings.aws_endpoint.rstrip("/")
        cache: dict[str, Any] = {}

        def clients(region: str) -> Any:
            if region not in cache:
                cache[region] = aws_client_factory(cloud.settings, region)
            return cache[region]

        self._clients = clients

    async def start(self, cloud: CloudContext) -> None:
        from stratus.local.lambda_runtime.service import LambdaService

        try:
            self._runtime = cloud.service(LambdaService).runtime
        except LookupError:
            self._runtime = None
        evaluator = Evaluator(self._clients, cloud.metrics)
        cloud.background(self._loop(evaluator, cloud.settings.region), "cloudwatch-alarms")

    async def _loop(self, evaluator: Evaluator, region: str) -> None:
        while True:
            await asyncio.sleep(tick_seconds())
            try:
                await asyncio.to_thread(evaluator.tick, self._account, region)
            except Exception:
                log.exception("alarm evaluation failed")

    def describe(self) -> Mapping[str, Any]:
        shown = {"alarms": f"evaluated every {tick_seconds():g} s"}
        if self._endpoint:
            shown["dashboards"] = f"{self._endpoint}{BASE_PATH}"
        return shown


SERVICES = [CloudWatchService]
