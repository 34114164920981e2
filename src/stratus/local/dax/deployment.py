"""The DAX cluster's cache TTLs, read from the deployed templates (one source of truth).

AWS::DAX::Cluster.ParameterGroupName names an AWS::DAX::ParameterGroup whose
ParameterNameValues may set `record-ttl-millis` (item cache) and `query-ttl-millis`
(query cache); "record-ttl-millis and query-ttl-millis are the only supported parameter
names" (CloudFormation AWS::DAX::ParameterGroup). Both default to 300000 ms in the
default.dax1.0 group (aws dax describe-parameters).
"""

from __future__ import annotations

import math
from typing import Any

from stratus.local.provision.model import Deployment, Resource

DEFAULT_TTL_SECONDS = 300.0
CLUSTER = "AWS::DAX::Cluster"
PARAMETER_GROUP = "AWS::DAX::ParameterGroup"


def dax_settings_from_deployment(deployment: Deployment) -> tuple[float, float] | None:
    """(item_ttl_s, query_ttl_s) for the deployment's DAX cluster; None if it has none.

    With several clusters the first one found wins (the local cloud serves one DAX endpoint).
    """
    cluster = next(deployment.resources(CLUSTER), None)
    if cluster is None:
        return None
    group = _parameter_group(deployment, cluster)
    values: dict[str, Any] = {}
    if group is not None:
        raw = group.properties.get("ParameterNameValues")
        if isinstance(raw, dict):
            values = raw
    item_ms = _millis(values.get("record-ttl-millis"))
    query_ms = _millis(values.get("query-ttl-millis"))
    # DAX quirk copied: record-ttl-millis 0 means items never expire by time
    # ("Default: 0 = infinite", describe-parameters); only LRU and writes replace them.
    item_ttl = DEFAULT_TTL_SECONDS if item_ms is None else item_ms / 1000 or math.inf
    # query-ttl-millis 0: no documented "infinite" meaning, so 0 keeps nothing (cache off).
    query_ttl = DEFAULT_TTL_SECONDS if query_ms is None else query_ms / 1000
    return item_ttl, query_ttl


def _parameter_group(deployment: Deployment, cluster: Resource) -> Resource | None:
    name = cluster.properties.get("ParameterGroupName")
    if not name:
        return None
    found = deployment.by_physical_id(PARAMETER_GROUP, name)
    if found is not None:
        return found
    for res in deployment.resources(PARAMETER_GROUP):
        if res.properties.get("ParameterGroupName") == name or res.logical_id == name:
            return res
    return None


def _millis(value: Any) -> float | None:
    if value is None:
        return None
    try:
        millis = float(value)
    except (TypeError, ValueError):
        return None
    return millis if millis >= 0 else None
