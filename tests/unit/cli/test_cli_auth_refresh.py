"""When the CLI refreshes the ID token, and what happens when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fakes import FakeClock, FakeCognito

from stratus.cli.todo.auth import AuthError, CognitoAuth, NotSignedInError
from stratus.cli.todo.tokens import TokenStore

Parts = tuple[CognitoAuth, FakeCognito, FakeClock, TokenStore]


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    cognito, clock, store = FakeCognito(), FakeClock(), TokenStore(tmp_path)
    return CognitoAuth(cognito, "client", store, clock=clock), cognito, clock, store


def test_login_stores_tokens_with_expiry_from_the_clock(parts: Parts) -> None:
    auth, _, clock, store = parts
    auth.login("me@example.com", "Passw0rd!")
    saved = store.load()
    assert saved is not None
    assert (saved.id_token, saved.refresh_token, saved.expires_at) == (
        "id-0",
        "refresh-0",
        clock() + 3600,
    )


def test_token_is_reused_until_sixty_seconds_before_expiry(parts: Parts) -> None:
    auth, cognito, clock, _ = parts
    auth.login("me@example.com", "Passw0rd!")
    clock.now += 3600 - 61
    assert auth.current().id_token == "id-0"
    assert cognito.refreshes == 0
    clock.now += 1
    assert auth.current().id_token == "id-1"
    assert cognito.refreshes == 1


def test_refresh_keeps_the_refresh_token_and_saves_new_expiry(parts: Parts) -> None:
    auth, _, clock, store = parts
    auth.login("me@example.com", "Passw0rd!")
    clock.now += 7200
    auth.current()
    saved = store.load()
    assert saved is not None
    assert (saved.id_token, saved.refresh_token, saved.expires_at) == (
        "id-1",
        "refresh-0",
        clock() + 3600,
    )
    assert auth.current().id_token == "id-1"  # fresh again: no second refresh


def test_failed_refresh_asks_to_log_in_again(parts: Parts) -> None:
    auth, cognito, clock, _ = parts
    auth.login("me@example.com", "Passw0rd!")
    cognito.refresh_fails = True
    clock.now += 3600
    with pytest.raises(NotSignedInError, match=r"stratus todo login me@example.com"):
        auth.current()


def test_no_tokens_means_not_signed_in(parts: Parts) -> None:
    auth, *_ = parts
    with pytest.raises(NotSignedInError, match="not signed in"):
        auth.current()


def test_cognito_errors_carry_cognitos_code_and_message(parts: Parts) -> None:
    auth, *_ = parts
    with pytest.raises(
        AuthError, match=r"^NotAuthorizedException: Incorrect username or password\.$"
    ):
        auth.login("me@example.com", "wrong")
    with pytest.raises(AuthError, match="CodeMismatchException"):
        auth.confirm("me@example.com", "000000")
