"""Lambda's Invoke API on the local AWS endpoint, answered by the local runtime.

moto's Lambda cannot run Python handlers without Docker, so `POST
/2015-03-31/functions/{FunctionName}/invocations` is answered here, with Lambda's headers
and error bodies so any AWS client (boto3, the CLI, SDKs) sees what AWS would send.
Every other Lambda path returns None and moto answers it (CreateFunction, GetFunction, ...).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid

from starlette.responses import Response

from stratus.local.aws_request import AwsRequest
from stratus.local.contracts import AwsInterceptor, FunctionNotFoundError, TooManyRequestsError
from stratus.local.lambda_runtime.runtime import LambdaRuntime

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_INVOCATION_TYPES = {"RequestResponse", "Event", "DryRun"}
# Lambda's payload limits: 6 MB for synchronous, 1 MB for asynchronous invocations.
_MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
_MAX_ASYNC_PAYLOAD = 1024 * 1024


def _error(status: int, error_type: str, body: dict[str, str], request_id: str) -> Response:
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type},
    )


def lambda_api(runtime: LambdaRuntime) -> AwsInterceptor:
    """An AwsInterceptor answering Lambda Invoke for the functions `runtime` knows."""

    async def intercept(request: AwsRequest) -> Response | None:
        match = _INVOKE.match(request.path)
        if match is None or request.method != "POST":
            return None
        request_id = str(uuid.uuid4())
        name = match.group("name")
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
        request_id = getattr(result, "request_id", "") or request_id
        headers = {"x-amzn-RequestId": request_id}
        if invocation_type != "DryRun":
            headers["X-Amz-Executed-Version"] = result.executed_version
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

    return intercept
