"""Lambda's resource providers: recorded, served by the local runtime, numbered like Lambda.

CloudFormation publishes a version while it deploys (AWS::Lambda::Version calls
PublishVersion), so numbering happens here, at provision time, in the LambdaStore: the
function's provider records what $LATEST is, the version's provider publishes it (a copy of
the code and the configuration), and Fn::GetAtt Version.Version reads the number. Layer
versions are numbered per layer name the same way. The Provider classes wrapping these
functions are in providers/recorded.py (that package's import order needs them there).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from stratus.local.lambda_runtime.store import LambdaStore

if TYPE_CHECKING:  # providers.base's package imports these functions: no import at run time
    from stratus.local.provision.provider import ProviderContext

Attributes = dict[str, Any]

ASSET_DIR_KEY = "stratus:asset_dir"  # set by the provisioner: a Lambda asset's directory


def _asset_dir(ctx: ProviderContext) -> Path | None:
    absolute = ctx.metadata.get(ASSET_DIR_KEY)
    if absolute:
        return Path(str(absolute))
    relative = ctx.metadata.get("aws:asset:path")
    if relative and ctx.assembly_dir is not None:
        return ctx.assembly_dir / str(relative)
    return None


def _function_name(ctx: ProviderContext, ref: str) -> tuple[str, str]:
    """(name, unqualified ARN) from a FunctionName property (name or ARN)."""
    if ":function:" in ref:
        name = ref.split(":function:", 1)[1].split(":", 1)[0]
        return name, ref.split(":function:", 1)[0] + f":function:{name}"
    return ref, ctx.arn("lambda", f"function:{ref}")


def create_function(ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
    """AWS::Lambda::Function; also records in the store what $LATEST is now."""
    name = props.get("FunctionName") or ctx.name(64)
    arn = ctx.arn("lambda", f"function:{name}")
    LambdaStore.for_settings(ctx.settings).record_latest(str(name), props, _asset_dir(ctx))
    return name, {"Arn": arn}


def create_version(ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
    """AWS::Lambda::Version: publishes $LATEST as it is now (a new number only if changed)."""
    name, base = _function_name(ctx, str(props["FunctionName"]))
    store = LambdaStore.for_settings(ctx.settings)
    latest = store.latest(name)
    if latest is None:
        raise ValueError(f"function {name} is not provisioned: nothing to publish")
    function_props, asset_dir = latest
    number = store.publish(
        name, function_props, asset_dir, description=str(props.get("Description") or "")
    )
    arn = f"{base}:{number}"
    return arn, {"Version": number, "FunctionArn": arn}


def create_alias(ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
    _, base = _function_name(ctx, str(props["FunctionName"]))
    arn = f"{base}:{props['Name']}"
    return arn, {"AliasArn": arn}


def check_sqs_mapping(ctx: ProviderContext, props: dict[str, Any]) -> None:
    """An SQS event source mapping is refused when the function may run longer than the
    queue hides a message: "Your function's timeout must be less than or equal to the
    queue's visibility timeout. Lambda validates this requirement when you create or update
    an event source mapping" (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
    Otherwise a batch still running is received again by the next poll. Unknown queues or
    functions are left to the poller to report."""
    arn = str(props.get("EventSourceArn") or "")
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return
    from stratus.local.lambda_runtime.runtime import split_reference  # the runtime's own

    name, _ = split_reference(str(props.get("FunctionName") or ""))
    latest = LambdaStore.for_settings(ctx.settings).latest(name)
    if latest is None:
        return
    timeout = int(latest[0].get("Timeout") or 3)  # Lambda's default: 3 seconds
    try:
        sqs = ctx.aws_in("sqs", parts[3])
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        visibility = int(attributes["Attributes"]["VisibilityTimeout"])
    except (ClientError, KeyError, ValueError, RuntimeError):  # no such queue: nothing to compare
        return
    if visibility < timeout:
        raise ValueError(
            f"Invalid request provided: Queue visibility timeout: {visibility} seconds is less "
            f"than Function timeout: {timeout} seconds ({parts[5]} -> {name}; set the queue's "
            "visibility timeout to at least the function's timeout, AWS advises six times)"
        )


def create_layer_version(ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
    """AWS::Lambda::LayerVersion: Ref is the layer version ARN (...:layer:name:N)."""
    name = str(props.get("LayerName") or ctx.name(64))
    if ":layer:" in name:
        name = name.split(":layer:", 1)[1].split(":", 1)[0]
    number = LambdaStore.for_settings(ctx.settings).publish_layer(name, props, _asset_dir(ctx))
    arn = ctx.arn("lambda", f"layer:{name}:{number}")
    return arn, {"LayerVersionArn": arn}
