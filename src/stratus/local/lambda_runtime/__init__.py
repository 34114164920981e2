"""The local Lambda runtime: warm Python worker processes, one environment per function."""

from stratus.local.lambda_runtime.api import lambda_api
from stratus.local.lambda_runtime.function import FunctionConfig
from stratus.local.lambda_runtime.logs import CloudWatchLogSink, LogSink, MemoryLogSink
from stratus.local.lambda_runtime.runtime import (
    FunctionStats,
    FunctionThrottledError,
    LambdaRuntime,
    RuntimeInvokeResult,
)

__all__ = [
    "CloudWatchLogSink",
    "FunctionConfig",
    "FunctionStats",
    "FunctionThrottledError",
    "LambdaRuntime",
    "LogSink",
    "MemoryLogSink",
    "RuntimeInvokeResult",
    "lambda_api",
]
