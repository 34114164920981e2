"""Lambda's API on the local AWS endpoint, for the functions the local runtime runs.

moto's Lambda cannot run handlers without Docker and does not know the provisioned
functions, so these operations are answered here, with Lambda's JSON shapes, headers and
error bodies, so any AWS client (boto3, the CLI, SDKs) sees what AWS would send:
Invoke, and the control plane for what was provisioned: ListFunctions, GetFunction,
GetFunctionConfiguration, ListVersionsByFunction, ListAliases, GetAlias,
GetFunctionConcurrency, GetFunctionEventInvokeConfig, GetAccountSettings (shapes from
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html and botocore's
output shapes). A function the runtime does not know is left to moto (None), so functions
created through the API still answer there. ListFunctions lists the runtime's functions.

`operations(runtime)` is the table the front door calls by botocore operation name;
`lambda_api(runtime)` is the older interceptor shape, built on `core.router.route`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.contracts import AwsInterceptor, FunctionNotFoundError, TooManyRequestsError
from stratus.local.core.router import route
from stratus.local.lambda_runtime.capacity import LocalCapacityError
from stratus.local.lambda_runtime.function import LATEST, FunctionConfig
from stratus.local.lambda_runtime.runtime import AliasConfig, LambdaRuntime, split_reference
from stratus.local.lambda_runtime.store import directory_digest
from stratus.local.xray.recorder import continue_trace

Operation = Callable[[AwsCall], Awaitable[Response | None]]

_INVOCATION_TYPES = {"RequestResponse", "Event", "DryRun"}
# Lambda's payload limits: 6 MB for synchronous, 1 MB for asynchronous invocations.
_MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
_MAX_ASYNC_PAYLOAD = 1024 * 1024
_LAMBDA_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/")  # every Lambda REST path starts with a date
_DEFAULT_MAX_ITEMS = 50


def _error(status: int, error_type: str, body: dict[str, str], request_id: str) -> Response:
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type},
    )


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def _not_found(call: AwsCall, message: str) -> Response:
    return call.error("ResourceNotFoundException", message, 404, Type="User")


# Shapes ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _digest(path: str, _mtime: float) -> tuple[str, int]:
    return directory_digest(Path(path))


def _code_digest(config: FunctionConfig) -> tuple[str, int]:
    try:
        mtime = config.asset_dir.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _digest(str(config.asset_dir), mtime)


def _timestamp(epoch: float) -> str:
    """Lambda's LastModified: 2024-01-31T12:00:00.000+0000."""
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
        + f".{int(epoch * 1000) % 1000:03d}+0000"
    )


def _revision(*parts: Any) -> str:
    digest = hashlib.md5(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return str(uuid.UUID(digest))


def function_configuration(
    runtime: LambdaRuntime, config: FunctionConfig, *, qualified: bool
) -> dict[str, Any]:
    """FunctionConfiguration (GetFunctionConfiguration, ListFunctions, ...)."""
    sha, size = _code_digest(config)
    logging_config: dict[str, Any] = {"LogFormat": config.log_format, "LogGroup": config.log_group}
    if config.log_format.upper() == "JSON":
        logging_config["ApplicationLogLevel"] = config.application_log_level or "INFO"
        logging_config["SystemLogLevel"] = config.system_log_level or "INFO"
    out: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": config.qualified_arn if qualified else config.arn,
        "Runtime": config.runtime,
        "Role": config.role_arn or "",
        "Handler": config.handler,
        "CodeSize": size,
        "Description": config.description,
        "Timeout": int(config.timeout_s),
        "MemorySize": config.memory_mb,
        "LastModified": _timestamp(config.last_modified),
        "CodeSha256": sha,
        "Version": config.version,
        "TracingConfig": {"Mode": config.tracing_mode},
        "RevisionId": _revision(config.name, config.version, sha, config.last_modified),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage_mb},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": logging_config,
    }
    if config.variables:
        out["Environment"] = {"Variables": dict(config.variables)}
    if config.dead_letter_arn:
        out["DeadLetterConfig"] = {"TargetArn": config.dead_letter_arn}
    if config.layers:
        layers = []
        for arn in config.layers:
            layer_dir = runtime.layer_dir(arn)
            layer_size = directory_digest(layer_dir)[1] if layer_dir is not None else 0
            layers.append({"Arn": arn, "CodeSize": layer_size})
        out["Layers"] = layers
    return out


