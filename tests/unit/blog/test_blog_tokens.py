"""Signed tokens and cursors: forged, truncated, other-purpose and expired ones are refused."""

from __future__ import annotations

import pytest
from todo_harness import FakeClock

from stratus.blog.tokens import (
    CONFIRM,
    UNSUBSCRIBE,
    Cursors,
    ExpiredTokenError,
    InvalidTokenError,
    Signer,
)
from stratus.runtime.errors import ValidationError


def signer(clock: FakeClock, key: bytes = b"k" * 32) -> Signer:
    return Signer(lambda: key, clock)


def test_token_round_trip() -> None:
    clock = FakeClock()
    token = signer(clock).sign(CONFIRM, "a@example.com", 60)
    assert signer(clock).verify(CONFIRM, token)["s"] == "a@example.com"


def test_expired_token_is_refused() -> None:
    clock = FakeClock()
    token = signer(clock).sign(CONFIRM, "a@example.com", 60)
    clock.advance(61)
    with pytest.raises(ExpiredTokenError):
        signer(clock).verify(CONFIRM, token)


def test_token_for_another_purpose_is_refused() -> None:
    clock = FakeClock()
    token = signer(clock).sign(CONFIRM, "a@example.com", 60)
    with pytest.raises(InvalidTokenError):
        signer(clock).verify(UNSUBSCRIBE, token)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2],
    lambda t: "x" + t,
    lambda t: t.replace(".", ""),
    lambda t: t + ".x",
    lambda t: "",
    lambda t: "\udcff." + t.split(".")[1],
])  # fmt: skip
def test_tampered_token_is_refused(mangle: object) -> None:
    clock = FakeClock()
    token = signer(clock).sign(CONFIRM, "a@example.com", 60)
    with pytest.raises(InvalidTokenError):
        signer(clock).verify(CONFIRM, mangle(token))  # type: ignore[operator]


def test_token_signed_with_another_key_is_refused() -> None:
    clock = FakeClock()
    token = signer(clock, b"z" * 32).sign(CONFIRM, "a@example.com", 60)
    with pytest.raises(InvalidTokenError):
        signer(clock).verify(CONFIRM, token)


def test_cursor_is_bound_to_its_listing() -> None:
    cursors = Cursors(signer(FakeClock()))
    token = cursors.encode("en|*", {"pk": "POST#a", "sk": "POST"})
    assert cursors.decode("en|*", token) == {"pk": "POST#a", "sk": "POST"}
    with pytest.raises(ValidationError):
        cursors.decode("fr|*", token)
