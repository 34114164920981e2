"""One Powertools Tracer for every handler: X-Ray segments of each invocation, with boto3's
calls as subsegments (DynamoDB, S3, SQS...), on AWS and in the local cloud alike.

Only botocore is patched (`patch_all` would import every library the X-Ray SDK knows, at
every cold start). The handler's response is not captured as metadata: it may be large and
hold user data. Harmless where tracing is off: Powertools disables the Tracer outside
Lambda and with `POWERTOOLS_TRACE_DISABLED=true`; with no daemon listening, the SDK's UDP
datagrams are simply lost
(https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Tracer

tracer = Tracer(patch_modules=("botocore",))

H = TypeVar("H", bound=Callable[..., Any])


def traced(handler: H) -> H:
    """`tracer.capture_lambda_handler` without the response: a `## <handler>` subsegment
    (annotated ColdStart and Service) around each invocation."""
    return cast(H, tracer.capture_lambda_handler(handler, capture_response=False))
