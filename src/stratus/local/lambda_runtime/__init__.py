"""The local Lambda runtime: warm worker processes (Python and Node.js) per function version,
aliases, layers, asynchronous invocation with destinations, and Lambda's API answered for them."""

from stratus.local.lambda_runtime.api import lambda_api, operations
from stratus.local.lambda_runtime.async_invoke import DestinationSender, EventInvokeConfig
from stratus.local.lambda_runtime.function import FunctionConfig, UnsupportedRuntimeError
from stratus.local.lambda_runtime.logs import CloudWatchLogSink, LogSink, MemoryLogSink
from stratus.local.lambda_runtime.runtime import (
    AliasConfig,
    FunctionStats,
    FunctionThrottledError,
    LambdaRuntime,
    RuntimeInvokeResult,
)
from stratus.local.lambda_runtime.store import LambdaStore

__all__ = [
    "AliasConfig",
    "CloudWatchLogSink",
    "DestinationSender",
    "EventInvokeConfig",
    "FunctionConfig",
    "FunctionStats",
    "FunctionThrottledError",
    "LambdaRuntime",
    "LambdaStore",
    "LogSink",
    "MemoryLogSink",
    "RuntimeInvokeResult",
    "UnsupportedRuntimeError",
    "lambda_api",
    "operations",
]
