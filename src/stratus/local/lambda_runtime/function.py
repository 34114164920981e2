"""One Lambda function's configuration (one version of it), read from its resolved resource.

Also builds the worker's environment: a clean one (never the host's), holding exactly what
Lambda's runtime sets (Python or Node.js), the function's own credentials, its layers' paths
and its Environment.Variables.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import Principal
from stratus.local.provision.model import Resource
from stratus.local.provision.outputs import rewrite_rest_api_urls

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
NODE_BOOTSTRAP = Path(__file__).with_name("bootstrap.js")
DEFAULT_TIMEOUT_S = 3  # Lambda's defaults
DEFAULT_MEMORY_MB = 128
LATEST = "$LATEST"
LOCAL_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


class UnsupportedRuntimeError(ValueError):
    """A runtime the local cloud cannot run (Java, .NET, Ruby, custom runtimes)."""


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def runtime_family(runtime: str) -> str:
    """'python' or 'node' for the runtimes run locally; UnsupportedRuntimeError otherwise."""
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "node"
    raise UnsupportedRuntimeError(f"runtime {runtime} is not emulated (Python and Node.js are)")


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str  # unqualified
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
    version: str = LATEST
    layers: tuple[str, ...] = ()  # layer version ARNs, in the order Lambda applies them
    # LoggingConfig (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html)
    custom_log_group: str | None = None
    log_format: str = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    dead_letter_arn: str | None = None
    description: str = ""
    architectures: tuple[str, ...] = ("x86_64",)
    ephemeral_storage_mb: int = 512
    tracing_mode: str = "PassThrough"
    last_modified: float = 0.0  # epoch seconds
    inline: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def log_group(self) -> str:
        return self.custom_log_group or f"/aws/lambda/{self.name}"

    @property
    def family(self) -> str:
        return runtime_family(self.runtime)

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.version}"

    @classmethod
    def from_resource(
        cls,
        resource: Resource,
        asset_dir: Path,
        settings: LocalSettings,
        *,
        version: str = LATEST,
        last_modified: float | None = None,
    ) -> FunctionConfig:
        props = resource.properties
        name = resource.physical_id or str(props.get("FunctionName") or resource.logical_id)
        if ":function:" in name:  # a version's resource carries the function's ARN
            name = name.split(":function:", 1)[1].split(":", 1)[0]
        arn = f"arn:aws:lambda:{settings.region}:{settings.account_id}:function:{name}"
        if resource.type == "AWS::Lambda::Function" and resource.attributes.get("Arn"):
            arn = str(resource.attributes["Arn"])
        handler = props.get("Handler")
        if not handler:
            raise ValueError(
                f"{resource.stack}/{resource.logical_id}: Lambda function has no Handler"
            )
        runtime = str(props.get("Runtime") or "python3.11")
        runtime_family(runtime)
        reserved = props.get("ReservedConcurrentExecutions")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        logging_config = props.get("LoggingConfig") or {}
        code = props.get("Code") or {}
        return cls(
            name=name,
            arn=str(arn),
            handler=str(handler),
            runtime=runtime,
            timeout_s=float(props.get("Timeout") or DEFAULT_TIMEOUT_S),
            memory_mb=int(props.get("MemorySize") or DEFAULT_MEMORY_MB),
            asset_dir=Path(asset_dir).resolve(),
            stack=resource.stack,
            logical_id=resource.logical_id,
            role_arn=str(props["Role"]) if props.get("Role") else None,
            reserved_concurrency=None if reserved is None else int(reserved),
            variables={str(k): _env_value(v) for k, v in variables.items()},
            version=version,
            layers=tuple(str(layer) for layer in props.get("Layers") or ()),
            custom_log_group=logging_config.get("LogGroup") or None,
            log_format=str(logging_config.get("LogFormat") or "Text"),
            application_log_level=logging_config.get("ApplicationLogLevel"),
            system_log_level=logging_config.get("SystemLogLevel"),
            dead_letter_arn=(props.get("DeadLetterConfig") or {}).get("TargetArn") or None,
            description=str(props.get("Description") or ""),
            architectures=tuple(props.get("Architectures") or ("x86_64",)),
            ephemeral_storage_mb=int((props.get("EphemeralStorage") or {}).get("Size") or 512),
            tracing_mode=str((props.get("TracingConfig") or {}).get("Mode") or "PassThrough"),
            last_modified=time.time() if last_modified is None else last_modified,
            inline=isinstance(code, dict) and "ZipFile" in code,
            tags={str(t["Key"]): str(t["Value"]) for t in props.get("Tags") or []},
        )


def runtime_version_label(config: FunctionConfig) -> str:
    """What INIT_START names as the runtime version ('python:3.11', 'nodejs:20')."""
    if config.family == "node":
        return f"nodejs:{config.runtime.removeprefix('nodejs').split('.')[0]}"
    return f"python:{config.runtime.removeprefix('python')}"


def new_log_stream_name(version: str = LATEST, now: float | None = None) -> str:
    """Lambda's stream name for a new execution environment: YYYY/MM/DD/[<version>]<32 hex>."""
    day = time.strftime("%Y/%m/%d", time.gmtime(now if now is not None else time.time()))
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def _join(paths: list[str]) -> str:
    return os.pathsep.join(p for p in paths if p)


