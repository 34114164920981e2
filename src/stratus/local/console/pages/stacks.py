"""Stacks: every stack the local cloud provisioned, and per stack its resources (logical →
physical id, type, status, a link to the resource's own page) and outputs.

Read from the deployment the provisioner produced (one source of truth: the templates),
as CloudFormation's DescribeStacks and DescribeStackResources show them
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html);
a type the local cloud does not emulate is listed with its stack as "not emulated, skipped",
as `stratus up` names it at start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.cloud import SYSTEM_TAG
from stratus.local.console.app import console_of
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.links import resource_link, stack_link
from stratus.local.console.pages import Page
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment, Stack
from stratus.local.provision.outputs import outputs_for

SKIPPED = "not emulated, skipped"
MAX_NAME = 256  # longer than any CloudFormation stack name (128): refused as bad input


@dataclass(frozen=True)
class ResourceRow:
    logical_id: str
    physical_id: str
    type: str
    status: str
    updated: str
    link: str | None


@dataclass(frozen=True)
class OutputRow:
    key: str
    value: str
    aws_value: str  # the unrewritten value, when it differs from the local one
    description: str
    export_name: str
    is_url: bool


@dataclass(frozen=True)
class StackSummary:
    name: str
    link: str
    region: str
    system: str
    status: str
    resources: int
    skipped: int
    outputs: list[OutputRow]


def skipped_of(deployment: Deployment) -> dict[str, list[tuple[str, str]]]:
    """Per stack: the (logical id, type) of each resource not emulated."""
    out: dict[str, list[tuple[str, str]]] = {}
    for type_label, places in deployment.unsupported.items():
        for where in places:
            stack, _, logical_id = where.partition("/")
            out.setdefault(stack, []).append((logical_id, type_label.split(" (", 1)[0]))
    return out


def outputs_of(stack: Stack, local: dict[str, str]) -> list[OutputRow]:
    """The stack's outputs with the values outputs.json has (URLs pointed at the local
    cloud, so they open here), and the value as AWS would show it when that differs."""
    rows = []
    for key, value in sorted(stack.outputs.items()):
        info = stack.output_info.get(key)
        aws = value if isinstance(value, str) else json.dumps(value)
        text = local.get(key, aws)
        rows.append(
            OutputRow(
                key=key,
                value=text,
                aws_value=aws if aws != text else "",
                description=(info.description if info else None) or "",
                export_name=(info.export_name if info else None) or "",
                is_url=text.startswith(("https://", "http://")),
            )
        )
    return rows


def summaries(deployment: Deployment, settings: LocalSettings) -> list[StackSummary]:
    skipped = skipped_of(deployment)
    local = outputs_for(settings, deployment)
    rows = []
    for stack in sorted(deployment.stacks.values(), key=lambda s: (s.region, s.name)):
        provisioned = {r.logical_id for r in stack.resources.values()}
        extra = [lid for lid, _ in skipped.get(stack.name, []) if lid not in provisioned]
        rows.append(
            StackSummary(
                name=stack.name,
                link=stack_link(stack.name),
                region=stack.region,
                system=stack.tags.get(SYSTEM_TAG, ""),
                status=stack.status,
                resources=len(stack.resources) + len(extra),
                skipped=len(skipped.get(stack.name, [])),
                outputs=outputs_of(stack, local.get(stack.name, {})),
            )
        )
    return rows


def resource_rows(deployment: Deployment, stack: Stack) -> list[ResourceRow]:
    skipped = dict(skipped_of(deployment).get(stack.name, []))
    rows = [
        ResourceRow(
            logical_id=res.logical_id,
            physical_id=res.physical_id,
            type=res.type,
            status=SKIPPED if res.logical_id in skipped else res.status,
            updated=res.updated,
            link=None
            if res.logical_id in skipped
            else resource_link(res.type, res.physical_id, stack.region),
        )
        for res in stack.resources.values()
    ]
    rows += [
        ResourceRow(logical_id, "", type_name, SKIPPED, "", None)
        for logical_id, type_name in skipped.items()
        if logical_id not in stack.resources
    ]
    return sorted(rows, key=lambda r: r.logical_id)


def _deployment(request: Request) -> Deployment:
    deployment = console_of(request).deployment
    if deployment is None:
        raise ConsoleError(404, "Nothing is deployed yet.")
    return deployment


async def stacks_index(request: Request) -> Response:
    deployment = console_of(request).deployment
    settings = console_of(request).settings
    rows = summaries(deployment, settings) if deployment is not None else []
    return render(request, "stacks/index.html", title="Stacks", active="stacks", stacks=rows)


async def stack_detail(request: Request) -> Response:
    name = str(request.path_params["stack"])
    deployment = _deployment(request)
    stack = deployment.stacks.get(name) if len(name) <= MAX_NAME else None
    if stack is None:
        raise ConsoleError(404, f"No stack named {name[:MAX_NAME]!r} is deployed.")
    values: dict[str, Any] = {
        "stack": stack,
        "system": stack.tags.get(SYSTEM_TAG, ""),
        "resources": resource_rows(deployment, stack),
        "outputs": outputs_of(
            stack, outputs_for(console_of(request).settings, deployment).get(name, {})
        ),
        "skipped": SKIPPED,
    }
    return render(request, "stacks/detail.html", title=name, active="stacks", **values)


def _routes(console: object) -> list[BaseRoute]:
    return [
        Route("/stacks", stacks_index, methods=["GET", "HEAD"]),
        Route("/stacks/{stack}", stack_detail, methods=["GET", "HEAD"]),
    ]


PAGE = Page("stacks", "Stacks", 10, _routes)
