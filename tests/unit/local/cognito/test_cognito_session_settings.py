"""An app client's token lifetimes and rotation settings, read as Cognito reads them."""

from __future__ import annotations

import pytest

from stratus.local.cognito.sessions import revocation_enabled, rotation, validity_seconds


@pytest.mark.parametrize(
    ("config", "kind", "seconds"),
    [
        ({}, "AccessToken", 3600),  # default: 1 hour
        ({}, "IdToken", 3600),
        ({}, "RefreshToken", 30 * 86400),  # default: 30 days
        ({"AccessTokenValidity": 2}, "AccessToken", 7200),  # default unit: hours
        ({"RefreshTokenValidity": 3}, "RefreshToken", 3 * 86400),  # default unit: days
        (
            {"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}},
            "AccessToken",
            300,
        ),
        (
            {"IdTokenValidity": 900, "TokenValidityUnits": {"IdToken": "seconds"}},
            "IdToken",
            900,
        ),
        (
            {"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}},
            "RefreshToken",
            3600,
        ),
        ({"RefreshTokenValidity": 0}, "RefreshToken", 30 * 86400),  # 0: the default
    ],
)
def test_validity_follows_the_clients_units_and_defaults(
    config: dict[str, object], kind: str, seconds: int
) -> None:
    assert validity_seconds(config, kind) == seconds


def test_rotation_and_revocation_settings() -> None:
    assert rotation({}) is None
    assert rotation({"RefreshTokenRotation": {"Feature": "DISABLED"}}) is None
    assert rotation({"RefreshTokenRotation": {"Feature": "ENABLED"}}) == 0
    enabled = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    assert rotation({"RefreshTokenRotation": enabled}) == 30
    assert revocation_enabled({}) is True  # Cognito: on for new clients
    assert revocation_enabled({"EnableTokenRevocation": False}) is False
