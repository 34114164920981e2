"""AWS_IAM routes of HTTP APIs: full SigV4 (service execute-api) and execute-api:Invoke on
the route ARN from the caller's policies (http-api-access-control-iam.html) — a forged
signature, an expired one, an unknown key or a role without the permission is 403."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from http_rig import ACCOUNT, API_ID, NOW, REGION, HttpRig

from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY
from stratus.local.provision.model import Deployment

ORIGIN = "https://127.0.0.1:4443"
ROUTE_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/POST/items"


def _iam_on_post_items(deployment: Deployment) -> None:
    for res in deployment.resources("AWS::ApiGatewayV2::Route"):
        if res.properties.get("RouteKey") == "POST /items":
            res.properties["AuthorizationType"] = "AWS_IAM"


@pytest.fixture
def iam_rig(tmp_path: Path) -> HttpRig:
    return HttpRig(tmp_path, tweak=_iam_on_post_items)


def _signed(
    path: str, body: bytes, at: float, key: str, secret: str, token: str | None = None
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=ORIGIN + path, data=body)
    when = dt.datetime.fromtimestamp(at, dt.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(key, secret, token), "execute-api", REGION).add_auth(request)
    return dict(request.headers.items())


def _post(rig: HttpRig, headers: dict[str, str], body: bytes = b'{"a":1}') -> Any:
    return rig.request("POST", "/items", content=body, headers=headers)


def test_root_signed_request_passes(iam_rig: HttpRig) -> None:
    body = b'{"a":1}'
    headers = _signed(
        f"/httpapis/{API_ID}/items", body, NOW, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY
    )
    assert _post(iam_rig, headers, body).status_code == 200


def test_unsigned_forged_expired_and_unknown_key_are_403(iam_rig: HttpRig) -> None:
    path = f"/httpapis/{API_ID}/items"
    body = b'{"a":1}'
    cases = {
        "unsigned": {},
        "forged": _signed(path, body, NOW, ROOT_ACCESS_KEY_ID, "not-the-secret"),
        "expired": _signed(path, body, NOW - 3600, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
        "unknown key": _signed(path, body, NOW, "AKIAUNKNOWN000000000", "whatever"),
        "other body": _signed(path, b'{"a":2}', NOW, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
    }
    for what, headers in cases.items():
        resp = _post(iam_rig, headers, body)
        assert resp.status_code == 403, what
        assert iam_rig.lambdas.events == [], what


def test_role_needs_invoke_on_the_route_arn(iam_rig: HttpRig) -> None:
    def principal(resource: str) -> Any:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}
            ],
        }
        return iam_rig.ctx.credentials.issue(
            kind="role",
            role_arn=f"arn:aws:iam::{ACCOUNT}:role/caller",
            policies=[policy],
            ttl_seconds=None,
        )

    path, body = f"/httpapis/{API_ID}/items", b'{"a":1}'
    allowed = principal(ROUTE_ARN)
    other = principal(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/GET/*")
    ok = _signed(path, body, NOW, allowed.access_key_id, allowed.secret_access_key)
    assert _post(iam_rig, ok, body).status_code == 200
    denied = _signed(path, body, NOW, other.access_key_id, other.secret_access_key)
    assert _post(iam_rig, denied, body).status_code == 403
