"""A dashboard body exactly as aws-cdk-lib synthesizes a GraphWidget (with a MathExpression
on the right axis), a SingleValueWidget, a TextWidget, an AlarmWidget and an
AlarmStatusWidget: the integration test puts it, tests/infra checks it against a synth."""

from __future__ import annotations

import json


def cdk_body(service: str, alarm_arn: str) -> str:
    """The synthesized body with its tokens resolved, written out so the integration test
    needs no synth; tests/infra/test_dashboard_bodies.py checks it against a real one."""
    metric = ["Dash", "Requests", "Service", service]
    widgets = [
        {"type": "metric", "width": 12, "height": 6, "x": 0, "y": 0,
         "properties": {"view": "timeSeries", "title": "Requests and errors",
                        "region": "us-east-1",
                        "metrics": [[*metric, {"id": "m1", "period": 60, "stat": "Sum"}],
                                    ["Dash", "Errors", "Service", service,
                                     {"label": "Errs", "id": "m2", "period": 60, "stat": "Sum"}],
                                    [{"label": "Error rate", "expression": "m2/m1*100",
                                      "period": 60, "yAxis": "right"}]],
                        "yAxis": {"left": {"label": "count", "min": 0}}}},
        {"type": "metric", "width": 6, "height": 3, "x": 12, "y": 0,
         "properties": {"view": "singleValue", "title": "Latest requests",
                        "region": "us-east-1",
                        "metrics": [[*metric, {"period": 60, "stat": "Sum"}]]}},
        {"type": "text", "width": 6, "height": 2, "x": 18, "y": 0,
         "properties": {"markdown": "# Dash <script>alert(1)</script>"}},
        {"type": "metric", "width": 6, "height": 6, "x": 0, "y": 6,
         "properties": {"view": "timeSeries", "title": "Errors alarm", "region": "us-east-1",
                        "annotations": {"alarms": [alarm_arn]}, "yAxis": {}}},
        {"type": "alarm", "width": 6, "height": 3, "x": 6, "y": 6,
         "properties": {"title": "Alarm Status", "alarms": [alarm_arn]}},
    ]  # fmt: skip
    return json.dumps({"start": "-PT1H", "widgets": widgets}, separators=(",", ":"))
