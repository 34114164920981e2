"""The stage cache's rules beyond the basics in test_gateway_stage.py: per-method overrides,
TTL 0 and the 3600 s limit, who may send `Cache-Control: max-age=0` (full SigV4 and an
`execute-api:InvalidateCache` policy on the method ARN), the unauthorized-header strategies,
flushing and UpdateStage patches."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from auth_rig import arn_of, sign
from gateway_rig import ACCOUNT, API_ID, Rig, stage_props

from stratus.local.gateway.config import MAX_CACHE_TTL
from stratus.local.gateway.stage_cache import PatchError, apply_patch
from stratus.local.provision.model import Deployment

ROLE = f"arn:aws:iam::{ACCOUNT}:role/Refresher"
FRESH = {"Cache-Control": "max-age=0"}


def _counting() -> Any:
    counter = itertools.count(1)
    return lambda event: {"statusCode": 200, "body": json.dumps({"n": next(counter)})}


def _rig(tmp_path: Path, *extra: dict[str, Any], default: dict[str, Any] | None = None) -> Rig:
    def tweak(deployment: Deployment) -> None:
        props = stage_props(deployment)
        base = {"ResourcePath": "/*", "HttpMethod": "*", "CachingEnabled": True}
        props["MethodSettings"] = [base | {"CacheTtlInSeconds": 60} | (default or {}), *extra]

    return Rig(tmp_path, tweak=tweak, handler=_counting())


def _n(rig: Rig, method: str = "GET", path: str = "/public/x", **kw: Any) -> int:
    resp = rig.request(method, path, **kw)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["n"])


def _signer(rig: Rig, statements: list[dict[str, Any]]) -> dict[str, str]:
    principal = rig.ctx.credentials.issue(
        kind="function",
        role_arn=ROLE,
        policies=[{"Version": "2012-10-17", "Statement": statements}],
        ttl_seconds=None,
        subject="refresher",
    )
    return {"key": principal.access_key_id, "secret": principal.secret_access_key}


def _refresh(rig: Rig, creds: dict[str, str] | None = None, path: str = "/public/x") -> Any:
    headers = sign("GET", path, rig.clock.now, headers=FRESH, **(creds or {}))
    return rig.request("GET", path, headers=headers)


# -- settings ----------------------------------------------------------------------------
def test_method_override_disables_caching_for_one_method(tmp_path: Path) -> None:
    rig = _rig(
        tmp_path,
        {"ResourcePath": "/~1public~1{proxy+}", "HttpMethod": "GET", "CachingEnabled": False},
    )
    assert [_n(rig) for _ in range(2)] == [1, 2]


def test_method_override_inherits_the_stage_default_it_does_not_name(tmp_path: Path) -> None:
    # Throttling only: caching and TTL still come from /*/*.
    rig = _rig(
        tmp_path,
        {
            "ResourcePath": "/~1public~1{proxy+}",
            "HttpMethod": "GET",
            "ThrottlingRateLimit": 100,
            "ThrottlingBurstLimit": 50,
        },
    )
    assert [_n(rig) for _ in range(2)] == [1, 1]


def test_ttl_0_disables_caching(tmp_path: Path) -> None:
    rig = _rig(tmp_path, default={"CacheTtlInSeconds": 0})
    assert [_n(rig) for _ in range(2)] == [1, 2]
    assert rig.app.stats.cache_misses == 0


def test_cloudformation_string_booleans_are_read_as_booleans(tmp_path: Path) -> None:
    rig = _rig(tmp_path, default={"CachingEnabled": "false"})
    assert [_n(rig) for _ in range(2)] == [1, 2]


def test_ttl_over_3600_is_held_to_the_limit(tmp_path: Path) -> None:
    rig = _rig(tmp_path, default={"CacheTtlInSeconds": 86400})
    assert rig.app.apis[API_ID].stages["prod"].settings[("/*", "*")].ttl == MAX_CACHE_TTL
    assert _n(rig) == 1
    rig.clock.advance(MAX_CACHE_TTL + 1)
    assert _n(rig) == 2


def test_other_methods_are_cached_only_by_their_own_override(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    assert [_n(rig, "POST") for _ in range(2)] == [1, 2]
    rig = _rig(
        tmp_path,
        {"ResourcePath": "/~1public~1{proxy+}", "HttpMethod": "POST", "CachingEnabled": True},
    )
    assert [_n(rig, "POST") for _ in range(2)] == [1, 1]


# -- max-age=0 ---------------------------------------------------------------------------
def test_root_keys_may_invalidate(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    assert _n(rig) == 1
    assert _refresh(rig).json()["n"] == 2
    assert rig.app.stats.cache_invalidations == 1


def test_a_policy_allowing_invalidate_cache_on_the_method_arn_may_invalidate(
    tmp_path: Path,
) -> None:
    rig = _rig(tmp_path)
    creds = _signer(
        rig,
        [
            {
                "Effect": "Allow",
                "Action": "execute-api:InvalidateCache",
                "Resource": arn_of("GET", "/public/*"),
            }
        ],
    )
    assert _n(rig) == 1
    resp = _refresh(rig, creds)
    assert resp.json()["n"] == 2
    assert "warning" not in resp.headers


@pytest.mark.parametrize(
    "statements",
    [
        [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
        [
            {
                "Effect": "Allow",
                "Action": "execute-api:InvalidateCache",
                "Resource": arn_of("GET", "/other"),
            }
        ],
        [
            {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "execute-api:InvalidateCache", "Resource": "*"},
        ],
    ],
    ids=["other-action", "other-resource", "explicit-deny"],
)
def test_a_caller_without_invalidate_cache_on_the_arn_is_ignored_with_a_warning(
    tmp_path: Path, statements: list[dict[str, Any]]
) -> None:
    rig = _rig(tmp_path)
    creds = _signer(rig, statements)
    assert _n(rig) == 1
    resp = _refresh(rig, creds)
    assert resp.json()["n"] == 1
    assert resp.headers["warning"].startswith("199")
    assert rig.app.stats.cache_invalidations == 0


def test_a_known_key_with_a_bad_signature_may_not_invalidate(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    assert _n(rig) == 1
    headers = sign("GET", "/public/x", rig.clock.now, headers=FRESH, secret="wrong")
    assert rig.request("GET", "/public/x", headers=headers).json()["n"] == 1


def test_fail_with_403_strategy_refuses_an_unauthorized_refresh(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    stage = rig.app.apis[API_ID].stages["prod"]
    apply_patch(stage, "/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403")
    assert _n(rig) == 1
    resp = rig.request("GET", "/public/x", headers=FRESH)
    assert resp.status_code == 403
    assert resp.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert "execute-api:InvalidateCache" in resp.json()["Message"]
    assert _refresh(rig).json()["n"] == 2  # an authorized caller still may


def test_succeed_without_response_header_strategy_adds_nothing(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    stage = rig.app.apis[API_ID].stages["prod"]
    apply_patch(
        stage,
        "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
        "SUCCEED_WITHOUT_RESPONSE_HEADER",
    )
    assert _n(rig) == 1
    resp = rig.request("GET", "/public/x", headers=FRESH)
    assert resp.json()["n"] == 1
    assert "warning" not in resp.headers


def test_without_required_authorization_anyone_may_invalidate(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    stage = rig.app.apis[API_ID].stages["prod"]
    apply_patch(stage, "/*/*/caching/requireAuthorizationForCacheControl", "false")
    assert _n(rig) == 1
    assert rig.request("GET", "/public/x", headers=FRESH).json()["n"] == 2


# -- flush and patches -------------------------------------------------------------------
def test_flush_empties_the_stage_cache(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    assert _n(rig) == 1
    assert rig.app.caches.entries(API_ID, "prod") == 1
    rig.app.caches.flush(API_ID, "prod")
    assert rig.app.caches.entries(API_ID, "prod") == 0
    assert _n(rig) == 2


def test_patches_change_ttl_and_enablement_of_one_method(tmp_path: Path) -> None:
    rig = _rig(tmp_path)
    stage = rig.app.apis[API_ID].stages["prod"]
    apply_patch(stage, "/~1public~1{proxy+}/GET/caching/ttlInSeconds", "5")
    assert _n(rig) == 1
    rig.clock.advance(6)
    assert _n(rig) == 2
    apply_patch(stage, "/~1public~1{proxy+}/GET/caching/enabled", "false")
    assert _n(rig) == 3


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/*/*/caching/ttlInSeconds", "3601"),
        ("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "MAYBE"),
        ("/*/*/logging/loglevel", "INFO"),
    ],
)
def test_bad_patches_are_refused(tmp_path: Path, path: str, value: str) -> None:
    rig = _rig(tmp_path)
    with pytest.raises(PatchError):
        apply_patch(rig.app.apis[API_ID].stages["prod"], path, value)
