"""One Lambda function's configuration, read from its resolved template resource.

Also builds the worker's environment: a clean one (never the host's), holding exactly what
Lambda's Python runtime sets, the function's own credentials and its Environment.Variables.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.credentials import Principal
from stratus.local.model import Resource
from stratus.local.settings import LocalSettings

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
DEFAULT_TIMEOUT_S = 3  # Lambda's defaults
DEFAULT_MEMORY_MB = 128


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    handler: str
    runtime: str
    timeout_s: float
    memory_mb: int
    asset_dir: Path
    stack: str = ""
    logical_id: str = ""
    role_arn: str | None = None
    reserved_concurrency: int | None = None
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @classmethod
    def from_resource(
        cls, resource: Resource, asset_dir: Path, settings: LocalSettings
    ) -> FunctionConfig:
        props = resource.properties
        name = resource.physical_id or str(props.get("FunctionName") or resource.logical_id)
        arn = resource.attributes.get("Arn") or (
            f"arn:aws:lambda:{settings.region}:{settings.account_id}:function:{name}"
        )
        handler = props.get("Handler")
        if not handler:
            raise ValueError(
                f"{resource.stack}/{resource.logical_id}: Lambda function has no Handler"
            )
        reserved = props.get("ReservedConcurrentExecutions")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        return cls(
            name=name,
            arn=str(arn),
            handler=str(handler),
            runtime=str(props.get("Runtime") or "python3.11"),
            timeout_s=float(props.get("Timeout") or DEFAULT_TIMEOUT_S),
            memory_mb=int(props.get("MemorySize") or DEFAULT_MEMORY_MB),
            asset_dir=Path(asset_dir).resolve(),
            stack=resource.stack,
            logical_id=resource.logical_id,
            role_arn=str(props["Role"]) if props.get("Role") else None,
            reserved_concurrency=None if reserved is None else int(reserved),
            variables={str(k): _env_value(v) for k, v in variables.items()},
        )


def new_log_stream_name(now: float | None = None) -> str:
    """Lambda's stream name for a new execution environment: YYYY/MM/DD/[$LATEST]<32 hex>."""
    day = time.strftime("%Y/%m/%d", time.gmtime(now if now is not None else time.time()))
    return f"{day}/[$LATEST]{secrets.token_hex(16)}"


def worker_environment(
    config: FunctionConfig,
    settings: LocalSettings,
    principal: Principal | None,
    log_stream: str,
) -> dict[str, str]:
    """The variables Lambda's python3.11 runtime sets, then the function's own on top."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": "/tmp",
        "PYTHONPATH": str(config.asset_dir),
        "LAMBDA_TASK_ROOT": str(config.asset_dir),
        "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
        "_HANDLER": config.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": settings.region,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_ENDPOINT_URL": settings.aws_endpoint,
    }
    if principal is not None:
        env["AWS_ACCESS_KEY_ID"] = principal.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = principal.secret_access_key
        if principal.session_token:
            env["AWS_SESSION_TOKEN"] = principal.session_token
    env.update(config.variables)
    return env
