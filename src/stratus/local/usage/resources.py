"""Which template resource each usage entry belongs to (stack, logical id, configuration).

The counters are keyed by what a request names (a function's, table's or bucket's physical
name, an API's or distribution's id); a price is per template resource, so the snapshot
served says which one, read from the deployment when asked (never on the hot path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratus.local.provision.model import Deployment, Resource

APIS = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
# category -> (CloudFormation types, the entry field holding the physical id)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "functions": (("AWS::Lambda::Function",), "name"),
    "apis": (APIS, "api_id"),
    "routes": (APIS, "api_id"),
    "tables": (("AWS::DynamoDB::Table",), "name"),
    "buckets": (("AWS::S3::Bucket",), "name"),
    "distributions": (("AWS::CloudFront::Distribution",), "id"),
    "streams": (("AWS::Kinesis::Stream",), "name"),
}
DEFAULT_MEMORY_MB = 128  # Lambda's default MemorySize


def _function_config(res: Resource | None) -> dict[str, Any]:
    props = res.properties if res is not None else {}
    arch = (props.get("Architectures") or ["x86_64"])[0]
    return {"memory_mb": int(props.get("MemorySize") or DEFAULT_MEMORY_MB), "architecture": arch}


def describe(snapshot: dict[str, Any], deployment: Deployment | None) -> None:
    """Add `stack` and `logical_id` to each entry found in `deployment`, and each function's
    memory size and architecture (Lambda's defaults when its template is not known)."""
    index: dict[tuple[str, str], Resource] = {}
    res: Resource | None
    if deployment is not None:
        types = {t for kinds, _ in KINDS.values() for t in kinds}
        for res in deployment.resources():
            if res.type in types:
                index[(res.type, res.physical_id)] = res
    for category, (type_names, field) in KINDS.items():
        for entry in snapshot.get(category, {}).values():
            physical = str(entry.get(field))
            res = next((index[(t, physical)] for t in type_names if (t, physical) in index), None)
            if res is not None:
                entry.setdefault("stack", res.stack)
                entry.setdefault("logical_id", res.logical_id)
            if category == "functions":
                for key, value in _function_config(res).items():
                    entry.setdefault(key, value)
