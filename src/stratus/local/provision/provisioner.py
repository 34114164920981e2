"""Provision a synthesized CDK assembly on the local cloud.

CloudFormation itself is what we emulate here (moto's CloudFormation would create resources
in its own way, without our deterministic names, reuse across restarts or the "recorded"
resources our gateway and Lambda runtime serve). Per stack, in dependency order, in the
stack's own region and account: resolve parameters, order resources by Ref/GetAtt/Sub/
DependsOn, resolve each one's properties and hand them to the provider for its type. A
resource whose resolved properties are unchanged since the last run, and which still
exists, is reused as is: a restart is fast and keeps ids. Then, as CloudFormation's
UPDATE_COMPLETE_CLEANUP_IN_PROGRESS does, replaced resources and resources no longer in the
template are deleted (reverse dependency order, DeletionPolicy honoured), and so are whole
stacks no longer in the assembly.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from graphlib import CycleError, TopologicalSorter
from typing import Any

from stratus.local.cloudformation import custom
from stratus.local.cloudformation.custom.services import CustomResourceServices
from stratus.local.core.clients import bind
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.assembly import Assembly, StackArtifact
from stratus.local.provision.dynamic_refs import has_dynamic, resolve_dynamic
from stratus.local.provision.intrinsics import (
    IntrinsicError,
    ResolveContext,
    Resolver,
    parameter_values,
    references,
)
from stratus.local.provision.model import Deployment, OutputInfo, Resource, Stack, StackChanges
from stratus.local.provision.provider import Provider, ProviderContext
from stratus.local.provision.removal import delete_resources, removal_order
from stratus.local.provision.state import PhysicalIdStore
from stratus.local.provision.types import SKIPPED, registry_providers

log = logging.getLogger("stratus.provision")

ProgressCallback = Callable[[str, str, str, str], None]  # (stack, logical_id, type, action)
ASSET_DIR_KEY = "stratus:asset_dir"  # metadata key: absolute directory of a Lambda asset

__all__ = [
    "ASSET_DIR_KEY",
    "PhysicalIdStore",
    "ProvisionError",
    "policies_for_role",
    "provision",
]


class ProvisionError(Exception):
    """A template cannot be provisioned; the message names stack and logical id."""


def provision(
    settings: LocalSettings,
    assembly: Assembly,
    *,
    aws: Callable[..., Any],
    state: PhysicalIdStore,
    on_progress: ProgressCallback | None = None,
    parameters: dict[str, dict[str, str]] | None = None,
    services: CustomResourceServices | None = None,
    providers: Mapping[str, Provider] | None = None,
) -> Deployment:
    """Create, update or reuse every resource of every stack, delete what the templates no
    longer have; returns the resolved Deployment (with `changes` per stack).

    `aws` is a client factory `(service, region=None, account=None)` (see clients.AwsClients);
    a one-argument factory serves stacks in the default region only. `providers`: resource
    type -> provider (default: what the service registry declares).
    """
    table = registry_providers() if providers is None else providers
    deployment = Deployment()
    if services is not None:
        services.deployment = deployment
    names = {a.artifact_id: a.stack_name for a in assembly.stacks}
    present = {a.stack_name for a in assembly.stacks}
    gone = removal_order(state, present)
    # A removed stack that used a remaining one goes first (it may hold that stack's exports,
    # as `cdk destroy Consumer` before deploying the producer would); the others go last,
    # after the remaining stacks stopped using them.
    consumers = [n for n in gone if set((state.stack(n) or {}).get("depends_on", [])) & present]
    for name in consumers:
        _delete_stack(settings, name, state, aws, services, deployment, on_progress, table)
    exports: dict[tuple[str, str], dict[str, Any]] = {}  # (account, region) -> name -> value
    for artifact in assembly.stacks:
        overrides = {**artifact.parameters, **((parameters or {}).get(artifact.stack_name) or {})}
        depends_on = [names[d] for d in artifact.dependencies if d in names]
        run = _StackRun(
            settings,
            artifact,
            aws,
            state,
            deployment,
            exports,
            overrides,
            on_progress,
            services,
            depends_on,
            table,
        )
        deployment.stacks[artifact.stack_name] = run.run()
        deployment.changes[artifact.stack_name] = run.changes
        state.save()
    for name in gone:
        if name not in consumers:
            _delete_stack(settings, name, state, aws, services, deployment, on_progress, table)
    return deployment


def _delete_stack(
    settings: LocalSettings,
    name: str,
    state: PhysicalIdStore,
    aws: Callable[..., Any],
    services: CustomResourceServices | None,
    deployment: Deployment,
    on_progress: ProgressCallback | None,
    providers: Mapping[str, Provider],
) -> None:
    changes = delete_resources(
        settings,
        name,
        state.logical_ids(name),
        state=state,
        aws=aws,
        services=services,
        deployment=deployment,
        on_progress=on_progress,
        providers=providers,
    )
    changes.stack_deleted = True
    state.forget_stack(name)
    deployment.changes[name] = changes
    state.save()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _StackRun:
    def __init__(
        self,
        settings: LocalSettings,
        artifact: StackArtifact,
        aws: Callable[..., Any],
        state: PhysicalIdStore,
        deployment: Deployment,
        exports: dict[tuple[str, str], dict[str, Any]],
        overrides: dict[str, str],
        on_progress: ProgressCallback | None,
        services: CustomResourceServices | None,
        depends_on: list[str],
        providers: Mapping[str, Provider],
    ) -> None:
        self.providers = providers
        self.settings = settings
        self.depends_on = depends_on
        self.artifact = artifact
        self.clients = aws
        self.state = state
        self.deployment = deployment
        self.on_progress = on_progress
        self.services = services
        self.template = artifact.template()
        self.name = artifact.stack_name
        self.region = artifact.region or settings.region
        self.account = artifact.account or settings.account_id
        try:
            self.aws = bind(aws, self.region, self.account, default_region=settings.region)
        except TypeError as exc:
            raise ProvisionError(f"{self.name}: {exc}") from exc
        self.exports = exports.setdefault((self.account, self.region), {})
        self.changes = StackChanges()
        self.unsupported: set[str] = set()
        self.graph: dict[str, set[str]] = {}
        self.seen: set[str] = set()
        self.replaced: list[tuple[str, dict[str, Any]]] = []  # (logical id, old record)
        context = ResolveContext(
            stack_name=self.name,
            region=self.region,
            account_id=self.account,
            parameters=parameter_values(self.template, overrides),
            conditions=self.template.get("Conditions") or {},
            mappings=self.template.get("Mappings") or {},
            exports=self.exports,
            ref=self._ref,
            get_att=self._get_att,
        )
        self.resolver = Resolver(context)
        self.stack = Stack(
            name=self.name,
            template_path=artifact.template_path,
            assembly_dir=artifact.assembly_dir,
            region=self.region,
            account=self.account,
            stack_id=context.stack_id,
            description=self.template.get("Description"),
            parameters=dict(context.parameters),
            tags=dict(artifact.tags),
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
        previous = self.state.stack(self.name)
        self.deployment.stacks[self.name] = self.stack  # visible to providers while it runs
        order = _order(self.name, resources, self.graph)
        for logical_id in order:
            self._one(logical_id, resources[logical_id])
        self._update_policies(resources)
        self._outputs()
        self._cleanup()
        self._record_stack(previous)
        return self.stack

    def _update_policies(self, resources: dict[str, dict[str, Any]]) -> None:
        """Each resource's UpdatePolicy, resolved now that every resource it names exists
        (services that act on it, e.g. CodeDeploy for Lambda aliases, read it from there)."""
        for logical_id, spec in resources.items():
            policy = spec.get("UpdatePolicy")
            resource = self.stack.resources.get(logical_id)
            if not isinstance(policy, dict) or resource is None:
                continue
            try:
                resource.update_policy = self.resolver.resolve(policy, f"{logical_id}.UpdatePolicy")
            except (IntrinsicError, KeyError) as exc:  # only what reads it is affected
                log.warning("%s/%s: UpdatePolicy not resolved: %s", self.name, logical_id, exc)

    def _record_stack(self, previous: dict[str, Any] | None) -> None:
        now = now_iso()
        created = str((previous or {}).get("created") or now)
        updated = (previous or {}).get("updated")
        if previous is not None and self.changes.changed:
            updated = now
        self.stack.created = created
        self.stack.updated = updated
        self.stack.status = "UPDATE_COMPLETE" if updated else "CREATE_COMPLETE"
        self.state.put_stack(
            self.name,
            {
                "region": self.region,
                "account": self.account,
                "stack_id": self.stack.stack_id,
                "created": created,
                "updated": updated,
                "depends_on": sorted(self.depends_on),
            },
        )

    def _progress(self, logical_id: str, rtype: str, action: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.name, logical_id, rtype, action)

    def _context(
        self, logical_id: str, rtype: str, metadata: dict[str, Any], old: dict[str, Any] | None
    ) -> ProviderContext:
        return ProviderContext(
            settings=self.settings,
            aws=self.aws,
            stack=self.name,
            logical_id=logical_id,
            resource_type=rtype,
            metadata=metadata,
            assembly_dir=self.artifact.assembly_dir,
            stack_region=self.region,
            stack_account=self.account,
            stack_id=self.stack.stack_id,
            clients=self.clients,
            old_properties=old,
            assets=self.artifact.assets,
            services=self.services,
            deployment=self.deployment,
        )

    def _can_run_custom(self) -> bool:
        s = self.services
        return s is not None and s.invoke is not None and s.responses is not None

    def _one(self, logical_id: str, spec: dict[str, Any]) -> None:
        rtype = str(spec.get("Type", ""))
        where = f"{logical_id}"
        if rtype in SKIPPED:
            return
        condition = spec.get("Condition")
        if condition and not self.resolver.condition(condition, where):
            self._progress(logical_id, rtype, "skip-condition")
            return
        handler_key = custom.select(rtype, spec) if custom.is_custom(rtype) else None
        if handler_key == custom.LAMBDA and not self._can_run_custom():
            handler_key = None  # nothing to run its function with: listed as not emulated
        provider: Provider | None = (
            custom.provider(handler_key)
            if handler_key
            else None
            if custom.is_custom(rtype)
            else self.providers.get(rtype)
        )
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
        key = f"{self.name}/{logical_id}"
        digest = _hash(rtype, properties)
        record = self.state.get(key)
        if record is not None and (
            record.get("region", self.region) != self.region
            or record.get("account", self.account) != self.account
        ):
            self.replaced.append((logical_id, record))  # moved to another env: a new one
            record = None
        ctx = self._context(logical_id, rtype, metadata, (record or {}).get("properties"))
        stored = properties  # as the template says (dynamic references unresolved)
        try:
            if has_dynamic(properties):
                # CloudFormation resolves {{resolve:...}} when it hands the properties over.
                properties = resolve_dynamic(properties, self.aws)
            physical_id, attributes, action = self._apply(
                provider, ctx, properties, record, digest, spec
            )
        except IntrinsicError:
            raise
        except Exception as exc:
            raise ProvisionError(f"{key} ({rtype}): {type(exc).__name__}: {exc}") from exc
        now = now_iso()
        if action == "reuse":
            updated = str((record or {}).get("updated") or now)
            status = str((record or {}).get("status") or "CREATE_COMPLETE")
        else:
            updated = now
            status = "CREATE_COMPLETE" if action == "create" else "UPDATE_COMPLETE"
        self.state.put(
            key,
            {
                "type": rtype,
                "hash": digest,
                "physical_id": physical_id,
                "attributes": attributes,
                "properties": stored,
                "depends_on": sorted(self.graph.get(logical_id, ())),
                "deletion_policy": spec.get("DeletionPolicy"),
                "update_replace_policy": spec.get("UpdateReplacePolicy"),
                "region": self.region,
                "account": self.account,
                "handler": handler_key,
                "updated": updated,
                "status": status,
            },
        )
        self.seen.add(logical_id)
        self.stack.resources[logical_id] = Resource(
            stack=self.name,
            logical_id=logical_id,
            type=rtype,
            properties=properties,
            physical_id=physical_id,
            attributes=attributes,
            metadata=metadata,
            status=status,
            updated=updated,
        )
        getattr(self.changes, _CHANGE_LIST[action]).append(logical_id)
        self._progress(logical_id, rtype, action)

    def _apply(
        self,
        provider: Provider,
        ctx: ProviderContext,
        properties: dict[str, Any],
        record: dict[str, Any] | None,
        digest: str,
        spec: dict[str, Any],
    ) -> tuple[str, dict[str, Any], str]:
        if record is None or record.get("type") != ctx.resource_type:
            if record is not None:  # another type under the same logical id
                self.replaced.append((ctx.logical_id, record))
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
                if updated[0] == old_id:
                    return updated[0], updated[1], "update"
                # A new physical id is a replacement: the old one is deleted in the cleanup.
                self.replaced.append((ctx.logical_id, record))
                return updated[0], updated[1], "replace"
            # Replaced in place (deterministic names would collide): the old one goes first,
            # unless UpdateReplacePolicy keeps it.
            if _retains(spec.get("UpdateReplacePolicy")):
                log.warning(
                    "%s/%s: replaced; the old %s is retained (UpdateReplacePolicy)",
                    ctx.stack,
                    ctx.logical_id,
                    old_id,
                )
            else:
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
            info = OutputInfo(description=spec.get("Description"))
            export = spec.get("Export")
            if export:
                name = self.resolver.resolve(export.get("Name"), f"Outputs.{key}.Export")
                self.exports[name] = value
                info.export_name = str(name)
            self.stack.output_info[key] = info

    def _cleanup(self) -> None:
        """Old resources of replacements, then resources gone from the template."""
        for logical_id, record in self.replaced:
            if _retains(record.get("update_replace_policy")):
                log.warning(
                    "%s/%s: the replaced %s is retained (UpdateReplacePolicy)",
                    self.name,
                    logical_id,
                    record.get("physical_id"),
                )
                continue
            delete_resources(
                self.settings,
                self.name,
                [logical_id],
                state=self.state,
                aws=self.clients,
                services=self.services,
                deployment=self.deployment,
                on_progress=self.on_progress,
                providers=self.providers,
                records={logical_id: record},
                forget=False,
            )
        removed = [lid for lid in self.state.logical_ids(self.name) if lid not in self.seen]
        if removed:
            gone = delete_resources(
                self.settings,
                self.name,
                removed,
                state=self.state,
                aws=self.clients,
                services=self.services,
                deployment=self.deployment,
                on_progress=self.on_progress,
                providers=self.providers,
            )
            self.changes.deleted += gone.deleted
            self.changes.retained += gone.retained


_CHANGE_LIST = {"create": "created", "update": "updated", "replace": "replaced", "reuse": "reused"}


def _retains(policy: Any) -> bool:
    return str(policy or "") in ("Retain", "RetainExceptOnCreate", "Snapshot")


def _order(
    stack: str, resources: dict[str, dict[str, Any]], graph: dict[str, set[str]] | None = None
) -> list[str]:
    """Resources in dependency order (Ref, GetAtt, Sub, DependsOn); a cycle names its members."""
    graph = {} if graph is None else graph
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
