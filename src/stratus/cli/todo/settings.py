"""Where the CLI finds the to-do API: the stack outputs the local cloud (or `cdk deploy`) wrote.

One lookup order, so the CLI, the tests and the docs agree:
outputs path = `$STRATUS_OUTPUTS`, else the nearest `.stratus/outputs.json` from the cwd up;
CA bundle = `$STRATUS_CA_BUNDLE`, else `ca.pem` next to outputs.json, else the system store;
Cognito endpoint = `$AWS_ENDPOINT_URL`, else the running local cloud's (its endpoints.json
beside outputs.json) when the API is on its host (`up --lan`: the LAN address), else the
default local one when the API is on loopback, else none (real AWS).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

OUTPUTS_ENV = "STRATUS_OUTPUTS"
CA_BUNDLE_ENV = "STRATUS_CA_BUNDLE"
ENDPOINT_ENV = "AWS_ENDPOINT_URL"
LOCAL_AWS_ENDPOINT = "http://127.0.0.1:4566"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SettingsError(Exception):
    """The outputs are missing or incomplete; the message says what to do."""


@dataclass(frozen=True)
class TodoSettings:
    api_url: str
    region: str
    user_pool_id: str
    client_id: str
    ca_bundle: Path | None
    cognito_endpoint: str | None
    identity_pool_id: str | None = None
    bucket: str | None = None
    hosted_ui_url: str | None = None  # the user pool domain (UserPoolDomain output)

    @property
    def verify(self) -> str | bool:
        """What httpx's `verify` wants: the local CA's path, or the system store."""
        return str(self.ca_bundle) if self.ca_bundle else True


def find_outputs(env: Mapping[str, str], cwd: Path) -> Path:
    if env.get(OUTPUTS_ENV):
        return Path(env[OUTPUTS_ENV])
    for folder in (cwd, *cwd.parents):
        candidate = folder / ".stratus" / "outputs.json"
        if candidate.is_file():
            return candidate
    raise SettingsError("no .stratus/outputs.json found: run `stratus up` (or set STRATUS_OUTPUTS)")


def todo_outputs(outputs: Mapping[str, object]) -> Mapping[str, str]:
    """The stack whose outputs hold `TodoApiUrl` (its name differs between local and AWS)."""
    for stack in outputs.values():
        if isinstance(stack, Mapping) and "TodoApiUrl" in stack:
            return stack
    raise SettingsError("no stack output named TodoApiUrl: is the todo stack deployed?")


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> TodoSettings:
    env = os.environ if env is None else env
    path = find_outputs(env, cwd or Path.cwd())
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    stack = todo_outputs(data)
    missing = [k for k in ("UserPoolId", "UserPoolClientId") if k not in stack]
    if missing:
        raise SettingsError(f"{path} lacks {', '.join(missing)}")
    api_url = stack["TodoApiUrl"]
    ca: Path | None
    if env.get(CA_BUNDLE_ENV):
        ca = Path(env[CA_BUNDLE_ENV])
        if not ca.is_file():
            raise SettingsError(f"{CA_BUNDLE_ENV} names {ca}, which is not a file")
    else:
        beside = path.parent / "ca.pem"
        ca = beside if beside.is_file() else None
    endpoint = env.get(ENDPOINT_ENV) or _local_endpoint(path.parent, api_url)
    return TodoSettings(
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        region=stack.get("Region") or env.get("AWS_REGION") or "us-east-1",
        user_pool_id=stack["UserPoolId"],
        client_id=stack["UserPoolClientId"],
        ca_bundle=ca,
        cognito_endpoint=endpoint,
        identity_pool_id=stack.get("IdentityPoolId"),
        bucket=stack.get("UserFilesBucketName"),
        hosted_ui_url=stack.get("UserPoolDomain"),
    )


def _local_endpoint(state_dir: Path, api_url: str) -> str | None:
    """The AWS endpoint of the local cloud that serves `api_url`, if it is a local one."""
    host = urlparse(api_url).hostname
    try:
        recorded = json.loads((state_dir / "endpoints.json").read_text())
        aws = str(recorded["aws"])
    except (OSError, ValueError, KeyError, TypeError):
        aws = ""
    if aws and urlparse(aws).hostname == host:
        return aws
    return LOCAL_AWS_ENDPOINT if host in _LOOPBACK else None
