"""S3 as an emulated service: moto's S3 behind the S3 guard (signatures, policies, CORS)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.core.settings import ACCOUNT_ID, LOOPBACK, LocalSettings
from stratus.local.delivery.service import DeliveryService
from stratus.local.provision.provider import Provider
from stratus.local.s3guard import notifications
from stratus.local.s3guard.guard import S3Guard
from stratus.local.s3guard.notifications import S3Notifier
from stratus.local.s3guard.providers import BucketPolicyProvider, BucketProvider


class S3Service(EmulatedService):
    name = "s3"
    order = 20
    moto_backends = ("s3",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::S3::Bucket": BucketProvider(),
        "AWS::S3::BucketPolicy": BucketPolicyProvider(),
    }

    def __init__(self) -> None:
        self.guard: S3Guard | None = None
        self.notifier: S3Notifier | None = None

    def hooks(self) -> Iterable[Hook]:
        async def check(call: AwsCall) -> Response | None:
            # Provisioning (before start) runs with root credentials, unguarded.
            return None if self.guard is None else await self.guard(call.request)

        async def cors_headers(call: AwsCall, response: Response) -> None:
            if self.guard is not None:
                add_cors_headers(self.guard, call, response)

        async def delete_markers(call: AwsCall, response: Response) -> None:
            if self.notifier is not None:
                await self.notifier.delete_marker_hook(moto_bucket)(call, response)

        return [
            Hook("s3", None, before=check, after=cors_headers),
            Hook("s3", "DeleteObject", after=delete_markers),
            Hook("s3", "DeleteObjects", after=delete_markers),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        delivery = cloud.service(DeliveryService)
        assert delivery.targets is not None
        self.notifier = S3Notifier(delivery.outbox, delivery.targets)
        notifications.install(self.notifier)

    async def start(self, cloud: CloudContext) -> None:
        self.guard = S3Guard(
            cloud.credentials,
            region=cloud.settings.region,
            bucket_cors=local_bucket_cors(cloud.settings),
            enforce_policies=cloud.settings.iam,
            strict_tls=cloud.settings.strict_tls,
            bucket_policy=moto_bucket_policy,
        )


def add_cors_headers(guard: S3Guard, call: AwsCall, response: Response) -> None:
    request = call.request
    origin = request.headers.get("origin")
    if not origin or request.target:
        return
    bucket = request.path.lstrip("/").split("/", 1)[0]
    if not bucket:
        return
    for name, value in guard.cors_response_headers(bucket, origin, request.method).items():
        response.headers[name] = value


def local_bucket_cors(settings: LocalSettings) -> Callable[[str], list[dict[str, Any]] | None]:
    """Bucket CORS rules with the gateway's default origin mapped to where it really runs.

    A CDK app may allow the local gateway's default origin (https://127.0.0.1:4443); a cloud
    started on other ports (tests, a second checkout) serves its web apps elsewhere, and
    one started with `--lan` at the LAN address.
    """
    default_origin = f"https://{LOOPBACK}:4443"

    def rules(bucket: str) -> list[dict[str, Any]] | None:
        found = moto_bucket_cors(bucket)
        if found is None or settings.gateway_origin == default_origin:
            return found
        for rule in found:
            rule["AllowedOrigins"] = [
                settings.gateway_origin if origin == default_origin else origin
                for origin in rule["AllowedOrigins"]
            ]
        return found

    return rules


def moto_bucket(name: str) -> Any:
    """The bucket object in moto's backend, or None: read directly on hot paths (every S3
    response to a browser, every delete), so no HTTP round trip per request."""
    from moto.s3.models import s3_backends

    try:
        return s3_backends[ACCOUNT_ID]["aws"].get_bucket(name)
    except Exception:
        return None


def moto_bucket_policy(bucket: str) -> dict[str, Any] | None:
    """The bucket's policy (PutBucketPolicy, AWS::S3::BucketPolicy) from moto's backend,
    parsed once per policy text; moto's own check of it is switched off (the guard's is the
    one that runs)."""
    found = moto_bucket(bucket)
    raw = getattr(found, "policy", None) if found is not None else None
    return _parsed_policy(bytes(raw)) if raw else None


@functools.lru_cache(maxsize=128)
def _parsed_policy(raw: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def moto_bucket_cors(bucket: str) -> list[dict[str, Any]] | None:
    """The bucket's CORS rules, from moto's backend."""
    found = moto_bucket(bucket)
    if found is None:
        return None
    rules = []
    for rule in getattr(found, "cors", []) or []:
        rules.append(
            {
                "AllowedOrigins": list(rule.allowed_origins or []),
                "AllowedMethods": list(rule.allowed_methods or []),
                "AllowedHeaders": list(rule.allowed_headers or []),
                "ExposeHeaders": list(rule.exposed_headers or []),
                "MaxAgeSeconds": rule.max_age_seconds,
            }
        )
    return rules


SERVICES = [S3Service]