def alias_configuration(alias: AliasConfig) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AliasArn": alias.arn,
        "Name": alias.name,
        "FunctionVersion": alias.version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    }
    if alias.weights:
        out["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return out


def _page(call: AwsCall, items: list[Any], key: str, maximum: int = 10_000) -> Response:
    """Marker/MaxItems pagination; the marker is opaque to clients (an offset here)."""
    params = call.params()
    try:
        start = int(params.get("Marker") or 0)
        size = int(params.get("MaxItems") or _DEFAULT_MAX_ITEMS)
    except ValueError:
        return call.error("InvalidParameterValueException", "Invalid Marker or MaxItems", 400)
    size = max(1, min(size, maximum))
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["NextMarker"] = str(start + size)
    return _json(body)


# Operations ---------------------------------------------------------------------------
def operations(runtime: LambdaRuntime) -> dict[str, Operation]:
    """Lambda's operations answered by the local runtime, keyed by botocore name."""

    def known(call: AwsCall) -> tuple[str, str | None] | None:
        """(name, qualifier) of the FunctionName label, None if the runtime lacks it."""
        ref = call.labels.get("FunctionName") or ""
        name, qualifier = split_reference(ref)
        try:
            runtime.get(name)
        except FunctionNotFoundError:
            return None
        return name, call.params().get("Qualifier") or qualifier

    def missing(call: AwsCall, name: str, qualifier: str | None) -> Response:
        arn = runtime.function_arn(name) + (f":{qualifier}" if qualifier else "")
        return _not_found(call, f"Function not found: {arn}")

    async def invoke(call: AwsCall) -> Response | None:
        return await _invoke(runtime, call)

    async def list_functions(call: AwsCall) -> Response | None:
        everything = str(call.params().get("FunctionVersion") or "") == "ALL"
        configs: list[dict[str, Any]] = []
        for config in sorted(runtime.functions(), key=lambda c: c.name):
            configs.append(function_configuration(runtime, config, qualified=False))
            if everything:
                configs += [
                    function_configuration(runtime, v, qualified=True)
                    for v in runtime.versions(config.name)[1:]
                ]
        return _page(call, configs, "Functions")

    async def get_function_configuration(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        name, qualifier = found
        try:
            config = runtime.get(f"{name}:{qualifier}" if qualifier else name)
        except FunctionNotFoundError:
            return missing(call, name, qualifier)
        return _json(function_configuration(runtime, config, qualified=qualifier is not None))

    async def get_function(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        name, qualifier = found
        try:
            config = runtime.get(f"{name}:{qualifier}" if qualifier else name)
        except FunctionNotFoundError:
            return missing(call, name, qualifier)
        body: dict[str, Any] = {
            "Configuration": function_configuration(
                runtime, config, qualified=qualifier is not None
            ),
            # Lambda answers a pre-signed S3 URL of the .zip; locally the code's directory.
            "Code": {"RepositoryType": "S3", "Location": config.asset_dir.as_uri()},
            "Tags": dict(config.tags),
        }
        if config.reserved_concurrency is not None:
            body["Concurrency"] = {"ReservedConcurrentExecutions": config.reserved_concurrency}
        return _json(body)

    async def list_versions(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        versions = [
            function_configuration(runtime, config, qualified=True)
            for config in runtime.versions(found[0])
        ]
        return _page(call, versions, "Versions")

    async def list_aliases(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        version = call.params().get("FunctionVersion")
        aliases = [
            alias_configuration(a)
            for a in runtime.aliases(found[0])
            if version is None or a.version == str(version)
        ]
        return _page(call, aliases, "Aliases")

    async def get_alias(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        alias_name = call.labels.get("Name", "")
        try:
            alias = runtime.alias(found[0], alias_name)
        except FunctionNotFoundError:
            arn = f"{runtime.function_arn(found[0])}:{alias_name}"
            return _not_found(call, f"Cannot find alias arn: {arn}")
        return _json(alias_configuration(alias))

    async def get_concurrency(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        reserved = runtime.get(found[0]).reserved_concurrency
        return _json({} if reserved is None else {"ReservedConcurrentExecutions": reserved})

    async def get_account_settings(call: AwsCall) -> Response | None:
        # https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html: the
        # concurrency figures are the local runtime's; the code-size quotas are AWS's.
        return _json(
            {
                "AccountLimit": {
                    "TotalCodeSize": 80530636800,
                    "CodeSizeUnzipped": 262144000,
                    "CodeSizeZipped": 52428800,
                    "ConcurrentExecutions": runtime.account.limit,
                    "UnreservedConcurrentExecutions": runtime.account.unreserved_limit,
                },
                "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(runtime.functions())},
            }
        )

    async def get_event_invoke_config(call: AwsCall) -> Response | None:
        found = known(call)
        if found is None:
            return None
        name, qualifier = found
        try:
            config = runtime.event_invoke_config(name, qualifier)
        except FunctionNotFoundError:
            return missing(call, name, qualifier)
        if not config.configured:
            return _not_found(
                call, f"The function {config.function_arn} doesn't have an EventInvokeConfig"
            )
        on_success = {"Destination": config.on_success} if config.on_success else {}
        on_failure = {"Destination": config.on_failure} if config.on_failure else {}
        return _json(
            {
                "LastModified": config.last_modified,
                "FunctionArn": config.function_arn,
                "MaximumRetryAttempts": config.maximum_retry_attempts,
                "MaximumEventAgeInSeconds": config.maximum_event_age_s,
                "DestinationConfig": {"OnSuccess": on_success, "OnFailure": on_failure},
            }
        )

    return {
        "Invoke": invoke,
        "ListFunctions": list_functions,
        "GetFunction": get_function,
        "GetFunctionConfiguration": get_function_configuration,
        "ListVersionsByFunction": list_versions,
        "ListAliases": list_aliases,
        "GetAlias": get_alias,
        "GetFunctionConcurrency": get_concurrency,
        "GetFunctionEventInvokeConfig": get_event_invoke_config,
        "GetAccountSettings": get_account_settings,
    }


async def _invoke(runtime: LambdaRuntime, call: AwsCall) -> Response:
    request = call.request
    request_id = str(uuid.uuid4())
    name = call.labels.get("FunctionName", "")
    qualifier = request.query_value("Qualifier")
    target = f"{name}:{qualifier}" if qualifier else name
    invocation_type = request.headers.get("x-amz-invocation-type") or "RequestResponse"
    if invocation_type not in _INVOCATION_TYPES:
        return _error(
            400,
            "InvalidParameterValueException",
            {"Type": "User", "message": f"Unsupported invocation type {invocation_type}"},
            request_id,
        )
    limit = _MAX_ASYNC_PAYLOAD if invocation_type == "Event" else _MAX_SYNC_PAYLOAD
    if len(request.body) > limit:
        return _error(
            413,
            "RequestEntityTooLargeException",
            {
                "Type": "User",
                "message": f"Request must be smaller than {limit} bytes for the "
                "InvokeFunction operation",
            },
            request_id,
        )
    if request.body.strip():
        try:
            json.loads(request.body)
        except ValueError as e:
            return _error(
                400,
                "InvalidRequestContentException",
                {"Type": "User", "message": f"Could not parse request body into json: {e}"},
                request_id,
            )
    client_context = request.headers.get("x-amz-client-context")
    if client_context:
        try:
            json.loads(base64.b64decode(client_context, validate=True))
        except (ValueError, binascii.Error):
            return _error(
                400,
                "InvalidRequestContentException",
                {
                    "Type": "User",
                    "message": "Client context must be a valid Base64-encoded JSON object.",
                },
                request_id,
            )
    # A caller's trace (the X-Ray SDK's botocore patch sends X-Amzn-Trace-Id on Invoke):
    # the function's segments join it (xray.recorder).
    continue_trace(request.headers.get("x-amzn-trace-id"))
    try:
        result = await runtime.invoke(
            target,
            request.body,
            invocation_type=invocation_type,
            client_context=client_context,
            log_type=request.headers.get("x-amz-log-type"),
        )
    except FunctionNotFoundError:
        arn = name if name.startswith("arn:") else runtime.function_arn(name)
        if qualifier:
            arn = f"{arn}:{qualifier}"
        return _error(
            404,
            "ResourceNotFoundException",
            {"Type": "User", "Message": f"Function not found: {arn}"},
            request_id,
        )
    except TooManyRequestsError as e:
        reason = getattr(e, "reason", "ConcurrentInvocationLimitExceeded")
        return _error(
            429,
            "TooManyRequestsException",
            {"Reason": reason, "Type": "User", "message": "Rate Exceeded."},
            request_id,
        )
    except LocalCapacityError as e:
        # Not an AWS condition (Lambda would have run it): the local machine's worker queue
        # did not reach it in time. Lambda's shape for its own failures: ServiceException.
        return _error(500, "ServiceException", {"Type": "Service", "message": str(e)}, request_id)
    request_id = getattr(result, "request_id", "") or request_id
    headers = {"x-amzn-RequestId": request_id}
    if invocation_type != "DryRun":
        headers["X-Amz-Executed-Version"] = result.executed_version or LATEST
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if result.log_result:
        headers["X-Amz-Log-Result"] = result.log_result
    return Response(
        result.payload,
        status_code=result.status_code,
        media_type="application/json" if result.status_code == 200 else None,
        headers=headers,
    )


def lambda_api(runtime: LambdaRuntime) -> AwsInterceptor:
    """An AwsInterceptor answering `operations(runtime)` (until the front door's table does)."""
    table = operations(runtime)

    async def intercept(request: AwsRequest) -> Response | None:
        if not _LAMBDA_PATH.match(request.path):
            return None
        call = route(request)
        if call.service != "lambda" or call.operation is None:
            return None
        handler = table.get(call.operation)
        return await handler(call) if handler is not None else None

    return intercept
