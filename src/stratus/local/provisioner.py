"""Provision a synthesized CDK assembly on the local cloud.

CloudFormation itself is what we emulate here (moto's CloudFormation would create resources
in its own way, without our deterministic names, reuse across restarts or the "recorded"
resources our gateway and Lambda runtime serve). Per stack, in dependency order: resolve
parameters, order resources by Ref/GetAtt/Sub/DependsOn, resolve each one's properties and
hand them to the provider for its type. A resource whose resolved properties are unchanged
since the last run, and which still exists, is reused as is: a restart is fast and keeps ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from stratus.local.assembly import Assembly, StackArtifact
from stratus.local.intrinsics import (
    IntrinsicError,
    ResolveContext,
    Resolver,
    parameter_values,
    references,
)
from stratus.local.model import Deployment, Resource, Stack
from stratus.local.persistence import write_atomic
from stratus.local.providers import PROVIDERS, SKIPPED
from stratus.local.providers.base import Provider, ProviderContext
from stratus.local.settings import LocalSettings

log = logging.getLogger("stratus.provision")

ProgressCallback = Callable[[str, str, str, str], None]  # (stack, logical_id, type, action)
ASSET_DIR_KEY = "stratus:asset_dir"  # metadata key: absolute directory of a Lambda asset


class ProvisionError(Exception):
    """A template cannot be provisioned; the message names stack and logical id."""


class PhysicalIdStore:
    """What each resource became last time.

    JSON: {"Stack/Logical": {"type", "hash", "physical_id", "attributes"}}.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._records: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                self._records = json.loads(path.read_text())
            except ValueError:
                log.warning("ignoring unreadable %s", path)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._records.get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        self._records[key] = record

    def save(self) -> None:
        write_atomic(
            self.path, json.dumps(self._records, indent=1, sort_keys=True, default=str).encode()
        )


def provision(
    settings: LocalSettings,
    assembly: Assembly,
    *,
    aws: Callable[[str], Any],
    state: PhysicalIdStore,
    on_progress: ProgressCallback | None = None,
    parameters: dict[str, dict[str, str]] | None = None,
    providers: Mapping[str, Provider] | None = None,
) -> Deployment:
    """Create (or reuse) every resource of every stack; returns the resolved Deployment.

    `providers`: resource type -> provider, from the service registry (default: all).
    """
    deployment = Deployment()
    exports: dict[str, Any] = {}
    table = PROVIDERS if providers is None else providers
    for artifact in assembly.stacks:
        overrides = {**artifact.parameters, **((parameters or {}).get(artifact.stack_name) or {})}
        stack = _StackRun(
            settings, artifact, aws, state, deployment, exports, overrides, on_progress, table
        )
        deployment.stacks[artifact.stack_name] = stack.run()
        state.save()
    return deployment


