"""Where `stratus blog` finds the blog: the stack outputs `stratus up` (or `cdk deploy`) wrote.

Same lookup as `stratus todo` (`$STRATUS_OUTPUTS`, else the nearest `.stratus/outputs.json`;
the CA beside it; Cognito at the local endpoint when the API is on loopback), reading the
stack that has `BlogApiUrl`.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from stratus.cli.todo.settings import (
    _LOOPBACK,
    CA_BUNDLE_ENV,
    ENDPOINT_ENV,
    LOCAL_AWS_ENDPOINT,
    SettingsError,
    find_outputs,
)

API_URL_OUTPUT = "BlogApiUrl"


@dataclass(frozen=True)
class BlogSettings:
    api_url: str  # ends with "/"
    region: str
    client_id: str
    ca_bundle: Path | None
    aws_endpoint: str | None  # Cognito and S3; None on AWS
    upload_bucket: str | None = None
    site_url: str | None = None

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What httpx's `verify` wants: a context trusting the local CA, or the system store."""
        return ssl.create_default_context(cafile=str(self.ca_bundle)) if self.ca_bundle else True


def blog_outputs(outputs: Mapping[str, object]) -> Mapping[str, str]:
    for stack in outputs.values():
        if isinstance(stack, Mapping) and API_URL_OUTPUT in stack:
            return stack
    raise SettingsError(f"no stack output named {API_URL_OUTPUT}: is the blog stack deployed?")


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> BlogSettings:
    env = os.environ if env is None else env
    path = find_outputs(env, cwd or Path.cwd())
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    stack = blog_outputs(data)
    if "BlogUserPoolClientId" not in stack:
        raise SettingsError(f"{path} lacks BlogUserPoolClientId")
    api_url = str(stack[API_URL_OUTPUT])
    ca: Path | None
    if env.get(CA_BUNDLE_ENV):
        ca = Path(env[CA_BUNDLE_ENV])
        if not ca.is_file():
            raise SettingsError(f"{CA_BUNDLE_ENV} names {ca}, which is not a file")
    else:
        beside = path.parent / "ca.pem"
        ca = beside if beside.is_file() else None
    endpoint = env.get(ENDPOINT_ENV) or (
        LOCAL_AWS_ENDPOINT if urlparse(api_url).hostname in _LOOPBACK else None
    )
    return BlogSettings(
        api_url=api_url.rstrip("/") + "/",
        region=stack.get("BlogRegion") or env.get("AWS_REGION") or "us-east-1",
        client_id=stack["BlogUserPoolClientId"],
        ca_bundle=ca,
        aws_endpoint=endpoint,
        upload_bucket=stack.get("PhotoUploadBucketName"),
        site_url=stack.get("SiteUrl"),
    )
