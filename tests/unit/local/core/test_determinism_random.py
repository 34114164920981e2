"""moto's random source, made thread-aware for the journal, draws exactly what moto's own
MotoRandom draws: the same ids from the same seed, inside and outside a journaled request."""

from __future__ import annotations

import random

import pytest
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.moto_random import MotoRandom

from stratus.local.core import determinism


def _draws(rng: random.Random) -> list[object]:
    """A little of every draw moto makes for ids."""
    return [
        rng.get_random_string(length=52),  # type: ignore[attr-defined]
        rng.get_random_string(length=20, include_digits=False, lower_case=True),  # type: ignore[attr-defined]
        rng.get_random_string(),  # type: ignore[attr-defined]
        rng.get_random_hex(length=12),  # type: ignore[attr-defined]
        rng.choice("ab"),
        rng.choice([3, 5, 7, 11, 13, 17, 19]),
        rng.choice(list(range(1000))),
        str(rng.uuid4()),  # type: ignore[attr-defined]
        rng.randint(0, 10**9),
        rng.random(),
    ]


@pytest.fixture(autouse=True)
def _installed() -> None:
    determinism.install()
    assert type(mock_random).__name__ == "ThreadAwareRandom"


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 7])
def test_inside_a_journaled_request_the_draws_are_moto_s_own(seed: int) -> None:
    with determinism.context(seed, 1_700_000_000.0):
        ours = _draws(mock_random)
    reference = MotoRandom()
    reference.seed(seed)
    assert ours == _draws(reference)


@pytest.mark.parametrize("seed", [3, 99])
def test_outside_a_request_a_seeded_mock_random_draws_as_moto_s(seed: int) -> None:
    state = mock_random.getstate()
    try:
        mock_random.seed(seed)  # what moto's /moto-api/seed does
        ours = _draws(mock_random)
    finally:
        mock_random.setstate(state)
    reference = MotoRandom()
    reference.seed(seed)
    assert ours == _draws(reference)


def test_a_request_s_draws_leave_the_shared_generator_alone() -> None:
    state = mock_random.getstate()
    with determinism.context(5, 1_700_000_000.0):
        mock_random.get_random_string(length=52)
        mock_random.choice("xyz")
    assert mock_random.getstate() == state


def test_choice_of_nothing_is_an_index_error_as_in_random() -> None:
    with pytest.raises(IndexError):
        mock_random.choice([])
