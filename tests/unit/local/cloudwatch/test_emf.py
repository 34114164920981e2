"""Embedded Metric Format lines -> PutMetricData input, per the EMF specification."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.cloudwatch import emf


def _line(**root: Any) -> str:
    return json.dumps(root)


def test_powertools_style_object_yields_one_metric_per_dimension_set() -> None:
    line = _line(
        _aws={
            "Timestamp": 1_700_000_000_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Blog",
                    "Dimensions": [["service"], ["service", "lang"]],
                    "Metrics": [{"Name": "Subscribed", "Unit": "Count"}],
                }
            ],
        },
        service="subscriptions",
        lang="fr",
        Subscribed=1,
    )
    out = emf.extract(line, 0)
    data = out["Blog"]
    assert [d["Dimensions"] for d in data] == [
        [{"Name": "service", "Value": "subscriptions"}],
        [{"Name": "service", "Value": "subscriptions"}, {"Name": "lang", "Value": "fr"}],
    ]
    assert all(d["Value"] == 1.0 and d["Unit"] == "Count" for d in data)
    assert data[0]["Timestamp"].timestamp() == 1_700_000_000


def test_value_arrays_and_empty_dimension_sets() -> None:
    line = _line(
        _aws={
            "Timestamp": 1,
            "CloudWatchMetrics": [
                {"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": "Latency"}]}
            ],
        },
        Latency=[1, 2.5, "x"],
    )
    [datum] = emf.extract(line, 0)["N"]
    assert datum["Values"] == [1.0, 2.5] and datum["Dimensions"] == [] and datum["Unit"] == "None"


def test_text_before_the_object_is_allowed_and_plain_lines_are_ignored() -> None:
    line = "2024-01-01T00:00:00Z\trequest\t" + _line(
        _aws={
            "Timestamp": 5,
            "CloudWatchMetrics": [{"Namespace": "N", "Metrics": [{"Name": "M"}]}],
        },
        M=3,
    )
    assert emf.extract(line, 0)["N"][0]["Value"] == 3.0
    assert emf.extract("START RequestId: 1", 0) == {}
    assert emf.extract('{"_aws": "nope"}', 0) == {}


def test_invalid_members_are_not_extracted() -> None:
    base = {"Timestamp": 5, "CloudWatchMetrics": []}
    missing_dimension = _line(
        _aws={
            **base,
            "CloudWatchMetrics": [
                {"Namespace": "N", "Dimensions": [["d"]], "Metrics": [{"Name": "M"}]}
            ],
        },
        M=1,
    )
    non_number = _line(
        _aws={**base, "CloudWatchMetrics": [{"Namespace": "N", "Metrics": [{"Name": "M"}]}]},
        M="1",
    )
    no_namespace = _line(_aws={**base, "CloudWatchMetrics": [{"Metrics": [{"Name": "M"}]}]}, M=1)
    assert emf.extract(missing_dimension, 0) == {}
    assert emf.extract(non_number, 0) == {}
    assert emf.extract(no_namespace, 0) == {}
