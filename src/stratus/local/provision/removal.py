"""Deleting what the templates no longer have, as CloudFormation does.

Resources removed from a template, the old halves of replacements, and whole stacks
removed from the assembly are deleted from what the last run recorded (the template no
longer says): dependants before what they depend on, each with its last properties (a
custom resource gets its Delete request with them). `DeletionPolicy: Retain` (CDK's
RemovalPolicy.RETAIN, CDK's default for tables and buckets) keeps the resource and only
forgets it (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html);
without a policy CloudFormation deletes. A bucket that still holds objects cannot be
deleted (S3's BucketNotEmpty; CDK's `autoDeleteObjects` empties it first through
Custom::S3AutoDeleteObjects): it is kept and named. A delete that fails is logged and the
resource forgotten, as CloudFormation's cleanup phase does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Any

from stratus.local.cloudformation import custom
from stratus.local.cloudformation.custom.services import CustomResourceServices
from stratus.local.core.clients import bind
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment, StackChanges
from stratus.local.provision.provider import Provider, ProviderContext, error_code
from stratus.local.provision.state import PhysicalIdStore
from stratus.local.provision.types import registry_providers

log = logging.getLogger("stratus.provision")

RETAIN_POLICIES = ("Retain", "RetainExceptOnCreate", "Snapshot")


def removal_order(state: PhysicalIdStore, present: set[str]) -> list[str]:
    """Recorded stacks no longer in the assembly, dependants first."""
    gone = [name for name in state.stack_names() if name not in present]
    graph = {
        name: {d for d in (state.stack(name) or {}).get("depends_on", []) if d in gone}
        for name in gone
    }
    try:
        return list(reversed(list(TopologicalSorter(graph).static_order())))
    except CycleError:
        return gone


def delete_resources(
    settings: LocalSettings,
    stack: str,
    logical_ids: list[str],
    *,
    state: PhysicalIdStore,
    aws: Callable[..., Any],
    services: CustomResourceServices | None,
    deployment: Deployment | None,
    on_progress: Callable[[str, str, str, str], None] | None = None,
    records: dict[str, dict[str, Any]] | None = None,
    forget: bool = True,
    providers: Mapping[str, Provider] | None = None,
) -> StackChanges:
    """Delete recorded resources of `stack` in reverse dependency order."""
    changes = StackChanges()
    table = registry_providers() if providers is None else providers
    found = records or {
        lid: record for lid in logical_ids if (record := state.get(f"{stack}/{lid}")) is not None
    }
    graph = {
        lid: {d for d in rec.get("depends_on") or [] if d in found} for lid, rec in found.items()
    }
    try:
        order = list(reversed(list(TopologicalSorter(graph).static_order())))
    except CycleError:
        order = list(found)
    stack_id = str((state.stack(stack) or {}).get("stack_id") or "")
    for logical_id in order:
        record = found[logical_id]
        rtype = str(record.get("type", ""))
        action = _delete_one(
            settings,
            stack,
            stack_id,
            logical_id,
            record,
            aws=aws,
            services=services,
            deployment=deployment,
            providers=table,
        )
        (changes.deleted if action == "delete" else changes.retained).append(logical_id)
        if forget:
            state.forget(f"{stack}/{logical_id}")
        if on_progress is not None:
            on_progress(stack, logical_id, rtype, action)
    return changes


def _delete_one(
    settings: LocalSettings,
    stack: str,
    stack_id: str,
    logical_id: str,
    record: dict[str, Any],
    *,
    aws: Callable[..., Any],
    services: CustomResourceServices | None,
    deployment: Deployment | None,
    providers: Mapping[str, Provider],
) -> str:
    """'delete' or 'retain' (kept by its policy, or because it could not be deleted)."""
    rtype = str(record.get("type", ""))
    physical_id = str(record.get("physical_id", ""))
    if str(record.get("deletion_policy") or "") in RETAIN_POLICIES:
        log.warning(
            "%s/%s: removed from the template; %s %s is retained (DeletionPolicy %s) and "
            "no longer managed",
            stack,
            logical_id,
            rtype,
            physical_id,
            record.get("deletion_policy"),
        )
        return "retain"
    handler = record.get("handler")
    provider: Provider | None = custom.provider(handler) if handler else providers.get(rtype)
    if provider is None:
        return "delete"
    region = str(record.get("region") or settings.region)
    account = str(record.get("account") or settings.account_id)
    ctx = ProviderContext(
        settings=settings,
        aws=bind(aws, region, account, default_region=settings.region),
        stack=stack,
        logical_id=logical_id,
        resource_type=rtype,
        stack_region=region,
        stack_account=account,
        stack_id=stack_id,
        clients=aws,
        old_properties=dict(record.get("properties") or {}),
        services=services,
        deployment=deployment,
    )
    try:
        provider.delete(ctx, physical_id)
    except Exception as exc:
        code = error_code(exc)
        if code == "BucketNotEmpty":
            log.warning(
                "%s/%s: bucket %s still holds objects, so it is kept (set autoDeleteObjects "
                "to have CDK empty it)",
                stack,
                logical_id,
                physical_id,
            )
        else:
            log.warning(
                "%s/%s: deleting %s %s failed (%s: %s); it is no longer managed",
                stack,
                logical_id,
                rtype,
                physical_id,
                type(exc).__name__,
                exc,
            )
        return "retain"
    return "delete"