def xray_environment(settings: LocalSettings) -> dict[str, str]:
    """Where a function's X-Ray SDK sends segments: the local daemon, as Lambda sets these
    for every function (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    A cloud without the X-Ray service sets none (the SDK then has no daemon to reach)."""
    try:
        port = settings.ports.get("xray")
    except AttributeError:
        return {}
    address = f"127.0.0.1:{port}"
    return {
        "AWS_XRAY_DAEMON_ADDRESS": address,
        "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
        "_AWS_XRAY_DAEMON_PORT": str(port),
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }


def worker_environment(
    config: FunctionConfig,
    settings: LocalSettings,
    principal: Principal | None,
    log_stream: str,
    *,
    opt_dir: Path | None = None,
    node_path: tuple[Path, ...] = (),
) -> dict[str, str]:
    """The variables Lambda's runtime sets, then the function's own on top.

    Layers are extracted under /opt on Lambda; here `opt_dir` stands in for /opt, with the
    paths Lambda adds for each runtime
    (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
    """
    task_root = str(config.asset_dir)
    path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    env = {
        "PATH": path,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": "/tmp",
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
        "_HANDLER": config.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": settings.region,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_ENDPOINT_URL": settings.aws_endpoint,
    }
    env.update(xray_environment(settings))
    if settings.lan:
        # `up --lan`: what a function hands a phone (pre-signed URLs) names the HTTPS
        # endpoint, so a web page served over HTTPS may use it (no mixed content).
        env["AWS_ENDPOINT_URL"] = settings.aws_tls_endpoint
        env["AWS_CA_BUNDLE"] = str(settings.ca_pem)
    if config.log_format.upper() == "JSON":
        # Lambda's runtimes switch their log lines to JSON from these two variables.
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        env["AWS_LAMBDA_LOG_LEVEL"] = str(config.application_log_level or "INFO").upper()
    opt = str(opt_dir) if opt_dir is not None else ""
    if opt:
        env["STRATUS_LAMBDA_OPT"] = opt  # where /opt is for this environment
        env["PATH"] = _join([f"{opt}/bin", path])
        env["LD_LIBRARY_PATH"] = f"{opt}/lib"
    if config.family == "node":
        major = config.runtime.removeprefix("nodejs").split(".")[0]
        env["NODE_PATH"] = _join(
            [
                f"{opt}/nodejs/node{major}/node_modules" if opt else "",
                f"{opt}/nodejs/node_modules" if opt else "",
                *(str(p) for p in node_path),
                task_root,
            ]
        )
        if settings.ca_pem.is_file():  # trust the local CA (the HTTPS gateway's)
            env["NODE_EXTRA_CA_CERTS"] = str(settings.ca_pem)
    else:
        # Lambda's sys.path: the task root, then the layers' site-packages, then /opt/python.
        env["PYTHONPATH"] = _join(
            [
                task_root,
                f"{opt}/python/lib/{config.runtime}/site-packages" if opt else "",
                f"{opt}/python" if opt else "",
            ]
        )
        if settings.ca_pem.is_file():
            # The AWS SDKs' CA-bundle variable, so code can trust the local HTTPS gateway
            # (https://docs.aws.amazon.com/sdkref/latest/guide/feature-gen-config.html).
            env["AWS_CA_BUNDLE"] = str(settings.ca_pem)
    if principal is not None:
        env["AWS_ACCESS_KEY_ID"] = principal.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = principal.secret_access_key
        if principal.session_token:
            env["AWS_SESSION_TOKEN"] = principal.session_token
    # A function told another API's URL (`https://{id}.execute-api...`, e.g. a service
    # calling another) reaches that API on the local gateway, as outputs.json does.
    env.update({k: rewrite_rest_api_urls(settings, v) for k, v in config.variables.items()})
    return env
