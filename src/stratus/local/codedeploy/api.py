"""CodeDeploy's API on the local endpoint (awsJson1_1), with AWS's shapes
(https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html,
API_DeploymentGroupInfo.html, API_ApplicationInfo.html, API_DeploymentConfigInfo.html).

Answers what the local CodeDeploy runs: applications, deployment groups and configurations
from the templates, Lambda deployments and their hooks. `operations(store, engine)` is the
table the service's before-hook calls by botocore operation name.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from stratus.local.codedeploy import configs
from stratus.local.codedeploy.appspec import parse_appspec
from stratus.local.codedeploy.engine import DeploymentError, Engine, routing_of
from stratus.local.codedeploy.shapes import (
    application_info,
    config_info,
    deployment_info,
    group_info,
)
from stratus.local.codedeploy.store import DONE, CodeDeployStore, Deployment, new_deployment_id
from stratus.local.core.call import AwsCall

Operation = Callable[[AwsCall], Awaitable[Response]]
_MEDIA = "application/x-amz-json-1.1"


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, default=str), media_type=_MEDIA)


def _required(params: dict[str, Any], name: str, code: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise DeploymentError(code, f"{name} is required")
    return value


# -- the operations --------------------------------------------------------------------
def operations(
    store: CodeDeployStore,
    engine: Engine,
    launch: Callable[[Deployment], str | None] | None = None,
) -> dict[str, Operation]:
    """`launch` checks a deployment against the running functions (an error message) and,
    when it can run, starts it; without one, CreateDeployment is refused."""

    def application(region: str, name: str) -> dict[str, Any]:
        record = store.applications.get(f"{region}/{name}")
        if record is None:
            raise DeploymentError(
                "ApplicationDoesNotExistException",
                f"The application {name} does not exist with the user or AWS account.",
            )
        return record

    def deployment(params: dict[str, Any]) -> Deployment:
        dep_id = _required(params, "deploymentId", "DeploymentIdRequiredException")
        dep = store.get(dep_id)
        if dep is None:
            raise DeploymentError(
                "DeploymentDoesNotExistException", f"The deployment {dep_id} could not be found."
            )
        return dep

    def list_applications(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        names = sorted(
            r["applicationName"]
            for k, r in store.applications.items()
            if k.startswith(call.region + "/")
        )
        return {"applications": names}

    def get_application(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        name = _required(p, "applicationName", "ApplicationNameRequiredException")
        return {"application": application_info(application(call.region, name))}

    def batch_get_applications(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        names = [str(n) for n in p.get("applicationNames") or []]
        return {"applicationsInfo": [application_info(application(call.region, n)) for n in names]}

    def list_deployment_groups(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        app = _required(p, "applicationName", "ApplicationNameRequiredException")
        application(call.region, app)
        prefix = f"{call.region}/{app}/"
        groups = sorted(k[len(prefix) :] for k in store.groups if k.startswith(prefix))
        return {"applicationName": app, "deploymentGroups": groups}

    def get_deployment_group(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        app = _required(p, "applicationName", "ApplicationNameRequiredException")
        name = _required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
        application(call.region, app)
        return {"deploymentGroupInfo": group_info(store, call.region, app, name)}

    def batch_get_deployment_groups(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        app = _required(p, "applicationName", "ApplicationNameRequiredException")
        application(call.region, app)
        infos, missing = [], []
        for name in p.get("deploymentGroupNames") or []:
            try:
                infos.append(group_info(store, call.region, app, str(name)))
            except DeploymentError:
                missing.append(str(name))
        message = f"Deployment groups not found: {', '.join(missing)}" if missing else ""
        return {"deploymentGroupsInfo": infos, "errorMessage": message}

    def list_deployments(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        app, group = p.get("applicationName"), p.get("deploymentGroupName")
        if app and not group:
            raise DeploymentError(
                "DeploymentGroupNameRequiredException",
                "If applicationName is specified, then deploymentGroupName must be specified.",
            )
        if group and not app:
            raise DeploymentError(
                "ApplicationNameRequiredException",
                "If deploymentGroupName is specified, applicationName must be specified.",
            )
        if app:
            application(call.region, str(app))
            group_info(store, call.region, str(app), str(group))
        statuses = set(p.get("includeOnlyStatuses") or [])
        window = p.get("createTimeRange") or {}
        start, end = window.get("start"), window.get("end")
        found = [
            d
            for d in sorted(store.deployments.values(), key=lambda d: d.created, reverse=True)
            if d.region == call.region
            and (not app or (d.application, d.group) == (app, group))
            and (not statuses or d.status in statuses)
            and (start is None or d.created >= float(start))
            and (end is None or d.created <= float(end))
        ]
        return {"deployments": [d.id for d in found]}

    def get_deployment(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        return {"deploymentInfo": deployment_info(deployment(p))}

    def batch_get_deployments(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        ids = [str(i) for i in p.get("deploymentIds") or []]
        found = [store.get(i) for i in ids]
        return {"deploymentsInfo": [deployment_info(d) for d in found if d is not None]}

    def stop_deployment(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        dep = deployment(p)
        rollback = p.get("autoRollbackEnabled")
        engine.stop(dep.id, None if rollback is None else bool(rollback))
        return {"status": "Pending", "statusMessage": "Stopping the deployment"}

    def put_hook_status(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        dep = deployment(p)
        execution = _required(
            p, "lifecycleEventHookExecutionId", "InvalidLifecycleEventHookExecutionIdException"
        )
        engine.hook_status(dep.id, execution, str(p.get("status") or ""))
        return {"lifecycleEventHookExecutionId": execution}

    def create_deployment(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        app = _required(p, "applicationName", "ApplicationNameRequiredException")
        if application(call.region, app)["computePlatform"] != "Lambda":
            raise DeploymentError(
                "InvalidComputePlatformException", f"{app} is not a Lambda application"
            )
        group = _required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
        info = group_info(store, call.region, app, group)
        config = str(p.get("deploymentConfigName") or info["deploymentConfigName"])
        routing_of(store, call.region, config)  # an unknown name is refused now
        spec = parse_appspec(p.get("revision") or {})
        busy = [d.id for d in store.in_group(call.region, app, group) if d.status not in DONE]
        if busy:
            raise DeploymentError(
                "DeploymentLimitExceededException",
                f"The deployment group {group} has a deployment in progress: {busy[0]}",
            )
        dep = Deployment(
            id=new_deployment_id(),
            region=call.region,
            application=app,
            group=group,
            config=config,
            function=spec["Name"].split(":function:")[-1].split(":")[0],
            alias=spec["Alias"],
            current=spec["CurrentVersion"],
            target=spec["TargetVersion"],
            before_hook=spec["hooks"].get("BeforeAllowTraffic", "").split(":function:")[-1],
            after_hook=spec["hooks"].get("AfterAllowTraffic", "").split(":function:")[-1],
            logical_id=spec["logical_id"],
            description=str(p.get("description") or ""),
        )
        problem = "the local cloud runs no functions" if launch is None else None
        if launch is not None:
            problem = launch(dep)
        if problem:
            raise DeploymentError("InvalidRevisionException", problem)
        return {"deploymentId": dep.id}

    def get_deployment_config(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        name = _required(p, "deploymentConfigName", "DeploymentConfigNameRequiredException")
        return {"deploymentConfigInfo": config_info(store, call.region, name)}

    def list_deployment_configs(call: AwsCall, p: dict[str, Any]) -> dict[str, Any]:
        custom = [k.split("/", 1)[1] for k in store.configs if k.startswith(call.region + "/")]
        return {"deploymentConfigsList": sorted(configs.PREDEFINED) + sorted(custom)}

    table: dict[str, Callable[[AwsCall, dict[str, Any]], dict[str, Any]]] = {
        "ListApplications": list_applications,
        "GetApplication": get_application,
        "BatchGetApplications": batch_get_applications,
        "ListDeploymentGroups": list_deployment_groups,
        "GetDeploymentGroup": get_deployment_group,
        "BatchGetDeploymentGroups": batch_get_deployment_groups,
        "ListDeployments": list_deployments,
        "GetDeployment": get_deployment,
        "BatchGetDeployments": batch_get_deployments,
        "StopDeployment": stop_deployment,
        "CreateDeployment": create_deployment,
        "PutLifecycleEventHookExecutionStatus": put_hook_status,
        "GetDeploymentConfig": get_deployment_config,
        "ListDeploymentConfigs": list_deployment_configs,
    }

    def wrap(handler: Callable[[AwsCall, dict[str, Any]], dict[str, Any]]) -> Operation:
        async def answer(call: AwsCall) -> Response:
            try:
                return _json(handler(call, call.params()))
            except DeploymentError as exc:
                return call.error(exc.code, str(exc))
            except configs.ConfigError as exc:
                return call.error("InvalidDeploymentConfigNameException", str(exc))

        return answer

    return {name: wrap(handler) for name, handler in table.items()}
