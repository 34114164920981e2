"""CodeDeploy's response shapes for what the local CodeDeploy keeps
(https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html,
API_DeploymentGroupInfo.html, API_ApplicationInfo.html, API_DeploymentConfigInfo.html)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stratus.local.codedeploy import configs
from stratus.local.codedeploy.engine import DeploymentError, routing_of
from stratus.local.codedeploy.store import DONE, CodeDeployStore, Deployment


def application_info(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "applicationId": record["applicationId"],
        "applicationName": record["applicationName"],
        "createTime": record["createTime"],
        "linkedToGitHub": False,
        "computePlatform": record["computePlatform"],
    }


def deployment_info(dep: Deployment) -> dict[str, Any]:
    content = json.dumps(dep.appspec())
    revision = {
        "revisionType": "AppSpecContent",
        "appSpecContent": {
            "content": content,
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
        },
    }
    # One target (the function's alias): where it is in the deployment.
    overview = {k: 0 for k in ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")}
    if dep.status in DONE:
        overview["Succeeded" if dep.status == "Succeeded" else "Failed"] = 1
    else:
        overview["InProgress" if dep.started else "Pending"] = 1
    out: dict[str, Any] = {
        "applicationName": dep.application,
        "deploymentGroupName": dep.group,
        "deploymentConfigName": dep.config,
        "deploymentId": dep.id,
        "revision": revision,
        "status": dep.status,
        "createTime": dep.created,
        "deploymentOverview": overview,
        "creator": dep.creator,
        "deploymentStyle": {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "deploymentStatusMessages": list(dep.messages),
        "computePlatform": "Lambda",
    }
    if dep.description:
        out["description"] = dep.description
    if dep.started:
        out["startTime"] = dep.started
    if dep.completed:
        out["completeTime"] = dep.completed
    if dep.error:
        out["errorInformation"] = dict(dep.error)
    if dep.rollback:
        out["rollbackInfo"] = dict(dep.rollback)
    return out


def _summary(dep: Deployment | None) -> dict[str, Any]:
    if dep is None:
        return {}
    out: dict[str, Any] = {"deploymentId": dep.id, "status": dep.status, "createTime": dep.created}
    if dep.completed:
        out["endTime"] = dep.completed
    return out


def group_info(store: CodeDeployStore, region: str, app: str, name: str) -> dict[str, Any]:
    record = store.group(region, app, name)
    if record is None:
        raise DeploymentError(
            "DeploymentGroupDoesNotExistException",
            f"The deployment group {name} does not exist with the user or AWS account.",
        )
    props = record["properties"]
    alarms = props.get("AlarmConfiguration") or {}
    rollback = props.get("AutoRollbackConfiguration") or {}
    style = props.get("DeploymentStyle") or {}
    history = store.in_group(region, app, name)
    succeeded = next((d for d in history if d.status == "Succeeded"), None)
    info: dict[str, Any] = {
        "applicationName": app,
        "deploymentGroupId": record["deploymentGroupId"],
        "deploymentGroupName": name,
        "deploymentConfigName": props.get("DeploymentConfigName")
        or configs.PREFIX + "LambdaAllAtOnce",
        "ec2TagFilters": [],
        "onPremisesInstanceTagFilters": [],
        "autoScalingGroups": [],
        "serviceRoleArn": props.get("ServiceRoleArn") or "",
        "triggerConfigurations": [],
        "alarmConfiguration": {
            "enabled": bool(alarms.get("Enabled", bool(alarms.get("Alarms")))),
            "ignorePollAlarmFailure": bool(alarms.get("IgnorePollAlarmFailure", False)),
            "alarms": [{"name": a.get("Name")} for a in alarms.get("Alarms") or []],
        },
        "autoRollbackConfiguration": {
            "enabled": bool(rollback.get("Enabled", False)),
            "events": list(rollback.get("Events") or []),
        },
        "deploymentStyle": {
            "deploymentType": style.get("DeploymentType", "BLUE_GREEN"),
            "deploymentOption": style.get("DeploymentOption", "WITH_TRAFFIC_CONTROL"),
        },
        "computePlatform": "Lambda",
    }
    if history:
        info["lastAttemptedDeployment"] = _summary(history[0])
        content = json.dumps(history[0].appspec())
        info["targetRevision"] = {
            "revisionType": "AppSpecContent",
            "appSpecContent": {
                "content": content,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
            },
        }
    if succeeded is not None:
        info["lastSuccessfulDeployment"] = _summary(succeeded)
    return info


def config_info(store: CodeDeployStore, region: str, name: str) -> dict[str, Any]:
    routing = routing_of(store, region, name)
    record = store.configs.get(f"{region}/{name}") or {}
    return {
        "deploymentConfigId": record.get("deploymentConfigId")
        or hashlib.md5(name.encode()).hexdigest(),
        "deploymentConfigName": name,
        "createTime": record.get("createTime") or 0,
        "computePlatform": "Lambda",
        "trafficRoutingConfig": routing.to_api(),
    }
