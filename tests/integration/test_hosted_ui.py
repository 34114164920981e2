"""The hosted UI and OAuth 2.0 endpoints of a user-pool domain, over HTTPS, on a CDK app of
its own (`stratus up --app DIR`): a public PKCE client, an implicit client and a machine
client with a resource server's scope. Its callback URLs name the gateway's default origin
(https://127.0.0.1:4443) while the gateway runs on another port, as a developer's would."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import ssl
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud, unique_email
from tests.integration.conftest import PASSWORD, aws_client, unverified_claims

APP = """
import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito

app = cdk.App()
stack = cdk.Stack(app, "HostedUiApp")
pool = cognito.UserPool(
    stack, "Pool", self_sign_up_enabled=True, sign_in_aliases=cognito.SignInAliases(email=True),
    auto_verify=cognito.AutoVerifiedAttrs(email=True),
    mfa=cognito.Mfa.OPTIONAL, mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
)
domain = pool.add_domain(
    "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix="hosted-ui-test")
)
read = cognito.ResourceServerScope(scope_name="read", scope_description="read orders")
server = pool.add_resource_server(
    "Orders", identifier="orders", scopes=[read],
)
callback = "https://127.0.0.1:4443/apps/demo/"
web = pool.add_client(
    "Web", generate_secret=False,
    auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
    o_auth=cognito.OAuthSettings(
        flows=cognito.OAuthFlows(authorization_code_grant=True),
        scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callback_urls=[callback, "http://localhost:8977/callback"],
        logout_urls=["https://127.0.0.1:4443/apps/demo/bye"],
    ),
)
implicit = pool.add_client(
    "Implicit", generate_secret=False,
    auth_flows=cognito.AuthFlow(user_password=True),
    o_auth=cognito.OAuthSettings(
        flows=cognito.OAuthFlows(implicit_code_grant=True),
        scopes=[cognito.OAuthScope.OPENID], callback_urls=[callback],
    ),
)
confidential = pool.add_client(
    "Confidential", generate_secret=True,
    o_auth=cognito.OAuthSettings(
        flows=cognito.OAuthFlows(authorization_code_grant=True),
        scopes=[cognito.OAuthScope.OPENID], callback_urls=[callback],
    ),
)
machine = pool.add_client(
    "Machine", generate_secret=True,
    o_auth=cognito.OAuthSettings(
        flows=cognito.OAuthFlows(client_credentials=True),
        scopes=[cognito.OAuthScope.resource_server(server, read)],
    ),
)
cdk.CfnOutput(stack, "PoolId", value=pool.user_pool_id)
cdk.CfnOutput(stack, "WebClientId", value=web.user_pool_client_id)
cdk.CfnOutput(stack, "ImplicitClientId", value=implicit.user_pool_client_id)
cdk.CfnOutput(stack, "MachineClientId", value=machine.user_pool_client_id)
cdk.CfnOutput(stack, "ConfidentialClientId", value=confidential.user_pool_client_id)
cdk.CfnOutput(stack, "DomainUrl", value=domain.base_url())
app.synth()
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    directory = tmp_path_factory.mktemp("hosted-ui-app")
    (directory / "app.py").write_text(textwrap.dedent(APP))
    (directory / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    proc, handle = start_local_cloud(None, app_dir=directory)
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def out(cloud: LocalCloudHandle) -> dict[str, str]:
    return dict(cloud.outputs["HostedUiApp"])


@pytest.fixture
def browser(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(verify=verify, timeout=30, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def user(cloud: LocalCloudHandle, out: dict[str, str]) -> str:
    email = unique_email("hosted")
    idp = aws_client(cloud, "cognito-idp")
    idp.sign_up(
        ClientId=out["WebClientId"],
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=out["WebClientId"], Username=email, ConfirmationCode=cloud.confirmation_code(email)
    )
    return email


def callback(cloud: LocalCloudHandle) -> str:
    return f"{cloud.gateway_origin}/apps/demo/"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_of(page: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(
    browser: httpx.Client,
    domain: str,
    params: dict[str, str],
    email: str,
    password: str = PASSWORD,
) -> httpx.Response:
    """authorize -> login page -> form POST; returns the answer to the POST."""
    first = browser.get(f"{domain}/oauth2/authorize", params=params)
    assert first.status_code == 302, first.text
    login_url = str(first.url.join(first.headers["location"]))
    page = browser.get(login_url)
    assert page.status_code == 200, page.text
    assert '<label for="f-username">' in page.text
    form = {"_csrf": csrf_of(page.text), "username": email, "password": password}
    return browser.post(login_url, data=form)


def code_flow(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], email: str
) -> tuple[str, str, str]:
    verifier, challenge = pkce()
    state, nonce = secrets.token_hex(8), secrets.token_hex(8)
    params = {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
        "scope": "openid email",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    answer = sign_in(browser, out["DomainUrl"], params, email)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(callback(cloud) + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    return query["code"][0], verifier, nonce


def exchange(
    browser: httpx.Client, out: dict[str, str], cloud: LocalCloudHandle, code: str, verifier: str
) -> httpx.Response:
    return browser.post(
        f"{out['DomainUrl']}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": out["WebClientId"],
            "code": code,
            "redirect_uri": callback(cloud),
            "code_verifier": verifier,
        },
    )


def test_domain_output_names_the_local_https_url(
    cloud: LocalCloudHandle, out: dict[str, str]
) -> None:
    assert out["DomainUrl"] == (
        f"{cloud.gateway_origin}/_stratus/domains/hosted-ui-test.auth.us-east-1.localhost"
    )
    # the template's https://127.0.0.1:4443 callback names the port the gateway runs on
    client = aws_client(cloud, "cognito-idp").describe_user_pool_client(
        UserPoolId=out["PoolId"], ClientId=out["WebClientId"]
    )["UserPoolClient"]
    assert client["CallbackURLs"] == [callback(cloud), "http://localhost:8977/callback"]
    assert client["LogoutURLs"] == [f"{cloud.gateway_origin}/apps/demo/bye"]


def test_code_flow_with_pkce_end_to_end(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    code, verifier, nonce = code_flow(cloud, browser, out, user)
    answer = exchange(browser, out, cloud, code, verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    access = unverified_claims(tokens["access_token"])
    assert access["scope"] == "openid email"
    assert access["client_id"] == out["WebClientId"]
    id_claims = unverified_claims(tokens["id_token"])
    assert id_claims["nonce"] == nonce
    assert id_claims["aud"] == out["WebClientId"]

    # userInfo with the access token
    info = browser.get(
        f"{out['DomainUrl']}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert info.status_code == 200, info.text
    assert info.json()["email"] == user
    assert info.json()["sub"] == id_claims["sub"]

    # the code is single-use
    again = exchange(browser, out, cloud, code, verifier)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}

    # refresh keeps the OAuth scopes
    refreshed = browser.post(
        f"{out['DomainUrl']}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": out["WebClientId"],
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert unverified_claims(refreshed.json()["access_token"])["scope"] == "openid email"

    # revoke: the refresh token and the access tokens it issued stop working
    revoked = browser.post(
        f"{out['DomainUrl']}/oauth2/revoke",
        data={"token": tokens["refresh_token"], "client_id": out["WebClientId"]},
    )
    assert revoked.status_code == 200, revoked.text
    after = browser.post(
        f"{out['DomainUrl']}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": out["WebClientId"],
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert after.status_code == 400
    assert after.json() == {"error": "invalid_grant"}
    info = browser.get(
        f"{out['DomainUrl']}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    )
    assert info.status_code == 401


def test_wrong_verifier_is_invalid_grant_and_spends_the_code(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    code, verifier, _ = code_flow(cloud, browser, out, user)
    wrong = exchange(browser, out, cloud, code, pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant"}
    assert exchange(browser, out, cloud, code, verifier).json() == {"error": "invalid_grant"}


def test_wrong_password_shows_cognitos_message_and_no_code(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    params = {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
    }
    answer = sign_in(browser, out["DomainUrl"], params, user, "Wrong-password-1!")
    assert answer.status_code == 400
    assert "Incorrect username or password." in answer.text
    assert "location" not in answer.headers


def test_unregistered_redirect_uri_is_an_error_page_not_a_redirect(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    for uri in (
        "https://evil.example/steal",
        callback(cloud) + "x",
        callback(cloud).rstrip("/"),
        "https://127.0.0.1:4443/apps/demo/",  # the template's port, not the running one
    ):
        params = {"client_id": out["WebClientId"], "response_type": "code", "redirect_uri": uri}
        answer = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
        assert answer.status_code == 400, uri
        assert "location" not in answer.headers
        assert "redirect_mismatch" in answer.text


def test_scope_outside_the_client_goes_back_as_invalid_scope(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    params = {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
        "scope": "openid orders/read",
        "state": "s1",
    }
    answer = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
    assert answer.status_code == 302
    assert answer.headers["location"] == callback(cloud) + "?error=invalid_scope&state=s1"


def test_plain_pkce_and_implicit_on_a_code_client_are_refused(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    base = {"client_id": out["WebClientId"], "redirect_uri": callback(cloud)}
    plain = {**base, "response_type": "code", "code_challenge": "a" * 43}
    plain["code_challenge_method"] = "plain"
    answer = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=plain)
    assert answer.headers["location"].endswith("?error=invalid_request")
    implicit = {**base, "response_type": "token"}
    answer = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=implicit)
    assert answer.headers["location"].endswith("#error=unauthorized_client")


def test_implicit_client_gets_tokens_in_the_fragment(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    params = {
        "client_id": out["ImplicitClientId"],
        "response_type": "token",
        "redirect_uri": callback(cloud),
        "state": "abc",
    }
    answer = sign_in(browser, out["DomainUrl"], params, user)
    assert answer.status_code == 302, answer.text
    fragment = parse_qs(urlsplit(answer.headers["location"]).fragment)
    assert fragment["state"] == ["abc"]
    assert "refresh_token" not in fragment
    assert unverified_claims(fragment["access_token"][0])["client_id"] == out["ImplicitClientId"]


def test_login_post_without_csrf_token_is_refused(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    params = {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
    }
    url = f"{out['DomainUrl']}/login?{urlencode(params)}"
    answer = browser.post(url, data={"username": user, "password": PASSWORD})
    assert answer.status_code == 403
    assert "location" not in answer.headers
    browser.get(url)  # a cookie now, but a forged field
    answer = browser.post(url, data={"username": user, "password": PASSWORD, "_csrf": "x" * 64})
    assert answer.status_code == 403


def test_client_credentials_for_a_resource_server_scope(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    idp = aws_client(cloud, "cognito-idp")
    secret = idp.describe_user_pool_client(
        UserPoolId=out["PoolId"], ClientId=out["MachineClientId"]
    )["UserPoolClient"]["ClientSecret"]
    url = f"{out['DomainUrl']}/oauth2/token"
    answer = browser.post(
        url,
        data={"grant_type": "client_credentials", "scope": "orders/read"},
        auth=(out["MachineClientId"], secret),
    )
    assert answer.status_code == 200, answer.text
    claims = unverified_claims(answer.json()["access_token"])
    assert claims["token_use"] == "access"
    assert claims["scope"] == "orders/read"
    assert claims["client_id"] == claims["sub"] == out["MachineClientId"]
    assert "username" not in claims
    # secret in the body works too; a wrong secret is invalid_client
    body = {
        "grant_type": "client_credentials",
        "client_id": out["MachineClientId"],
        "client_secret": secret,
    }
    assert browser.post(url, data=body).status_code == 200
    wrong = browser.post(url, data={**body, "client_secret": "nope"})
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_client"})
    # a scope the client does not hold, and a public client, are refused
    scoped = browser.post(url, data={**body, "scope": "openid"})
    assert scoped.json() == {"error": "invalid_scope"}
    public = browser.post(
        url, data={"grant_type": "client_credentials", "client_id": out["WebClientId"]}
    )
    assert public.json() == {"error": "unauthorized_client"}


def test_logout_needs_an_exact_sign_out_url_and_ends_the_session(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    code_flow(cloud, browser, out, user)  # signed in: the session cookie is set
    params = {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
    }
    again = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
    assert again.headers["location"].startswith(callback(cloud) + "?code=")  # no password asked
    bad = browser.get(
        f"{out['DomainUrl']}/logout",
        params={"client_id": out["WebClientId"], "logout_uri": "https://evil.example/"},
    )
    assert bad.status_code == 400 and "location" not in bad.headers
    bye = f"{cloud.gateway_origin}/apps/demo/bye"
    answer = browser.get(
        f"{out['DomainUrl']}/logout", params={"client_id": out["WebClientId"], "logout_uri": bye}
    )
    assert (answer.status_code, answer.headers["location"]) == (302, bye)
    after = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
    assert "/login?" in after.headers["location"]


def test_discovery_documents_name_the_local_endpoints(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    pool = out["PoolId"]
    doc = httpx.get(f"{cloud.aws_endpoint}/{pool}/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert doc["authorization_endpoint"] == f"{out['DomainUrl']}/oauth2/authorize"
    assert doc["token_endpoint"] == f"{out['DomainUrl']}/oauth2/token"
    assert doc["userinfo_endpoint"] == f"{out['DomainUrl']}/oauth2/userInfo"
    keys = httpx.get(doc["jwks_uri"]).json()["keys"]
    assert keys and keys[0]["alg"] == "RS256"
    on_domain = browser.get(f"{out['DomainUrl']}/.well-known/openid-configuration").json()
    assert on_domain["token_endpoint"] == doc["token_endpoint"]


def raw_get(cloud: LocalCloudHandle, path: str, name: str | None = None) -> tuple[int, bytes]:
    """GET `path` exactly as written (no client-side `..` folding), to 127.0.0.1 with SNI
    and Host `name` when given (Python does not resolve `*.localhost` names)."""
    port = int(cloud.gateway_origin.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    with context.wrap_socket(raw, server_hostname=name or "127.0.0.1") as tls:
        host = f"{name or '127.0.0.1'}:{port}"
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_the_domain_is_served_by_host_name_with_its_own_certificate(
    cloud: LocalCloudHandle,
) -> None:
    port = cloud.gateway_origin.rsplit(":", 1)[1]
    name = "hosted-ui-test.auth.us-east-1.localhost"
    status, body = raw_get(cloud, "/.well-known/openid-configuration", name)
    assert status == 200
    doc = json.loads(body)
    assert doc["token_endpoint"] == f"https://{name}:{port}/oauth2/token"


def test_paths_outside_cognitos_are_404_on_the_domain(
    cloud: LocalCloudHandle, out: dict[str, str]
) -> None:
    prefix = urlsplit(out["DomainUrl"]).path
    for path in ("/../../apps/demo/", "/%2e%2e/%2e%2e/openapi/x.json", "/etc/passwd", "/login/.."):
        status, _ = raw_get(cloud, prefix + path)
        assert status == 404, path
    status, _ = raw_get(cloud, "/../apps/demo/", "hosted-ui-test.auth.us-east-1.localhost")
    assert status == 404


def test_cli_browser_login_takes_the_code_on_its_loopback_redirect(
    cloud: LocalCloudHandle, out: dict[str, str], user: str
) -> None:
    from stratus.cli.todo.browser_login import browser_login, httpx_exchange

    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))

    def browser(url: str) -> None:  # what a person does in the opened browser
        def act() -> None:
            with httpx.Client(verify=verify, timeout=30) as web:
                first = web.get(url)
                login_url = str(first.url.join(first.headers["location"]))
                page = web.get(login_url).text
                form = {"_csrf": csrf_of(page), "username": user, "password": PASSWORD}
                redirect = web.post(login_url, data=form).headers["location"]
                assert redirect.startswith("http://localhost:8977/callback?code=")
                httpx.get(redirect.replace("localhost", "127.0.0.1"), timeout=30)

        threading.Thread(target=act, daemon=True).start()

    tokens = browser_login(
        out["DomainUrl"],
        out["WebClientId"],
        httpx_exchange(str(cloud.ca_pem)),
        clock=lambda: 1000.0,
        opener=browser,
        announce=lambda _: None,
        wait_seconds=60,
        port=8977,
        scopes="openid email",
    )
    assert tokens.email == user
    assert tokens.expires_at == 1000.0 + 3600
    assert unverified_claims(tokens.access_token)["scope"] == "openid email"


def web_params(cloud: LocalCloudHandle, out: dict[str, str]) -> dict[str, str]:
    return {
        "client_id": out["WebClientId"],
        "response_type": "code",
        "redirect_uri": callback(cloud),
        "state": "st",
    }


def post_form(browser: httpx.Client, url: str, fields: dict[str, str]) -> httpx.Response:
    page = browser.get(url)
    assert page.status_code == 200, page.text
    return browser.post(url, data={"_csrf": csrf_of(page.text), **fields})


def test_sign_up_and_confirm_on_the_hosted_pages_then_sign_in(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    email = unique_email("pages")
    query = urlencode(web_params(cloud, out))
    signed_up = post_form(
        browser, f"{out['DomainUrl']}/signup?{query}", {"username": email, "password": PASSWORD}
    )
    assert signed_up.status_code == 302, signed_up.text
    confirm_url = str(signed_up.url.join(signed_up.headers["location"]))
    assert "/confirm?" in confirm_url
    wrong = post_form(browser, confirm_url, {"code": "000000", "username": email})
    assert wrong.status_code == 400 and 'class="errorMessage"' in wrong.text
    code = cloud.confirmation_code(email)
    confirmed = post_form(browser, confirm_url, {"code": code, "username": email})
    assert confirmed.status_code == 302, confirmed.text
    login_url = str(confirmed.url.join(confirmed.headers["location"]))
    assert "/login?" in login_url
    answer = post_form(browser, login_url, {"username": email, "password": PASSWORD})
    assert answer.headers["location"].startswith(callback(cloud) + "?code=")
    # a second sign-up of the same e-mail shows Cognito's message on the page
    again = post_form(
        browser, f"{out['DomainUrl']}/signup?{query}", {"username": email, "password": PASSWORD}
    )
    assert again.status_code == 400 and "errorMessage" in again.text


def test_new_password_required_is_answered_on_a_page(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    email = unique_email("invited")
    idp = aws_client(cloud, "cognito-idp")
    idp.admin_create_user(
        UserPoolId=out["PoolId"],
        Username=email,
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )
    query = urlencode(web_params(cloud, out))
    step = post_form(
        browser,
        f"{out['DomainUrl']}/login?{query}",
        {"username": email, "password": "Temp-Passw0rd!"},
    )
    assert step.status_code == 200, step.text
    assert "Change your password" in step.text and 'for="f-new_password"' in step.text
    hidden = dict(re.findall(r'name="(challenge|session|username)" value="([^"]*)"', step.text))
    answer = browser.post(
        f"{out['DomainUrl']}/login?{query}",
        data={"_csrf": csrf_of(step.text), **hidden, "new_password": "New-Passw0rd-123!"},
    )
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(callback(cloud) + "?code=")


def test_forgot_password_page_asks_for_the_code_and_new_password(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    query = urlencode(web_params(cloud, out))
    answer = post_form(browser, f"{out['DomainUrl']}/forgotPassword?{query}", {"username": user})
    assert answer.status_code == 200, answer.text
    assert 'for="f-code"' in answer.text and 'for="f-password"' in answer.text


def test_userinfo_refuses_tokens_after_global_sign_out_and_without_openid(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    code, verifier, _ = code_flow(cloud, browser, out, user)
    tokens = exchange(browser, out, cloud, code, verifier).json()
    url = f"{out['DomainUrl']}/oauth2/userInfo"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert browser.get(url, headers=bearer).status_code == 200
    # the ID token is not an access token; a forged signature is refused
    assert (
        browser.get(url, headers={"Authorization": f"Bearer {tokens['id_token']}"}).status_code
        == 401
    )
    forged = tokens["access_token"][:-4] + (
        "AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB"
    )
    assert browser.get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    aws_client(cloud, "cognito-idp").global_sign_out(AccessToken=tokens["access_token"])
    answer = browser.get(url, headers=bearer)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 TOTP (SHA-1, 30 s, 6 digits), as authenticator apps compute it."""
    import hmac
    import struct
    import time

    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_software_token_mfa_is_answered_on_a_page(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str]
) -> None:
    email = unique_email("mfa")
    idp = aws_client(cloud, "cognito-idp")
    idp.sign_up(
        ClientId=out["WebClientId"],
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=out["WebClientId"], Username=email, ConfirmationCode=cloud.confirmation_code(email)
    )
    access = idp.initiate_auth(
        ClientId=out["WebClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=totp(secret))
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    query = urlencode(web_params(cloud, out))
    step = post_form(
        browser, f"{out['DomainUrl']}/login?{query}", {"username": email, "password": PASSWORD}
    )
    assert step.status_code == 200, step.text
    assert "Enter your authentication code" in step.text and 'for="f-mfa_code"' in step.text
    hidden = dict(re.findall(r'name="(challenge|session|username)" value="([^"]*)"', step.text))
    assert hidden["challenge"] == "SOFTWARE_TOKEN_MFA"
    answer = browser.post(
        f"{out['DomainUrl']}/login?{query}",
        data={"_csrf": csrf_of(step.text), **hidden, "mfa_code": totp(secret)},
    )
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(callback(cloud) + "?code=")


def test_confidential_client_code_flow_needs_its_secret(
    cloud: LocalCloudHandle, browser: httpx.Client, out: dict[str, str], user: str
) -> None:
    client_id = out["ConfidentialClientId"]
    secret = aws_client(cloud, "cognito-idp").describe_user_pool_client(
        UserPoolId=out["PoolId"], ClientId=client_id
    )["UserPoolClient"]["ClientSecret"]
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": callback(cloud)}
    answer = sign_in(browser, out["DomainUrl"], params, user)  # SECRET_HASH sent for it
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    url = f"{out['DomainUrl']}/oauth2/token"
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback(cloud)}
    without = browser.post(url, data={**form, "client_id": client_id})
    assert (without.status_code, without.json()) == (400, {"error": "invalid_client"})
    # signed in: the session gives a new code without the password (a refresh, SECRET_HASH)
    again = browser.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
    code_again = parse_qs(urlsplit(again.headers["location"]).query)["code"][0]
    tokens = browser.post(url, data={**form, "code": code_again}, auth=(client_id, secret))
    assert tokens.status_code == 200, tokens.text
    refreshed = browser.post(
        url,
        data={"grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"]},
        auth=(client_id, secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    assert unverified_claims(refreshed.json()["access_token"])["scope"] == "openid"


def test_hosted_ui_tokens_survive_a_restart(tmp_path: Path) -> None:
    """Signed in on the hosted UI, then `stratus up` again on the same state (another
    gateway port): the refresh token still works, keeps its OAuth scopes, and userInfo
    accepts the refreshed access token; the revoked one stays revoked."""
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    proc, first = start_local_cloud(None, app_dir=tmp_path)
    try:
        out = dict(first.outputs["HostedUiApp"])
        email = unique_email("restart")
        idp = aws_client(first, "cognito-idp")
        idp.sign_up(
            ClientId=out["WebClientId"],
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        idp.confirm_sign_up(
            ClientId=out["WebClientId"],
            Username=email,
            ConfirmationCode=first.confirmation_code(email),
        )
        verify = ssl.create_default_context(cafile=str(first.ca_pem))
        with httpx.Client(verify=verify, timeout=30) as web, httpx.Client(verify=verify) as other:
            code, verifier, _ = code_flow(first, web, out, email)
            kept = exchange(web, out, first, code, verifier).json()
            code, verifier, _ = code_flow(first, other, out, email)  # a second browser
            revoked = exchange(web, out, first, code, verifier).json()
            web.post(
                f"{out['DomainUrl']}/oauth2/revoke",
                data={"token": revoked["refresh_token"], "client_id": out["WebClientId"]},
            ).raise_for_status()
    finally:
        stop_local_cloud(proc)
    proc, second = start_local_cloud(None, app_dir=tmp_path, fresh=False)
    try:
        out = dict(second.outputs["HostedUiApp"])
        verify = ssl.create_default_context(cafile=str(second.ca_pem))
        with httpx.Client(verify=verify, timeout=30) as web:
            url = f"{out['DomainUrl']}/oauth2/token"
            form = {"grant_type": "refresh_token", "client_id": out["WebClientId"]}
            fresh = web.post(url, data={**form, "refresh_token": kept["refresh_token"]})
            assert fresh.status_code == 200, fresh.text
            access = fresh.json()["access_token"]
            assert unverified_claims(access)["scope"] == "openid email"
            info = web.get(
                f"{out['DomainUrl']}/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"}
            )
            assert info.status_code == 200, info.text
            gone = web.post(url, data={**form, "refresh_token": revoked["refresh_token"]})
            assert gone.json() == {"error": "invalid_grant"}
            # the gateway's port changed: the callback URLs follow it
            assert second.gateway_origin != first.gateway_origin
            described = aws_client(second, "cognito-idp").describe_user_pool_client(
                UserPoolId=out["PoolId"], ClientId=out["WebClientId"]
            )["UserPoolClient"]
            assert described["CallbackURLs"][0] == callback(second)
            params = {
                "client_id": out["WebClientId"],
                "response_type": "code",
                "redirect_uri": callback(second),
            }
            answer = web.get(f"{out['DomainUrl']}/oauth2/authorize", params=params)
            assert answer.status_code == 302 and "/login?" in answer.headers["location"]
    finally:
        stop_local_cloud(proc)
