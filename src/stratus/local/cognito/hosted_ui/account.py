"""`/signup`, `/confirm` and `/forgotPassword`: the hosted UI's account pages.

Each calls the local Cognito's own operation (SignUp, ConfirmSignUp, ForgotPassword,
ConfirmForgotPassword) through the AWS endpoint, so codes go to the local outbox and are
checked as for an SDK; the OAuth parameters ride along in the query string and the user
lands on `/login` of the same request when done.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from stratus.local.cognito.hosted_ui import pages
from stratus.local.cognito.hosted_ui.cognito_api import CognitoApiError, secret_hash
from stratus.local.cognito.hosted_ui.rules import AuthorizeRequest, PageError, RedirectError
from stratus.local.cognito.hosted_ui.signin import error_redirect
from stratus.local.cognito.hosted_ui.web import Visit

_SIGNUP: list[pages.Field] = [
    ("username", "Email", "email", "email"),
    ("password", "Password", "password", "new-password"),
]
_CONFIRM: list[pages.Field] = [("code", "Verification code", "text", "one-time-code")]
_FORGOT: list[pages.Field] = [("username", "Username or email", "text", "username")]
_RESET: list[pages.Field] = [
    ("code", "Code", "text", "one-time-code"),
    ("password", "New password", "password", "new-password"),
]


def _with_secret(req: AuthorizeRequest, username: str, body: dict[str, Any]) -> dict[str, Any]:
    if req.client.secret is not None:
        body["SecretHash"] = secret_hash(req.client.secret, username, req.client.client_id)
    return body


async def _start(visit: Visit) -> tuple[AuthorizeRequest | None, Response | None]:
    try:
        req = visit.authorize_request()
    except PageError as exc:
        return None, visit.error_page(exc)
    except RedirectError as exc:
        return None, visit.redirect(error_redirect(exc))
    if visit.request.method == "POST" and not await visit.csrf_ok():
        return None, visit.error_page(
            PageError("invalid_request", "The form's CSRF token is missing or wrong."), 403
        )
    return req, None


def _render(
    visit: Visit,
    title: str,
    page: str,
    fields: list[pages.Field],
    submit: str,
    *,
    error: str | None = None,
    info: str | None = None,
    hidden: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    cookie = visit.csrf_cookie()
    body = pages.message(error, info) + pages.form(
        visit.page_url(page, visit.oauth_query()),
        visit.deps.csrf.field_for(cookie),
        fields,
        submit,
        hidden=hidden,
        values=values,
    )
    body += pages.links([("Sign in", visit.page_url("login", visit.oauth_query()))])
    return visit.html(title, body, 400 if error else 200, cookie)


async def _form(visit: Visit) -> dict[str, str]:
    return {k: str(v) for k, v in (await visit.request.form()).items()}


async def signup(visit: Visit) -> Response:
    req, refused = await _start(visit)
    if req is None:
        assert refused is not None
        return refused
    if visit.request.method == "GET":
        return _render(visit, "Sign up", "signup", _SIGNUP, "Sign up")
    form = await _form(visit)
    username = form.get("username", "").strip()
    body: dict[str, Any] = {
        "ClientId": req.client.client_id,
        "Username": username,
        "Password": form.get("password", ""),
        "UserAttributes": [{"Name": "email", "Value": username}] if "@" in username else [],
    }
    try:
        await visit.deps.api.call("SignUp", _with_secret(req, username, body))
    except CognitoApiError as exc:
        return _render(
            visit,
            "Sign up",
            "signup",
            _SIGNUP,
            "Sign up",
            error=exc.message,
            values={"username": username},
        )
    query = visit.oauth_query() + "&" + urlencode({"username": username})
    return visit.redirect(visit.page_url("confirm", query))


async def confirm(visit: Visit) -> Response:
    req, refused = await _start(visit)
    if req is None:
        assert refused is not None
        return refused
    username = visit.request.query_params.get("username", "")
    hidden = {"username": username}
    if visit.request.method == "GET":
        info = "We sent a code by email. Enter it below to confirm your account."
        return _render(
            visit, "Confirm your account", "confirm", _CONFIRM, "Confirm", info=info, hidden=hidden
        )
    form = await _form(visit)
    username = form.get("username", username)
    body = {
        "ClientId": req.client.client_id,
        "Username": username,
        "ConfirmationCode": form.get("code", "").strip(),
    }
    try:
        await visit.deps.api.call("ConfirmSignUp", _with_secret(req, username, body))
    except CognitoApiError as exc:
        return _render(
            visit,
            "Confirm your account",
            "confirm",
            _CONFIRM,
            "Confirm",
            error=exc.message,
            hidden={"username": username},
        )
    return visit.redirect(visit.page_url("login", visit.oauth_query()))


async def forgot_password(visit: Visit) -> Response:
    req, refused = await _start(visit)
    if req is None:
        assert refused is not None
        return refused
    title = "Forgot your password?"
    if visit.request.method == "GET":
        return _render(visit, title, "forgotPassword", _FORGOT, "Reset my password")
    form = await _form(visit)
    username = form.get("username", "").strip()
    try:
        if "code" in form:  # second step: the code and the new password
            body = {
                "ClientId": req.client.client_id,
                "Username": username,
                "ConfirmationCode": form.get("code", "").strip(),
                "Password": form.get("password", ""),
            }
            await visit.deps.api.call("ConfirmForgotPassword", _with_secret(req, username, body))
            return visit.redirect(visit.page_url("login", visit.oauth_query()))
        start = {"ClientId": req.client.client_id, "Username": username}
        await visit.deps.api.call("ForgotPassword", _with_secret(req, username, start))
    except CognitoApiError as exc:
        fields = _RESET if "code" in form else _FORGOT
        hidden = {"username": username} if "code" in form else None
        return _render(
            visit,
            title,
            "forgotPassword",
            fields,
            "Change password",
            error=exc.message,
            hidden=hidden,
        )
    return _render(
        visit,
        "Reset your password",
        "forgotPassword",
        _RESET,
        "Change password",
        info="We sent a code. Enter it with your new password.",
        hidden={"username": username},
    )
