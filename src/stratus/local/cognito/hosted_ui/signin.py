"""`/oauth2/authorize`, `/login` (with its NEW_PASSWORD_REQUIRED and SOFTWARE_TOKEN_MFA
steps) and `/logout`.

https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/login-endpoint.html
https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
The password is checked by the local Cognito's USER_PASSWORD_AUTH (cognito_api): whatever
the cognito package enforces for an SDK sign-in (password, MFA, triggers) applies here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from stratus.local.cognito.hosted_ui import issue, pages
from stratus.local.cognito.hosted_ui.cognito_api import CognitoApiError, secret_hash
from stratus.local.cognito.hosted_ui.oauth import canonical_username, email_of, refresh_owner
from stratus.local.cognito.hosted_ui.rules import (
    AuthorizeRequest,
    PageError,
    RedirectError,
)
from stratus.local.cognito.hosted_ui.web import SESSION_COOKIE, Visit

_CHALLENGE_FIELDS: dict[str, list[pages.Field]] = {
    "NEW_PASSWORD_REQUIRED": [("new_password", "New password", "password", "new-password")],
    "SOFTWARE_TOKEN_MFA": [
        ("mfa_code", "Code from your authenticator app", "text", "one-time-code")
    ],
}
_CHALLENGE_TITLES = {
    "NEW_PASSWORD_REQUIRED": "Change your password",
    "SOFTWARE_TOKEN_MFA": "Enter your authentication code",
}


def error_redirect(exc: RedirectError) -> str:
    params = {"error": exc.error, **({"state": exc.state} if exc.state is not None else {})}
    return _append(exc.redirect_uri, urlencode(params), exc.fragment)


def _append(uri: str, query: str, fragment: bool) -> str:
    if fragment:
        return f"{uri}#{query}"
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


async def authorize(visit: Visit) -> Response:
    try:
        req = visit.authorize_request()
    except PageError as exc:
        return visit.error_page(exc)
    except RedirectError as exc:
        return visit.redirect(error_redirect(exc))
    if req.identity_provider not in (None, "COGNITO"):
        return visit.error_page(
            PageError("invalid_request", "Federated identity providers are not emulated locally.")
        )
    session = visit.deps.grants.session(visit.request.cookies.get(SESSION_COOKIE))
    if session is not None and (session.pool_id, session.client_id) == (
        visit.domain.pool_id,
        req.client.client_id,
    ):
        tokens = await _refresh_session(visit, req, session.refresh_token, session.username)
        if tokens is not None:
            return visit.redirect(_respond(visit, req, tokens))
    return visit.redirect(visit.page_url("login", visit.oauth_query()))


async def login(visit: Visit) -> Response:
    try:
        req = visit.authorize_request()
    except PageError as exc:
        return visit.error_page(exc)
    except RedirectError as exc:
        return visit.redirect(error_redirect(exc))
    if visit.request.method == "GET":
        return _login_page(visit, None)
    if not await visit.csrf_ok():
        return visit.error_page(
            PageError("invalid_request", "The form's CSRF token is missing or wrong."), 403
        )
    form = {k: str(v) for k, v in (await visit.request.form()).items()}
    challenge = form.get("challenge")
    try:
        if challenge in _CHALLENGE_FIELDS:
            answer = await _answer_challenge(visit, req, form, challenge or "")
        else:
            answer = await _password(visit, req, form)
    except CognitoApiError as exc:
        if challenge in _CHALLENGE_FIELDS:
            return _challenge_page(visit, challenge or "", form, exc.message)
        return _login_page(visit, exc.message, form.get("username"))
    if answer.get("ChallengeName"):
        name = str(answer["ChallengeName"])
        if name not in _CHALLENGE_FIELDS:
            return _login_page(visit, f"The {name} challenge is not supported by this page.")
        step = {
            "session": str(answer.get("Session", "")),
            "username": str(
                (answer.get("ChallengeParameters") or {}).get("USERNAME")
                or form.get("username", "")
            ),
        }
        return _challenge_page(visit, name, step, None)
    result = answer.get("AuthenticationResult") or {}
    username = form.get("username", "")
    tokens = issue.oauth_tokens(result, list(req.scopes))
    if tokens.get("refresh_token"):
        visit.deps.grants.remember_scopes(tokens["refresh_token"], list(req.scopes))
    response = visit.redirect(_respond(visit, req, tokens))
    if tokens.get("refresh_token"):
        sid = visit.deps.grants.open_session(
            visit.domain.pool_id, req.client.client_id, username, tokens["refresh_token"]
        )
        visit.set_cookie(response, SESSION_COOKIE, sid)
    return response


async def _password(visit: Visit, req: AuthorizeRequest, form: dict[str, str]) -> dict[str, Any]:
    typed, password = form.get("username", "").strip(), form.get("password", "")
    if not typed or not password:
        raise CognitoApiError("InvalidParameterException", "Username and password are required.")
    # Signed in under the pool's own user name (an e-mail or phone alias resolved), as the
    # hosted UI does: the refresh token then names the user the way REFRESH_TOKEN_AUTH's
    # SECRET_HASH is computed (`oauth.refresh_owner`).
    username = canonical_username(req.client.pool_id, typed)
    params = {"USERNAME": username, "PASSWORD": password}
    if req.client.secret is not None:
        params["SECRET_HASH"] = secret_hash(req.client.secret, username, req.client.client_id)
    return await visit.deps.api.call(
        "InitiateAuth",
        {
            "ClientId": req.client.client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": params,
        },
        issue.scope_edit(list(req.scopes), req.nonce, email_of(req.client.pool_id, username)),
    )


async def _answer_challenge(
    visit: Visit, req: AuthorizeRequest, form: dict[str, str], challenge: str
) -> dict[str, Any]:
    username = form.get("username", "")
    responses = {"USERNAME": username}
    if challenge == "NEW_PASSWORD_REQUIRED":
        responses["NEW_PASSWORD"] = form.get("new_password", "")
    else:
        responses["SOFTWARE_TOKEN_MFA_CODE"] = form.get("mfa_code", "").strip()
    if req.client.secret is not None:
        responses["SECRET_HASH"] = secret_hash(req.client.secret, username, req.client.client_id)
    return await visit.deps.api.call(
        "RespondToAuthChallenge",
        {
            "ClientId": req.client.client_id,
            "ChallengeName": challenge,
            "Session": form.get("session", ""),
            "ChallengeResponses": responses,
        },
        issue.scope_edit(list(req.scopes), req.nonce, email_of(req.client.pool_id, username)),
    )


async def _refresh_session(
    visit: Visit, req: AuthorizeRequest, refresh: str, username: str
) -> dict[str, Any] | None:
    params = {"REFRESH_TOKEN": refresh}
    owner = refresh_owner(req.client.pool_id, refresh) or username
    if req.client.secret is not None:
        # Cognito hashes the name the refresh token was issued to (moto's own record of it).
        params["SECRET_HASH"] = secret_hash(req.client.secret, owner, req.client.client_id)
    try:
        answer = await visit.deps.api.call(
            "InitiateAuth",
            {
                "ClientId": req.client.client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": params,
            },
            issue.scope_edit(list(req.scopes), req.nonce, email_of(req.client.pool_id, owner)),
        )
    except CognitoApiError:
        return None
    result = answer.get("AuthenticationResult") or {}
    if not result.get("AccessToken"):
        return None
    tokens = issue.oauth_tokens(
        {**result, "RefreshToken": result.get("RefreshToken") or refresh}, list(req.scopes)
    )
    visit.deps.grants.remember_scopes(tokens["refresh_token"], list(req.scopes))
    return tokens


def _respond(visit: Visit, req: AuthorizeRequest, tokens: dict[str, Any]) -> str:
    """The redirect to the client: a code (code flow) or the tokens in the fragment."""
    state = {"state": req.state} if req.state is not None else {}
    if req.response_type == "token":
        implicit = {k: v for k, v in tokens.items() if k != "refresh_token"}
        return _append(req.redirect_uri, urlencode({**implicit, **state}), True)
    code = visit.deps.grants.issue_code(
        req.client.client_id, req.redirect_uri, req.code_challenge, tokens
    )
    return _append(req.redirect_uri, urlencode({"code": code, **state}), False)


def _login_page(visit: Visit, error: str | None, username: str | None = None) -> Response:
    cookie = visit.csrf_cookie()
    query = visit.oauth_query()
    body = pages.message(error) + pages.form(
        visit.page_url("login", query),
        visit.deps.csrf.field_for(cookie),
        [
            ("username", "Username", "text", "username"),
            ("password", "Password", "password", "current-password"),
        ],
        "Sign in",
        values={"username": username or ""},
    )
    body += pages.links(
        [
            ("Forgot your password?", visit.page_url("forgotPassword", query)),
            ("Need an account? Sign up", visit.page_url("signup", query)),
        ]
    )
    return visit.html("Sign in", body, 200 if error is None else 400, cookie)


def _challenge_page(
    visit: Visit, challenge: str, step: dict[str, str], error: str | None
) -> Response:
    cookie = visit.csrf_cookie()
    hidden = {
        "challenge": challenge,
        "session": step.get("session", ""),
        "username": step.get("username", ""),
    }
    body = pages.message(error) + pages.form(
        visit.page_url("login", visit.oauth_query()),
        visit.deps.csrf.field_for(cookie),
        _CHALLENGE_FIELDS[challenge],
        "Continue",
        hidden=hidden,
    )
    return visit.html(_CHALLENGE_TITLES[challenge], body, 200 if error is None else 400, cookie)


async def logout(visit: Visit) -> Response:
    """`logout_uri` (exactly one of the client's sign-out URLs), or `redirect_uri` +
    `response_type` to sign in again; the session cookie is cleared either way."""
    params = dict(visit.request.query_params)
    client = visit.find(params.get("client_id", ""))
    if client is None:
        return visit.error_page(
            PageError("invalid_request", "The client_id is not valid for this user pool.")
        )
    if "logout_uri" in params:
        if not client.allows_logout(params["logout_uri"]):
            return visit.error_page(
                PageError(
                    "redirect_mismatch", "The logout_uri is not a sign-out URL of the client."
                )
            )
        target = params["logout_uri"]
    else:
        try:
            visit.authorize_request()
        except PageError as exc:
            return visit.error_page(exc)
        except RedirectError as exc:
            return visit.redirect(error_redirect(exc))
        target = visit.page_url("login", visit.oauth_query())
    visit.deps.grants.close_session(visit.request.cookies.get(SESSION_COOKIE))
    response = visit.redirect(target)
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path, secure=True, httponly=True)
    return response
