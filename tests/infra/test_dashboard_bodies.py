"""Dashboard bodies as aws-cdk-lib synthesizes them are what the local dashboards read:
the integration test's body is a real synth's, and the blog stack's dashboard resolves
every widget without an error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cw

from stratus.local.cloudwatch.alarms import Sample
from stratus.local.cloudwatch.dashboard import body, view
from stratus.local.cloudwatch.dashboard.query import AlarmView
from stratus.local.cloudwatch.dashboard.timerange import TimeRange
from tests.infra.conftest import Synth
from tests.integration.cdk_dashboard import cdk_body

ARN = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _resolve(value: Any) -> str:
    """A DashboardBody's Fn::Join with its Refs and GetAtts as fixed local values."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_resolve(part) for part in parts)
    if value.get("Ref") == "AWS::Region":
        return "us-east-1"
    if "Ref" in value:
        return f"ref-{value['Ref']}"
    if "Fn::GetAtt" in value:
        return ARN + value["Fn::GetAtt"][0]
    raise AssertionError(f"unexpected token {value}")


def _dashboard_body(template: dict[str, Any]) -> str:
    [dashboard] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    return _resolve(dashboard["Properties"]["DashboardBody"])


def test_integration_body_is_what_cdk_synthesizes() -> None:
    app = App()
    stack = Stack(app, "Dash")
    minute = Duration.minutes(1)
    dims = {"Service": "svc"}
    requests = cw.Metric(namespace="Dash", metric_name="Requests", dimensions_map=dims,
                         statistic="Sum", period=minute)  # fmt: skip
    errors = cw.Metric(namespace="Dash", metric_name="Errors", dimensions_map=dims,
                       statistic="Sum", period=minute, label="Errs")  # fmt: skip
    rate = cw.MathExpression(expression="m2/m1*100", using_metrics={"m1": requests, "m2": errors},
                             label="Error rate", period=minute)  # fmt: skip
    alarm = cw.Alarm(stack, "Alarm", metric=errors, threshold=1, evaluation_periods=1)
    board = cw.Dashboard(stack, "Board", start="-PT1H")
    board.add_widgets(
        cw.GraphWidget(title="Requests and errors", left=[requests, errors], right=[rate],
                       left_y_axis=cw.YAxisProps(min=0, label="count"), width=12),
        cw.SingleValueWidget(title="Latest requests", metrics=[requests], width=6),
        cw.TextWidget(markdown="# Dash <script>alert(1)</script>", width=6),
        cw.AlarmWidget(title="Errors alarm", alarm=alarm),
        cw.AlarmStatusWidget(alarms=[alarm]),
    )  # fmt: skip
    template = app.synth().get_stack_by_name("Dash").template
    logical = next(
        k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
    )
    synthesized = json.loads(_dashboard_body(template))
    written = json.loads(cdk_body("svc", ARN + logical))
    assert synthesized["start"] == written["start"]
    assert len(synthesized["widgets"]) == len(written["widgets"])
    for got, want in zip(synthesized["widgets"], written["widgets"], strict=True):
        assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


class _Source:
    def samples(self, *args: Any) -> list[Sample]:
        return [Sample(NOW - timedelta(minutes=1), 1.0, 2.0, 2.0, 2.0, (2.0,))]

    def alarm(self, arn: str) -> AlarmView:
        return AlarmView(arn, arn.rsplit(":", 1)[1], "OK", "", NOW)


def test_blog_dashboard_resolves_every_widget(dev: Synth) -> None:
    path = next(dev.outdir.glob("*-Blog.template.json"))
    board = body.parse(_dashboard_body(json.loads(path.read_text())))
    span = TimeRange(NOW - timedelta(hours=3), NOW)
    views = view.build(board, _Source(), span, "us-east-1")
    assert board.error is None
    assert [(v.widget.type, v.error) for v in views] == [
        ("text", None), ("metric", None), ("metric", None), ("metric", None), ("alarm", None)
    ]  # fmt: skip
    for graph in views[1:4]:
        assert graph.data is not None and graph.data.notes == []
        assert graph.data.series and all(s.points for s in graph.data.series)
    assert len(views[4].alarms) == 6