class _StackRun:
    def __init__(
        self,
        settings: LocalSettings,
        artifact: StackArtifact,
        aws: Callable[[str], Any],
        state: PhysicalIdStore,
        deployment: Deployment,
        exports: dict[str, Any],
        overrides: dict[str, str],
        on_progress: ProgressCallback | None,
        providers: Mapping[str, Provider],
    ) -> None:
        self.providers = providers
        self.settings = settings
        self.artifact = artifact
        self.aws = aws
        self.state = state
        self.deployment = deployment
        self.exports = exports
        self.on_progress = on_progress
        self.template = artifact.template()
        self.name = artifact.stack_name
        self.stack = Stack(
            name=self.name, template_path=artifact.template_path, assembly_dir=artifact.assembly_dir
        )
        self.unsupported: set[str] = set()
        self.resolver = Resolver(
            ResolveContext(
                stack_name=self.name,
                region=settings.region,
                account_id=settings.account_id,
                parameters=parameter_values(self.template, overrides),
                conditions=self.template.get("Conditions") or {},
                mappings=self.template.get("Mappings") or {},
                exports=exports,
                ref=self._ref,
                get_att=self._get_att,
            )
        )

    # -- Ref / GetAtt over what this run created ------------------------------------------
    def _ref(self, logical_id: str) -> Any:
        if logical_id in self.unsupported:
            return _placeholder(self.name, logical_id)
        return self.stack.resources[logical_id].physical_id

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id in self.unsupported:
            return _placeholder(self.name, logical_id, attribute)
        resource = self.stack.resources[logical_id]
        if attribute in resource.attributes:
            return resource.attributes[attribute]
        if attribute in ("Ref", "Name") and resource.physical_id:
            return resource.physical_id
        raise KeyError(attribute)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> Stack:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources") or {}
        for logical_id in _order(self.name, resources):
            self._one(logical_id, resources[logical_id])
        self._outputs()
        return self.stack

    def _progress(self, logical_id: str, rtype: str, action: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.name, logical_id, rtype, action)

    def _one(self, logical_id: str, spec: dict[str, Any]) -> None:
        rtype = str(spec.get("Type", ""))
        where = f"{logical_id}"
        if rtype in SKIPPED:
            return
        condition = spec.get("Condition")
        if condition and not self.resolver.condition(condition, where):
            self._progress(logical_id, rtype, "skip-condition")
            return
        provider = self.providers.get(rtype)
        if provider is None:
            self.unsupported.add(logical_id)
            self.deployment.unsupported.setdefault(rtype, []).append(f"{self.name}/{logical_id}")
            self._progress(logical_id, rtype, "unsupported")
            return
        properties = self.resolver.resolve(spec.get("Properties") or {}, f"{where}.Properties")
        metadata = dict(spec.get("Metadata") or {})
        code = properties.get("Code") or properties.get("Content") or {}
        if "aws:asset:path" not in metadata and isinstance(code, dict):
            # Synthesized without asset metadata: find the asset by its S3 key instead.
            source = self.artifact.assets.get(str(code.get("S3Key")))
            if source is not None:
                metadata["aws:asset:path"] = source
        asset = metadata.get("aws:asset:path")
        if isinstance(asset, str):
            metadata[ASSET_DIR_KEY] = str(self.artifact.asset_dir(asset))
        ctx = ProviderContext(
            settings=self.settings,
            aws=self.aws,
            stack=self.name,
            logical_id=logical_id,
            resource_type=rtype,
            metadata=metadata,
            assembly_dir=self.artifact.assembly_dir,
        )
        key = f"{self.name}/{logical_id}"
        digest = _hash(rtype, properties)
        record = self.state.get(key)
        try:
            physical_id, attributes, action = self._apply(provider, ctx, properties, record, digest)
        except IntrinsicError:
            raise
        except Exception as exc:
            raise ProvisionError(f"{key} ({rtype}): {type(exc).__name__}: {exc}") from exc
        self.state.put(
            key,
            {"type": rtype, "hash": digest, "physical_id": physical_id, "attributes": attributes},
        )
        self.stack.resources[logical_id] = Resource(
            stack=self.name,
            logical_id=logical_id,
            type=rtype,
            properties=properties,
            physical_id=physical_id,
            attributes=attributes,
            metadata=metadata,
        )
        self._progress(logical_id, rtype, action)

    @staticmethod
    def _apply(
        provider: Any,
        ctx: ProviderContext,
        properties: dict[str, Any],
        record: dict[str, Any] | None,
        digest: str,
    ) -> tuple[str, dict[str, Any], str]:
        if record is None or record.get("type") != ctx.resource_type:
            physical_id, attributes = provider.create(ctx, properties)
            return physical_id, attributes, "create"
        old_id = str(record["physical_id"])
        still_there = provider.exists(ctx, old_id)
        if still_there and record.get("hash") == digest:
            if getattr(provider, "recompute_on_reuse", False):
                # Attributes that embed where the local cloud listens (ports can change
                # between runs) are computed again; the physical id stays the same.
                return old_id, provider.create(ctx, properties)[1], "reuse"
            return old_id, dict(record.get("attributes") or {}), "reuse"
        if still_there:
            updated = provider.update(ctx, old_id, properties)
            if updated is not None:
                return updated[0], updated[1], "update"
            provider.delete(ctx, old_id)
            physical_id, attributes = provider.create(ctx, properties)
            return physical_id, attributes, "replace"
        physical_id, attributes = provider.create(ctx, properties)
        return physical_id, attributes, "create"

    def _outputs(self) -> None:
        for key, spec in (self.template.get("Outputs") or {}).items():
            condition = spec.get("Condition")
            if condition and not self.resolver.condition(condition, f"Outputs.{key}"):
                continue
            value = self.resolver.resolve(spec.get("Value"), f"Outputs.{key}")
            self.stack.outputs[key] = value
            export = spec.get("Export")
            if export:
                self.exports[self.resolver.resolve(export.get("Name"), f"Outputs.{key}.Export")] = (
                    value
                )


def _order(stack: str, resources: dict[str, dict[str, Any]]) -> list[str]:
    """Resources in dependency order (Ref, GetAtt, Sub, DependsOn); a cycle names its members."""
    graph: dict[str, set[str]] = {}
    for logical_id, spec in resources.items():
        deps = references(spec.get("Properties") or {})
        depends_on = spec.get("DependsOn") or []
        deps |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        graph[logical_id] = {d for d in deps if d in resources and d != logical_id}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ProvisionError(f"{stack}: dependency cycle between {', '.join(exc.args[1])}") from exc


def _hash(rtype: str, properties: dict[str, Any]) -> str:
    text = json.dumps([rtype, properties], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _placeholder(stack: str, logical_id: str, attribute: str | None = None) -> str:
    """Stands in for a resource the local cloud does not emulate, so dependants still provision."""
    suffix = f".{attribute}" if attribute else ""
    return f"unsupported:{stack}/{logical_id}{suffix}"


# -- reading IAM documents back out of a Deployment ---------------------------------------
def policies_for_role(deployment: Deployment, role_arn: str) -> list[dict[str, Any]]:
    """Every policy document granted to a role: inline Policies, AWS::IAM::Policy resources
    naming it and customer managed policies attached to it. AWS-managed policy ARNs grant
    nothing locally (their documents are not in the templates)."""
    role = next(
        (
            r
            for r in deployment.resources("AWS::IAM::Role")
            if r.attributes.get("Arn") == role_arn or r.physical_id == role_arn
        ),
        None,
    )
    if role is None:
        return []
    name = role.physical_id
    documents = [
        p["PolicyDocument"] for p in role.properties.get("Policies") or [] if "PolicyDocument" in p
    ]
    for policy in deployment.resources("AWS::IAM::Policy"):
        if name in (policy.properties.get("Roles") or []):
            documents.append(policy.properties["PolicyDocument"])
    attached = set(role.properties.get("ManagedPolicyArns") or [])
    for managed in deployment.resources("AWS::IAM::ManagedPolicy"):
        if managed.physical_id in attached or name in (managed.properties.get("Roles") or []):
            documents.append(managed.properties["PolicyDocument"])
    return [d if isinstance(d, dict) else json.loads(d) for d in documents]
