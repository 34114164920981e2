"""CloudFormation's read calls for the provisioned stacks (query protocol, XML).

DescribeStacks, ListStacks, ListStackResources, DescribeStackResources,
DescribeStackResource, ListExports and GetTemplate answer from the Deployment, per region as
CloudFormation does (a stack is seen only in its own region); shapes are botocore's
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
Other CloudFormation operations return None (moto answers).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from stratus.local.cloudformation.query_xml import query_response
from stratus.local.core.call import AwsCall
from stratus.local.provision.model import Deployment, Resource, Stack

DeploymentSource = Callable[[], Deployment | None]
Handler = Callable[[AwsCall], Awaitable[Response | None]]
SERVICE = "cloudformation"


def operations(deployment_source: DeploymentSource) -> dict[str, Handler]:
    def stacks_in(call: AwsCall) -> list[Stack]:
        deployment = deployment_source()
        if deployment is None:
            return []
        return [s for s in deployment.stacks.values() if s.region == call.region]

    def find(call: AwsCall, name: str | None) -> Stack | None:
        for stack in stacks_in(call):
            if name in (stack.name, stack.stack_id):
                return stack
        return None

    def answer(call: AwsCall, result: dict[str, Any]) -> Response:
        body = query_response(SERVICE, str(call.operation), result)
        return Response(content=body, media_type="text/xml")

    def missing(call: AwsCall, name: str | None) -> Response:
        return call.error("ValidationError", f"Stack with id {name} does not exist", 400)

    async def describe_stacks(call: AwsCall) -> Response | None:
        name = call.params().get("StackName")
        if name:
            stack = find(call, name)
            if stack is None:
                return missing(call, name)
            chosen = [stack]
        else:
            chosen = stacks_in(call)
        return answer(call, {"Stacks": [_stack(s) for s in chosen]})

    async def list_stacks(call: AwsCall) -> Response | None:
        wanted = {v for k, v in call.params().items() if k.startswith("StackStatusFilter.member.")}
        summaries = [
            {
                "StackId": s.stack_id,
                "StackName": s.name,
                "TemplateDescription": s.description,
                "CreationTime": s.created,
                "LastUpdatedTime": s.updated,
                "StackStatus": s.status,
            }
            for s in stacks_in(call)
            if not wanted or s.status in wanted
        ]
        return answer(call, {"StackSummaries": summaries})

    async def list_stack_resources(call: AwsCall) -> Response | None:
        name = call.params().get("StackName")
        stack = find(call, name)
        if stack is None:
            return missing(call, name)
        summaries = [
            {
                "LogicalResourceId": r.logical_id,
                "PhysicalResourceId": r.physical_id,
                "ResourceType": r.type,
                "LastUpdatedTimestamp": r.updated or stack.created,
                "ResourceStatus": r.status,
            }
            for r in stack.resources.values()
        ]
        return answer(call, {"StackResourceSummaries": summaries})

    async def describe_stack_resources(call: AwsCall) -> Response | None:
        params = call.params()
        name, physical = params.get("StackName"), params.get("PhysicalResourceId")
        logical = params.get("LogicalResourceId")
        if name:
            stack = find(call, name)
            if stack is None:
                return missing(call, name)
            candidates = [(stack, r) for r in stack.resources.values()]
        elif physical:
            candidates = [(s, r) for s in stacks_in(call) for r in s.resources.values()]
        else:
            return call.error("ValidationError", "StackName or PhysicalResourceId is required")
        rows = [
            _resource(s, r, detail=False)
            for s, r in candidates
            if (not logical or r.logical_id == logical)
            and (not physical or r.physical_id == physical)
        ]
        return answer(call, {"StackResources": rows})

    async def describe_stack_resource(call: AwsCall) -> Response | None:
        params = call.params()
        name, logical = params.get("StackName"), params.get("LogicalResourceId")
        stack = find(call, name)
        if stack is None:
            return missing(call, name)
        resource = stack.resources.get(str(logical))
        if resource is None:
            return call.error(
                "ValidationError", f"Resource {logical} does not exist for stack {name}", 400
            )
        return answer(call, {"StackResourceDetail": _resource(stack, resource, detail=True)})

    async def list_exports(call: AwsCall) -> Response | None:
        exports = [
            {"ExportingStackId": s.stack_id, "Name": info.export_name, "Value": _text(s.outputs[k])}
            for s in stacks_in(call)
            for k, info in s.output_info.items()
            if info.export_name and k in s.outputs
        ]
        return answer(call, {"Exports": exports})

    async def get_template(call: AwsCall) -> Response | None:
        name = call.params().get("StackName")
        stack = find(call, name)
        if stack is None:
            return missing(call, name)
        body = stack.template_path.read_text()
        return answer(call, {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]})

    return {
        "DescribeStacks": describe_stacks,
        "ListStacks": list_stacks,
        "ListStackResources": list_stack_resources,
        "DescribeStackResources": describe_stack_resources,
        "DescribeStackResource": describe_stack_resource,
        "ListExports": list_exports,
        "GetTemplate": get_template,
    }


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)  # CloudFormation joins list outputs with commas
    return json.dumps(value)


def _stack(stack: Stack) -> dict[str, Any]:
    outputs = []
    for key, value in stack.outputs.items():
        info = stack.output_info.get(key)
        outputs.append(
            {
                "OutputKey": key,
                "OutputValue": _text(value),
                "Description": info.description if info else None,
                "ExportName": info.export_name if info else None,
            }
        )
    return {
        "StackId": stack.stack_id,
        "StackName": stack.name,
        "Description": stack.description,
        "Parameters": [
            {"ParameterKey": k, "ParameterValue": _text(v)} for k, v in stack.parameters.items()
        ],
        "CreationTime": stack.created,
        "LastUpdatedTime": stack.updated,
        "StackStatus": stack.status,
        "DisableRollback": False,
        "Outputs": outputs,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "EnableTerminationProtection": False,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }


def _resource(stack: Stack, resource: Resource, *, detail: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "StackName": stack.name,
        "StackId": stack.stack_id,
        "LogicalResourceId": resource.logical_id,
        "PhysicalResourceId": resource.physical_id,
        "ResourceType": resource.type,
        "ResourceStatus": resource.status,
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    when = resource.updated or stack.created
    if detail:
        row["LastUpdatedTimestamp"] = when
        row["Metadata"] = json.dumps(resource.metadata) if resource.metadata else None
    else:
        row["Timestamp"] = when
    return row
