"""X-Ray unit tests record every new trace unless a test sets its own sampler: the default
rule (one a second, then 5%) would make tests that start several traces at once flaky."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stratus.local.xray import sampling


@pytest.fixture(autouse=True)
def record_everything() -> Iterator[None]:
    sampling.use(sampling.Sampler(everything=True))
    yield
    sampling.use(None)
