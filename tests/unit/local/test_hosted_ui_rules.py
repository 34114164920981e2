"""The hosted UI's rules alone: PKCE, authorize checks, codes, CSRF, page escaping."""

from __future__ import annotations

import pytest

from stratus.local.cognito.hosted_ui import pages
from stratus.local.cognito.hosted_ui.clients import AppClient, localize
from stratus.local.cognito.hosted_ui.csrf import Csrf
from stratus.local.cognito.hosted_ui.domains import split_alias
from stratus.local.cognito.hosted_ui.grants import CODE_SECONDS, CodeRejectedError, Grants
from stratus.local.cognito.hosted_ui.rules import (
    PageError,
    RedirectError,
    parse_authorize,
    s256,
    verifier_matches,
)

CALLBACK = "https://app.example/cb"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B


def client(**changes: object) -> AppClient:
    values: dict[str, object] = {
        "client_id": "c1",
        "pool_id": "us-east-1_x",
        "region": "us-east-1",
        "secret": None,
        "callback_urls": (CALLBACK,),
        "logout_urls": (),
        "flows": frozenset({"code"}),
        "scopes": frozenset({"openid", "email"}),
        "oauth_enabled": True,
        "identity_providers": ("COGNITO",),
        "revocation_enabled": True,
    }
    values.update(changes)
    return AppClient(**values)  # type: ignore[arg-type]


def parse(params: dict[str, str], app: AppClient | None = None) -> object:
    found = app or client()
    return parse_authorize(params, lambda cid: found if cid == found.client_id else None)


def test_s256_matches_rfc_7636_appendix_b() -> None:
    assert s256(VERIFIER) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert verifier_matches(VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")


def test_wrong_short_or_missing_verifier_fails_a_challenge() -> None:
    challenge = s256(VERIFIER)
    assert not verifier_matches(VERIFIER[:-1] + "x", challenge)
    assert not verifier_matches("short", s256("short"))  # under 43 characters
    assert not verifier_matches(None, challenge)
    assert verifier_matches(None, None)  # no challenge was sent: nothing to check


def test_unknown_client_and_unregistered_redirect_are_page_errors() -> None:
    with pytest.raises(PageError):
        parse({"client_id": "nope", "redirect_uri": CALLBACK, "response_type": "code"})
    for uri in ("https://app.example/cb/", "https://app.example/cbx", "https://evil/cb", ""):
        with pytest.raises(PageError) as err:
            parse({"client_id": "c1", "redirect_uri": uri, "response_type": "code"})
        assert err.value.error == "redirect_mismatch"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"response_type": "token"}, "unauthorized_client"),
        ({"response_type": "code", "scope": "openid phone"}, "invalid_scope"),
        ({"response_type": "code", "code_challenge": "a" * 43}, "invalid_request"),
        (
            {"response_type": "code", "code_challenge": "a" * 43, "code_challenge_method": "plain"},
            "invalid_request",
        ),
        ({"response_type": "code", "identity_provider": "Google"}, "unauthorized_client"),
    ],
)
def test_faults_after_the_redirect_check_go_back_to_the_client(
    extra: dict[str, str], error: str
) -> None:
    with pytest.raises(RedirectError) as err:
        parse({"client_id": "c1", "redirect_uri": CALLBACK, "state": "s", **extra})
    assert err.value.error == error
    assert err.value.redirect_uri == CALLBACK
    assert err.value.state == "s"


def test_oauth_off_for_the_client_is_unauthorized() -> None:
    with pytest.raises(RedirectError) as err:
        parse(
            {"client_id": "c1", "redirect_uri": CALLBACK, "response_type": "code"},
            client(oauth_enabled=False),
        )
    assert err.value.error == "unauthorized_client"


def test_valid_request_defaults_to_all_allowed_scopes() -> None:
    req = parse(
        {
            "client_id": "c1",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
            "nonce": "n",
        }
    )
    assert req.scopes == ("email", "openid")  # type: ignore[attr-defined]
    assert req.code_challenge == s256(VERIFIER)  # type: ignore[attr-defined]


def test_codes_are_single_use_bound_and_expire_after_five_minutes() -> None:
    now = [1000.0]
    grants = Grants(clock=lambda: now[0])
    tokens = {"access_token": "a"}
    ok = lambda challenge: verifier_matches(VERIFIER, challenge)  # noqa: E731
    code = grants.issue_code("c1", CALLBACK, s256(VERIFIER), tokens)
    assert grants.redeem(code, "c1", CALLBACK, ok).tokens == tokens
    with pytest.raises(CodeRejectedError):
        grants.redeem(code, "c1", CALLBACK, ok)  # reused
    for cid, uri in (("c2", CALLBACK), ("c1", CALLBACK + "x")):
        code = grants.issue_code("c1", CALLBACK, None, tokens)
        with pytest.raises(CodeRejectedError):
            grants.redeem(code, cid, uri, ok)
    code = grants.issue_code("c1", CALLBACK, s256(VERIFIER), tokens)
    with pytest.raises(CodeRejectedError):  # a wrong verifier spends the code
        grants.redeem(code, "c1", CALLBACK, lambda c: False)
    with pytest.raises(CodeRejectedError):
        grants.redeem(code, "c1", CALLBACK, ok)
    code = grants.issue_code("c1", CALLBACK, None, tokens)
    now[0] += CODE_SECONDS
    with pytest.raises(CodeRejectedError):
        grants.redeem(code, "c1", CALLBACK, ok)
    assert CODE_SECONDS == 300


def test_csrf_field_is_a_mac_of_the_cookie() -> None:
    csrf = Csrf(b"k" * 32)
    cookie = csrf.new_cookie()
    assert csrf.valid(cookie, csrf.field_for(cookie))
    assert not csrf.valid(cookie, csrf.field_for(cookie + "x"))
    assert not csrf.valid(None, csrf.field_for(cookie))
    assert not csrf.valid(cookie, "")
    assert not Csrf(b"o" * 32).valid(cookie, csrf.field_for(cookie))  # another server key


def test_default_gateway_origin_follows_the_running_port() -> None:
    origins = {"https://127.0.0.1:4443": "https://127.0.0.1:5001"}
    assert localize("https://127.0.0.1:4443/apps/todo/", origins) == (
        "https://127.0.0.1:5001/apps/todo/"
    )
    assert localize("https://127.0.0.1:44430/x", origins) == "https://127.0.0.1:44430/x"
    assert localize("myapp://callback", origins) == "myapp://callback"


def test_alias_paths_split_into_name_and_inner_path() -> None:
    assert split_alias("/_stratus/domains/a.auth.us-east-1.localhost/login") == (
        "a.auth.us-east-1.localhost",
        "/login",
    )
    assert split_alias("/_stratus/domains/") is None
    assert split_alias("/apps/todo/") is None


def test_pages_escape_every_value() -> None:
    html = pages.form(
        'login?x="><script>',
        "c",
        [("username", "User", "text", "username")],
        "Go",
        values={"username": "<b>"},
    )
    assert "<script>" not in html and "&lt;b&gt;" in html
    assert '<label for="f-username">User</label>' in html
    assert "<script>" not in pages.message("<script>alert(1)</script>")
