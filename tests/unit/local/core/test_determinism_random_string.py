"""Request ids (moto's `get_random_string`) draw exactly what moto's own loop draws."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom

from stratus.local import motofast
from stratus.local.core import determinism


@pytest.fixture(autouse=True)
def installed_as_the_cloud_does() -> Iterator[None]:
    """motofast before determinism (MotoApp, then the journal: determinism wraps what
    motofast.sqs_queue installed), and moto's generator left as it was found."""
    motofast.install()
    determinism.install()
    state = mock_random.getstate()
    yield
    mock_random.setstate(state)


CASES = [
    {"length": 52},
    {"length": 20, "include_digits": False},
    {"length": 7, "lower_case": True},
    {"length": 0},
]


def test_a_journaled_request_draws_the_same_string_and_leaves_the_same_state() -> None:
    for case in CASES:
        reference = random.Random(1234)
        expected = MotoRandom.get_random_string(reference, **case)  # type: ignore[arg-type]
        with determinism.context(1234, 0.0):
            assert mock_random.get_random_string(**case) == expected
            assert mock_random.getrandbits(64) == reference.getrandbits(64)


def test_outside_a_request_the_seeded_generator_draws_as_moto_does() -> None:
    for case in CASES:
        mock_random.seed(99)
        reference = MotoRandom(99)
        assert mock_random.get_random_string(**case) == reference.get_random_string(**case)
        assert mock_random.getrandbits(32) == reference.getrandbits(32)
