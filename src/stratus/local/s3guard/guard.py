"""The S3 guard: what S3 checks before it touches an object, in front of moto (which checks none).

For each S3 request: authenticate (SigV4 header, pre-signed URL or browser POST policy),
then, when the signer's credentials carry policies (identity-pool users, Lambda roles),
authorise the S3 action with `iam_policy.evaluate`. Anything refused gets S3's own XML
error; anything allowed returns None so moto answers with the untouched request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.decide import judge
from stratus.local.iam.identity import caller_arn, principal_context
from stratus.local.iam.request_context import request_context, secure_transport
from stratus.local.s3guard import cors
from stratus.local.s3guard.actions import Need, UnmappedRequestError, needs_for, split_path
from stratus.local.s3guard.errors import (
    S3Error,
    access_denied,
    error_response,
    unsupported_auth,
)
from stratus.local.s3guard.post_policy import parse_form, verify_post
from stratus.local.s3guard.sigv4 import verify_header_signed, verify_presigned

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# First path segments on the AWS endpoint that belong to other services or to moto itself.
_NOT_BUCKETS = {
    "moto-api",
    "restapis",
    "2015-03-31",
    "2014-11-13",
    "2016-08-19",
    "2017-03-31",
    "2018-10-31",
}


_S3_ARN = "arn:aws:s3:::"


class S3Guard:
    """AwsInterceptor for S3. `bucket_exists` narrows unsigned requests to real buckets."""

    def __init__(
        self,
        credentials: CredentialStore,
        *,
        region: str,
        clock: Callable[[], float] = time.time,
        bucket_cors: Callable[[str], list[dict[str, Any]] | None] = lambda b: None,
        bucket_exists: Callable[[str], bool] | None = None,
        enforce_policies: bool = True,
        strict_tls: bool = False,
        bucket_policy: Callable[[str], dict[str, Any] | None] = lambda b: None,
    ) -> None:
        self._credentials = credentials
        self._region = region
        self._clock = clock
        self._bucket_cors = bucket_cors
        self._bucket_exists = bucket_exists
        # `stratus up --no-iam`: signatures are still checked, policies are not.
        self._enforce_policies = enforce_policies
        self._strict_tls = strict_tls
        self._bucket_policy = bucket_policy

    async def __call__(self, request: AwsRequest) -> Response | None:
        if not self.is_s3_request(request):
            return None
        try:
            if request.method == "OPTIONS" and "authorization" not in request.headers:
                return self.cors_preflight(request)
            self._check(request)
        except S3Error as error:
            return error_response(error)
        return None

    # Which requests are S3's ---------------------------------------------------------------
    def is_s3_request(self, request: AwsRequest) -> bool:
        service = request.signing_service
        if service is not None:
            return service == "s3"
        if request.target or "authorization" in request.headers:
            return False  # JSON protocol (X-Amz-Target) or a signature scheme of another kind
        content_type = request.headers.get("content-type", "")
        if (
            content_type.startswith("application/x-www-form-urlencoded")
            and b"Action=" in request.body
        ):
            return False  # query protocol (SQS, SNS, STS, ...)
        bucket, _ = split_path(request.path)
        if not _BUCKET_NAME.match(bucket) or bucket in _NOT_BUCKETS:
            return False
        if request.method == "POST" and content_type.startswith("multipart/form-data"):
            return True  # browser POST upload
        return self._bucket_exists is None or self._bucket_exists(bucket)

    # Authentication and authorisation ------------------------------------------------------
    def _check(self, request: AwsRequest) -> None:
        now = self._clock()
        bucket, _ = split_path(request.path)
        content_type = request.headers.get("content-type", "")
        if request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256"):
            principal = verify_header_signed(
                request, self._credentials, region=self._region, now=now
            )
            needs = self._needs(request)
        elif request.headers.get("authorization") or request.query_value("AWSAccessKeyId"):
            raise unsupported_auth()  # SigV2, refused as S3 does in SigV4-only regions
        elif request.query_value("X-Amz-Algorithm") or request.query_value("X-Amz-Credential"):
            principal = verify_presigned(request, self._credentials, region=self._region, now=now)
            needs = self._needs(request)
        elif request.method == "POST" and content_type.startswith("multipart/form-data") and bucket:
            form = parse_form(request.body, content_type)
            principal, key = verify_post(
                form, bucket, self._credentials, region=self._region, now=now
            )
            needs = [Need("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")]
        else:
            raise access_denied()  # anonymous: Block Public Access is on for every local bucket
        if principal.policies is not None and self._enforce_policies:
            self._authorize(principal, needs, request, now)

    def _needs(self, request: AwsRequest) -> list[Need]:
        try:
            return needs_for(request)
        except UnmappedRequestError as exc:
            raise access_denied(
                f"The local S3 guard cannot authorise this request ({exc})"
            ) from None

    def _authorize(
        self, principal: Principal, needs: list[Need], request: AwsRequest, now: float
    ) -> None:
        assert principal.policies is not None
        base = request_context(
            principal,
            now=now,
            client_host=request.client_host,
            secure=secure_transport(
                scheme=request.scheme,
                client_host=request.client_host,
                strict_tls=self._strict_tls,
            ),
            region=self._region,
        )
        # Who, as iam/identity.py names each kind of caller (user, role session, root).
        base.update(principal_context(principal))
        caller = caller_arn(principal)
        for need in needs:
            # The caller's policies and the bucket's policy, combined as for any resource
            # policy (iam/decide.py): a bucket policy's Deny refuses, its Allow grants.
            bucket = (
                need.resource.removeprefix(_S3_ARN).split("/", 1)[0]
                if need.resource.startswith(_S3_ARN)
                else ""
            )
            why = judge(
                principal,
                caller,
                need.action,
                need.resource,
                {**base, **need.context},
                self._bucket_policy(bucket) if bucket else None,
                account=ACCOUNT_ID,
            )
            if why is not None:
                raise access_denied(
                    f"User: {caller} is not authorized to perform: {need.action} "
                    f'on resource: "{need.resource}" {why}'
                )

    # CORS -----------------------------------------------------------------------------------
    def cors_preflight(self, request: AwsRequest) -> Response | None:
        if request.method != "OPTIONS" or not split_path(request.path)[0]:
            return None
        return cors.preflight(request, self._bucket_cors)

    def cors_response_headers(self, bucket: str, origin: str | None, method: str) -> dict[str, str]:
        return cors.response_headers(self._bucket_cors, bucket, origin, method)
