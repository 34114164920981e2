"""AWS::CloudWatch::Alarm and AWS::CloudWatch::Dashboard in moto (through the endpoint)."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    api_params,
)


class AlarmProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        cloudwatch = ctx.aws("cloudwatch")
        name = str(props.get("AlarmName") or ctx.name(255))
        params = api_params(cloudwatch, "PutMetricAlarm", {**props, "AlarmName": name})
        for key in ("Threshold",):
            if key in params:
                params[key] = float(params[key])
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in params:
                params[key] = int(params[key])
        for query in params.get("Metrics") or []:
            stat = query.get("MetricStat")
            if stat and "Period" in stat:
                stat["Period"] = int(stat["Period"])
        cloudwatch.put_metric_alarm(**params)
        return name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        found = ctx.aws("cloudwatch").describe_alarms(AlarmNames=[physical_id])
        return bool(found.get("MetricAlarms") or found.get("CompositeAlarms"))

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("AlarmName") and props["AlarmName"] != physical_id:
            return None
        return self.create(ctx, {**props, "AlarmName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("cloudwatch").delete_alarms(AlarmNames=[physical_id])


class DashboardProvider(Provider):
    """Stored and returned by GetDashboard; drawn by `dashboard.pages`."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props.get("DashboardName") or ctx.name(255))
        body = props.get("DashboardBody") or "{}"
        if not isinstance(body, str):
            body = json.dumps(body)
        ctx.aws("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=body)
        return name, {}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        names = ctx.aws("cloudwatch").list_dashboards(DashboardNamePrefix=physical_id)
        return any(d["DashboardName"] == physical_id for d in names.get("DashboardEntries", []))

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("DashboardName") and props["DashboardName"] != physical_id:
            return None
        return self.create(ctx, {**props, "DashboardName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("cloudwatch").delete_dashboards(DashboardNames=[physical_id])
