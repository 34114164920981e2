"""What the provisioner produced: every resource of every stack, resolved.

The gateway, Lambda runtime, DAX endpoint, identity pool and S3 guard read their
configuration from here, never from a list of their own (one source of truth: the templates).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Resource:
    stack: str
    logical_id: str
    type: str
    # Properties with every intrinsic resolved (Ref, GetAtt, Sub, Join, ImportValue, ...).
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    # Metadata from the template (e.g. aws:asset:path for Lambda code).
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "CREATE_COMPLETE"  # or UPDATE_COMPLETE (DescribeStackResources)
    updated: str = ""  # ISO 8601 UTC of the last create or update
    # The template's UpdatePolicy, resolved once the whole stack is (it may name resources
    # provisioned after this one, e.g. CodeDeployLambdaAliasUpdate's deployment group).
    update_policy: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputInfo:
    """What DescribeStacks shows beside an output's value."""

    description: str | None = None
    export_name: str | None = None


@dataclass
class Stack:
    name: str
    template_path: Path
    resources: dict[str, Resource] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    # Directory holding this stack's assets (cdk.out), for resolving aws:asset:path.
    assembly_dir: Path | None = None
    # Where the stack lives (its CDK env; env-agnostic stacks get the local defaults).
    region: str = "us-east-1"
    account: str = "000000000000"
    stack_id: str = ""
    status: str = "CREATE_COMPLETE"  # or UPDATE_COMPLETE
    created: str = ""  # ISO 8601 UTC
    updated: str | None = None  # set once a run changed something after creation
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # resolved parameter values
    output_info: dict[str, OutputInfo] = field(default_factory=dict)
    # Stack-level tags from the cloud assembly (e.g. which system a stack belongs to).
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class StackChanges:
    """What one provisioning run did to a stack ("Logical" ids), for `up` to report."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    retained: list[str] = field(default_factory=list)  # removed but kept (DeletionPolicy)
    stack_deleted: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.replaced or self.deleted)


@dataclass
class Deployment:
    stacks: dict[str, Stack] = field(default_factory=dict)
    # Resource types present in a template that the local cloud does not emulate.
    unsupported: dict[str, list[str]] = field(default_factory=dict)  # type -> ["Stack/LogicalId"]
    # Per stack name, what the run that produced this Deployment did (deleted stacks too).
    changes: dict[str, StackChanges] = field(default_factory=dict)

    def resources(self, type_name: str | None = None) -> Iterator[Resource]:
        for stack in self.stacks.values():
            for res in stack.resources.values():
                if type_name is None or res.type == type_name:
                    yield res

    def get(self, stack: str, logical_id: str) -> Resource:
        return self.stacks[stack].resources[logical_id]

    def by_physical_id(self, type_name: str, physical_id: str) -> Resource | None:
        for res in self.resources(type_name):
            if res.physical_id == physical_id:
                return res
        return None
