"""Where the local cloud listens and keeps its state. One place, so every part agrees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
# Credentials every local client may use (the AWS CLI, tests, the Lambda runtime's default).
ROOT_ACCESS_KEY_ID = "test"
ROOT_SECRET_ACCESS_KEY = "test"


AWS_PORT = 4566  # the AWS API endpoint (plain HTTP, like every local AWS emulator)
# The same endpoint over HTTPS (local CA): for clients that insist on TLS (Amplify Storage's
# custom endpoint) and for `aws:SecureTransport`-conditioned policies.
AWS_TLS_PORT = 4567
LOOPBACK = "127.0.0.1"


class Ports:
    """Ports by name: `aws` and `aws_tls` (the AWS endpoint over HTTP and HTTPS, part of the
    core) and one per port an emulated service declares (`PortSpec`: `gateway`, `dax`, ...).
    A port not given here is that declaration's default."""

    def __init__(self, aws: int = AWS_PORT, aws_tls: int = AWS_TLS_PORT, **named: int) -> None:
        self._values = {
            "aws": int(aws),
            "aws_tls": int(aws_tls),
            **{k: int(v) for k, v in named.items()},
        }

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name: str) -> int:
        if name in self._values:
            return self._values[name]
        from stratus.local.core.discovery import port_defaults

        defaults = port_defaults()
        if name not in defaults:
            raise AttributeError(f"no port named {name!r} (known: {', '.join(sorted(defaults))})")
        return defaults[name]

    def items(self) -> list[tuple[str, int]]:
        return sorted(self._values.items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ports) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        return f"Ports({', '.join(f'{k}={v}' for k, v in self.items())})"


@dataclass(frozen=True)
class LocalSettings:
    """Everything a part of the local cloud needs to know about where it runs."""

    project_root: Path
    state_dir: Path
    # The address every URL names (outputs, pre-signed URLs, web clients' config). It is
    # the loopback unless `stratus up --lan` names the machine's LAN address, so a phone on
    # the same network can reach the cloud: then servers listen there and on the loopback.
    host: str = LOOPBACK
    ports: Ports = field(default_factory=Ports)
    region: str = REGION
    account_id: str = ACCOUNT_ID
    # Lambda's account concurrency limit (AWS's default: 1,000), and how many Lambda worker
    # processes this machine runs at once (0: derived from its cores and memory).
    lambda_concurrency: int = 1000
    lambda_workers: int = 0
    # CodeDeploy's minutes divided by this (60: a minute of a canary lasts a second).
    deploy_time_scale: float = 1.0
    # IAM policies evaluated on every AWS call (`stratus up --no-iam` / STRATUS_IAM=off: not;
    # signatures are still checked), and aws:SecureTransport false over plain HTTP even from
    # the loopback (`--strict-tls` / STRATUS_STRICT_TLS=1).
    iam: bool = True
    strict_tls: bool = False

    @classmethod
    def for_project(
        cls, project_root: Path, state_dir: Path | None = None, **kw: object
    ) -> LocalSettings:
        root = project_root.resolve()
        return cls(project_root=root, state_dir=(state_dir or root / ".stratus").resolve(), **kw)  # type: ignore[arg-type]

    @property
    def lan(self) -> bool:
        """Whether the cloud is served on an address besides 127.0.0.1 (`stratus up --lan`;
        tests name another loopback address, 127.0.0.2, as the "LAN" one)."""
        return self.host not in (LOOPBACK, "localhost")

    @property
    def listen_hosts(self) -> tuple[str, ...]:
        """Where servers a device may use listen: the loopback, and the LAN address too
        with `--lan` (never 0.0.0.0: other interfaces stay closed)."""
        return (LOOPBACK, self.host) if self.lan else (self.host,)

    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.host}:{self.ports.aws}"

    @property
    def aws_tls_endpoint(self) -> str:
        """The AWS endpoint over HTTPS, with the server certificate of the local CA."""
        return f"https://{self.host}:{self.ports.aws_tls}"

    @property
    def gateway_origin(self) -> str:
        return f"https://{self.host}:{self.ports.gateway}"

    @property
    def dax_endpoint(self) -> str:
        return f"http://{self.host}:{self.ports.dax}"

    # Files under the state directory -------------------------------------------------
    @property
    def ca_pem(self) -> Path:
        return self.state_dir / "ca.pem"

    @property
    def ca_bundle(self) -> Path:
        """The system's CA bundle plus the local CA (`stratus trust`): a bundle given to
        SSL_CERT_FILE / REQUESTS_CA_BUNDLE / AWS_CA_BUNDLE replaces the system store."""
        return self.state_dir / "ca-bundle.pem"

    @property
    def outputs_json(self) -> Path:
        return self.state_dir / "outputs.json"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "up.pid"

    @property
    def snapshot_dir(self) -> Path:
        return self.state_dir / "state"

    @property
    def keys_dir(self) -> Path:
        return self.state_dir / "keys"

    @property
    def cdk_out(self) -> Path:
        return self.state_dir / "cdk.out"


def rest_api_url(settings: LocalSettings, api_id: str, stage: str) -> str:
    """Where the local gateway serves a RestApi stage (AWS: https://{id}.execute-api.../{stage}/)."""
    return f"{settings.gateway_origin}/restapis/{api_id}/{stage}/"


def http_api_url(settings: LocalSettings, api_id: str, stage: str = "$default") -> str:
    """Where the local gateway serves an HTTP API stage: the path after /httpapis/{apiId} is
    the one AWS serves at https://{apiId}.execute-api.{region}.amazonaws.com, so the $default
    stage has no stage segment."""
    base = f"{settings.gateway_origin}/httpapis/{api_id}/"
    return base if stage == "$default" else f"{base}{stage}/"
