"""Custom::AWS (CDK's AwsCustomResource): one AWS SDK call per Create / Update / Delete.

Follows aws-cdk's handler (packages/@aws-cdk/custom-resource-handlers/lib/custom-resources/
aws-custom-resource-handler/aws-sdk-v3-handler.ts and utils.ts) and its SDK v2-to-v3 adapter
(packages/@aws-cdk/sdk-v2-to-v3-adapter/lib/api-call.ts, sdk-info.ts):
- `Create` / `Update` / `Delete` are JSON strings: {service, action, parameters,
  physicalResourceId: {id | responsePath}, outputPath(s), ignoreErrorCodesMatching, region};
- service names come as SDK v3 packages (`@aws-sdk/client-ssm`), v3 short names
  (`cloudwatch-logs`) or v2 class names (`SSM`, `CloudWatchLogs`); actions as `putParameter`,
  `PutParameter` or `PutParameterCommand`; here they map to boto3's service and operation;
- the string `PHYSICAL:RESOURCEID:` in parameters becomes the physical id;
- parameter values are coerced to the operation's input types (numbers, booleans, blobs);
- the response is flattened to `{"Parameter.Version": 1, "Items.0.Id": ...}` (dates vanish
  as they do from an SDK v3 flatten) and filtered by outputPaths: that is the Data
  `Fn::GetAtt` reads;
- the physical id is the call's `physicalResourceId.id`, else its `responsePath` value, else
  (Create) the logical id or (Update / Delete) the current physical id.
Calls go to the local endpoint with the local cloud's root credentials (`assumedRoleArn` is
not assumed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore import xform_name

from stratus.local.cloudformation.custom.native import CustomResourceFailed, NativeCustomResource
from stratus.local.core.service_index import all_services
from stratus.local.provision.provider import Attributes, ProviderContext, error_code

PHYSICAL_RESOURCE_ID_REFERENCE = "PHYSICAL:RESOURCEID:"
# SDK v3 package / v2 class names whose compact form is not botocore's service name.
_SERVICE_ALIASES = {
    "cloudwatchlogs": "logs",
    "cognitoidentityprovider": "cognito-idp",
    "cognitoidentityserviceprovider": "cognito-idp",
    "eventbridge": "events",
    "cloudwatchevents": "events",
    "sfn": "stepfunctions",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "databasemigrationservice": "dms",
    "lexruntimeservice": "lex-runtime",
    "iotdataplane": "iot-data",
    "marketplacecommerceanalytics": "marketplacecommerceanalytics",
}


class AwsSdkCallProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        calls = {kind: _decode(props.get(kind)) for kind in ("Create", "Update", "Delete")}
        default = next(
            (
                c["physicalResourceId"]["id"]
                for c in calls.values()
                if c and (c.get("physicalResourceId") or {}).get("id")
            ),
            ctx.logical_id,
        )
        return self._run(ctx, calls["Create"], default)

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        call = _decode(props.get("Update"))
        return self._run(ctx, call, _fixed_id(call) or physical_id)

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        call = _decode(props.get("Delete"))
        self._run(ctx, call, _fixed_id(call) or physical_id)

    def _run(
        self, ctx: ProviderContext, call: dict[str, Any] | None, physical_id: str
    ) -> tuple[str, Attributes]:
        if not call:
            return physical_id, {}
        service = boto3_service(str(call["service"]))
        client = ctx.aws_in(service, call.get("region"))
        operation = operation_name(client, str(call["action"]))
        model = client.meta.service_model.operation_model(operation)
        params = _decode_special(call.get("parameters") or {}, physical_id)
        params = coerce(model.input_shape, params) if model.input_shape is not None else {}
        flat: dict[str, Any] = {}
        try:
            response = getattr(client, _snake(operation))(**params)
        except Exception as exc:
            pattern = call.get("ignoreErrorCodesMatching")
            name = error_code(exc) or type(exc).__name__
            if not pattern or not re.search(pattern, name):
                raise CustomResourceFailed(f"{name}: {exc}") from exc
        else:
            metadata = response.pop("ResponseMetadata", {}) or {}
            flat["region"] = client.meta.region_name
            flat["$metadata.httpStatusCode"] = metadata.get("HTTPStatusCode", 200)
            if metadata.get("RequestId"):
                flat["$metadata.requestId"] = metadata["RequestId"]
            flat.update(flatten(_plain(response)))
        paths = [call["outputPath"]] if call.get("outputPath") else call.get("outputPaths")
        data = (
            {k: v for k, v in flat.items() if any(k.startswith(p) for p in paths)}
            if paths
            else flat
        )
        response_path = (call.get("physicalResourceId") or {}).get("responsePath")
        if response_path:
            if response_path not in flat:
                raise CustomResourceFailed(
                    f"physicalResourceId.responsePath {response_path!r} is not in the response"
                )
            physical_id = str(flat[response_path])
        return physical_id, data


def _decode(value: Any) -> dict[str, Any] | None:
    if not value:
        return None
    decoded = json.loads(value) if isinstance(value, str) else value
    return decoded if isinstance(decoded, dict) else None


def _fixed_id(call: dict[str, Any] | None) -> str | None:
    return ((call or {}).get("physicalResourceId") or {}).get("id")


def _decode_special(value: Any, physical_id: str) -> Any:
    if value == PHYSICAL_RESOURCE_ID_REFERENCE:
        return physical_id
    if isinstance(value, list):
        return [_decode_special(v, physical_id) for v in value]
    if isinstance(value, dict):
        return {k: _decode_special(v, physical_id) for k, v in value.items()}
    return value


def boto3_service(name: str) -> str:
    """`@aws-sdk/client-ssm`, `client-cloudwatch-logs`, `CloudWatchLogs` -> 'ssm', 'logs'."""
    compact = re.sub(r"^@aws-sdk/", "", name.lower())
    compact = re.sub(r"^client-", "", compact).replace("-", "").replace(" ", "")
    if compact in _SERVICE_ALIASES:
        return _SERVICE_ALIASES[compact]
    by_compact = {s.replace("-", ""): s for s in all_services()}
    if compact in by_compact:
        return by_compact[compact]
    raise CustomResourceFailed(f"Service {name} is not known to the local AWS SDK (botocore)")


def operation_name(client: Any, action: str) -> str:
    """`putParameter` / `PutParameter` / `PutParameterCommand` -> 'PutParameter'."""
    names = client.meta.service_model.operation_names
    pascal = action[:1].upper() + action[1:]
    if pascal in names:
        return str(pascal)
    stripped = re.sub(r"Command$", "", pascal)
    for name in names:
        if name.lower() == stripped.lower():
            return str(name)
    raise CustomResourceFailed(f"Unable to find command named: {stripped}Command")


def _snake(operation: str) -> str:
    return str(xform_name(operation))


def coerce(shape: Any, value: Any) -> Any:
    """Values as the operation's input shape wants them (the adapter's coerceApiParameters)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            k: coerce(shape.members[k], v) if k in shape.members else v for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [coerce(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: coerce(shape.value, v) for k, v in value.items()}
    if isinstance(value, str):
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("float", "double"):
            return float(value)
        if kind == "boolean":
            return value.lower() == "true"
        if kind == "blob":
            return value.encode()
    return value


def _plain(value: Any) -> Any:
    """A boto3 response as SDK v3's adapter leaves it: blobs and streams as (JSON) text."""
    if hasattr(value, "read"):
        value = value.read()
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def flatten(root: Any) -> dict[str, Any]:
    """{"a": {"b": [1]}} -> {"a.b.0": 1}; objects without own keys (dates) leave nothing."""
    out: dict[str, Any] = {}

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                walk(item, [*path, str(key)])
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, [*path, str(index)])
        elif hasattr(node, "isoformat"):
            return
        else:
            out[".".join(path)] = node

    walk(root, [])
    return out


__all__ = ["AwsSdkCallProvider", "boto3_service", "coerce", "flatten", "operation_name"]
