"""DAX TTLs come from the deployed AWS::DAX::ParameterGroup, or DAX's 5-minute defaults."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from stratus.local.dax import dax_settings_from_deployment
from stratus.local.provision.model import Deployment, Resource, Stack


def deployment(*resources: Resource) -> Deployment:
    stack = Stack(name="Todo", template_path=Path("Todo.template.json"))
    stack.resources = {res.logical_id: res for res in resources}
    return Deployment(stacks={"Todo": stack})


def cluster(**props: Any) -> Resource:
    return Resource("Todo", "Cache", "AWS::DAX::Cluster", props, physical_id="todo-cache")


def group(values: dict[str, Any]) -> Resource:
    return Resource(
        "Todo",
        "CacheParams",
        "AWS::DAX::ParameterGroup",
        {"ParameterGroupName": "todo-params", "ParameterNameValues": values},
        physical_id="todo-params",
    )


def test_no_dax_cluster_means_no_settings() -> None:
    assert dax_settings_from_deployment(deployment()) is None


def test_cluster_without_parameter_group_uses_dax_defaults() -> None:
    assert dax_settings_from_deployment(deployment(cluster())) == (300.0, 300.0)


def test_parameter_group_ttls_are_read_in_seconds() -> None:
    dep = deployment(
        cluster(ParameterGroupName="todo-params"),
        group({"record-ttl-millis": "60000", "query-ttl-millis": 1500}),
    )
    assert dax_settings_from_deployment(dep) == (60.0, 1.5)


def test_missing_parameter_keeps_its_default() -> None:
    dep = deployment(cluster(ParameterGroupName="todo-params"), group({"query-ttl-millis": "0"}))
    assert dax_settings_from_deployment(dep) == (300.0, 0.0)


def test_record_ttl_zero_means_items_never_expire() -> None:
    dep = deployment(cluster(ParameterGroupName="todo-params"), group({"record-ttl-millis": "0"}))
    settings = dax_settings_from_deployment(dep)
    assert settings is not None and math.isinf(settings[0])
