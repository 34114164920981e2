"""REPORT's "Max Memory Used" is the function environment's own peak memory, not that of the
process that started it (Linux carries getrusage's ru_maxrss across execve)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink

pytestmark = pytest.mark.anyio
BALLAST_MB = 300
USED = re.compile(r"\tMax Memory Used: (\d+) MB")


@pytest.fixture
def large_parent() -> Iterator[bytearray]:
    """Make this process (the workers' parent) hold BALLAST_MB resident while they start."""
    ballast = bytearray(BALLAST_MB << 20)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1
    yield ballast
    del ballast


async def max_memory_used(runtime: LambdaRuntime, sink: MemoryLogSink, name: str) -> int:
    result = await runtime.invoke(name, b"{}")
    assert result.function_error is None, result.payload
    reports = [m for m in sink.messages(f"/aws/lambda/{name}") if m.startswith("REPORT ")]
    match = USED.search(reports[-1])
    assert match, reports[-1]
    return int(match.group(1))


@pytest.mark.parametrize(
    ("runtime_name", "asset", "handler"),
    [("python3.11", "hello", "app.handler"), ("nodejs20.x", "node", "index.sync")],
)
async def test_max_memory_used_is_the_environments_own(
    runtime: LambdaRuntime,
    sink: MemoryLogSink,
    large_parent: Any,
    runtime_name: str,
    asset: str,
    handler: str,
) -> None:
    runtime.register(
        function_resource("mem", handler, Runtime=runtime_name, MemorySize=1024), FIXTURES / asset
    )
    used = await max_memory_used(runtime, sink, "mem")
    assert 0 < used < BALLAST_MB * 2 // 3, f"{used} MB reported for a small {runtime_name} function"
