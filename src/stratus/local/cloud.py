"""`stratus up`: bring the whole local cloud up, keep it running, stop it cleanly.

Order matters: moto state is restored before the AWS endpoint opens; resources are
provisioned through that endpoint (as CloudFormation calls AWS APIs); the Lambda runtime,
gateway and DAX endpoint then read their configuration from what was provisioned.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import boto3
from botocore.config import Config

from stratus.local.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, LocalSettings

log = logging.getLogger("stratus.up")


class Reporter(Protocol):
    def step(self, title: str) -> contextlib.AbstractContextManager[None]: ...
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...


class AlreadyRunningError(RuntimeError):
    pass


@dataclass
class UpOptions:
    stage: str = "local"
    dax: bool = True
    fresh: bool = False
    force_synth: bool = False
    # Extra CDK context for the synth (`stratus up -c key=value`); stage/dax come from above.
    context: dict[str, str] = field(default_factory=dict)
    # The CDK app to serve (`--app DIR`); None: the project of settings.project_root.
    app_dir: Path | None = None
    # `--system NAME`: serve only these systems of the project (empty: every system).
    systems: tuple[str, ...] = ()


@dataclass
class Instance:
    """What `start` produced, for `stop`, the CLI summary, tests and benchmarks."""

    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    urls: list[tuple[str, str]] = field(default_factory=list)
    unsupported: dict[str, list[str]] = field(default_factory=dict)
    ready_seconds: float = 0.0


@contextlib.contextmanager
def single_instance(settings: LocalSettings) -> Iterator[None]:
    """Hold an exclusive lock on the pid file; a second `up` on the same state says so."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(settings.pid_file, "a+")  # noqa: SIM115 - held for the lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise AlreadyRunningError(
            f"stratus up is already running (pid {pid}) with state in {settings.state_dir}; "
            f"stop it with Ctrl-C in its terminal or `kill {pid}`"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def aws_client_factory(settings: LocalSettings) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id=ROOT_ACCESS_KEY_ID,
        aws_secret_access_key=ROOT_SECRET_ACCESS_KEY,
        region_name=settings.region,
    )
    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}
    )
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(  # type: ignore[call-overload]
                service, endpoint_url=settings.aws_endpoint, config=config
            )
        return cache[service]

    return client


def wipe_state(settings: LocalSettings) -> None:
    """--fresh: forget every resource and item; keep the CA and keys so trust survives."""
    for path in (settings.snapshot_dir, settings.outputs_json):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


class LocalCloud:
    def __init__(self, settings: LocalSettings, options: UpOptions, reporter: Reporter) -> None:
        self.settings = settings
        self.options = options
        self.reporter = reporter
        self.instance = Instance()
        self._servers: list[Any] = []
        self._closers: list[Callable[[], Any]] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self.runtime: Any = None
        self.dax: Any = None
        self.codes: Any = None

    # ------------------------------------------------------------------ start
    async def start(self) -> Instance:
        from stratus.local import servers
        from stratus.local.assembly import load_assembly
        from stratus.local.cognito_codes import ConfirmationCodes
        from stratus.local.cognito_keys import LocalTokenKeys, jwks_interceptor
        from stratus.local.credentials import CredentialStore
        from stratus.local.front_door import FrontDoor
        from stratus.local.moto_app import MotoApp
        from stratus.local.persistence import Snapshotter
        from stratus.local.project import load_project
        from stratus.local.synth import synthesize

        began = time.perf_counter()
        s = self.settings
        ports = {
            "AWS endpoint": s.ports.aws,
            "API gateway": s.ports.gateway,
            "DAX endpoint": s.ports.dax,
        }
        for purpose, port in ports.items():
            servers.check_port_free(s.host, port, purpose)
        if self.options.fresh:
            wipe_state(s)
        s.snapshot_dir.mkdir(parents=True, exist_ok=True)

        context = {
            **self.options.context,
            "stage": self.options.stage,
            "dax": "true" if self.options.dax else "false",
        }
        # [project] synth: the project (a checkout's systems, or any CDK app) decides the app.
        self.project = load_project(self.options.app_dir or s.project_root, self.options.systems)
        with self.reporter.step("Synthesizing the CDK app"):
            fresh_synth = await asyncio.to_thread(
                synthesize,
                self.project,
                s.cdk_out,
                context,
                region=s.region,
                account=s.account_id,
                force=self.options.force_synth,
            )
        if not fresh_synth:
            self.reporter.info(f"CDK app unchanged since last synth: reusing {s.cdk_out}")
        # [/project]

        with self.reporter.step("Starting the AWS API endpoint"):
            moto = MotoApp()
            keys = LocalTokenKeys(s.keys_dir / "cognito-signing.pem")
            keys.install()
            snapshotter = Snapshotter(
                s.snapshot_dir / "moto.pickle", interval_seconds=2.0, moto=moto
            )
            restored = snapshotter.restore()
            if restored:
                self.reporter.info(
                    "restored saved state (users, items, objects); --fresh starts empty"
                )
            credentials = CredentialStore(s.snapshot_dir / "credentials.json")
            door = FrontDoor(moto.handle, on_mutation=snapshotter.mark_dirty)
            self.codes = ConfirmationCodes(
                s.snapshot_dir / "outbox.jsonl",
                door.forward_to_moto,
                announce=lambda user, code: self.reporter.info(
                    f"confirmation code for {user}: {code}"
                ),
            )
            door.interceptors += [jwks_interceptor(keys), self.codes]
            self._servers.append(await servers.start_server("aws", door, s.host, s.ports.aws))
            self._tasks.append(asyncio.create_task(snapshotter.run(), name="snapshotter"))
            self._closers.append(snapshotter.save_now)

        with self.reporter.step("Provisioning stacks"):
            deployment = await asyncio.to_thread(self._provision, load_assembly(s.cdk_out))
        self.instance.unsupported = dict(deployment.unsupported)
        for type_name, where in sorted(deployment.unsupported.items()):
            self.reporter.warn(f"not emulated, skipped: {type_name} x{len(where)}")

        await self._start_services(deployment, credentials, keys, door)
        self.instance.ready_seconds = time.perf_counter() - began
        return self.instance

    def _provision(self, assembly: Any) -> Any:
        from stratus.local.provisioner import PhysicalIdStore, provision

        s = self.settings
        return provision(
            s,
            assembly,
            aws=aws_client_factory(s),
            state=PhysicalIdStore(s.snapshot_dir / "physical_ids.json"),
            on_progress=lambda stack, logical_id, type_name, action: log.info(
                "%s %s/%s (%s)", action, stack, logical_id, type_name
            ),
        )

    async def _start_services(
        self, deployment: Any, credentials: Any, keys: Any, door: Any
    ) -> None:
        from stratus.local import servers
        from stratus.local.contracts import LocalContext
        from stratus.local.dax import build_dax_app, dax_settings_from_deployment
        from stratus.local.gateway import build_gateway_app
        from stratus.local.identity_pool import IdentityPoolService
        from stratus.local.lambda_runtime import CloudWatchLogSink, LambdaRuntime, lambda_api
        from stratus.local.outputs import local_urls, write_outputs
        from stratus.local.provisioner import policies_for_role
        from stratus.local.s3guard import S3Guard
        from stratus.local.tls import ensure_tls
        from stratus.local.webapps import web_routes

        s = self.settings
        aws = aws_client_factory(s)

        def role_policies(arn: str) -> list[dict[str, Any]]:
            return policies_for_role(deployment, arn)

        with self.reporter.step("Starting the Lambda runtime"):
            log_sink = CloudWatchLogSink(lambda: aws("logs"))
            runtime = LambdaRuntime(
                s, credentials, log_sink=log_sink, policies_for_role=role_policies
            )
            for resource in deployment.resources("AWS::Lambda::Function"):
                stack = deployment.stacks[resource.stack]
                asset = resource.metadata.get("aws:asset:path")
                if asset is None or stack.assembly_dir is None:
                    self.reporter.warn(
                        f"{resource.stack}/{resource.logical_id}: no code asset, not runnable"
                    )
                    continue
                runtime.register(resource, stack.assembly_dir / asset)
            self.runtime = runtime
            self._closers.append(runtime.aclose)

        guard = S3Guard(credentials, region=s.region, bucket_cors=_local_bucket_cors(s))
        identity = IdentityPoolService(
            deployment, credentials, keys, region=s.region, policies_for_role=role_policies
        )
        door.interceptors += [lambda_api(runtime), identity, guard]
        door.decorators.append(_s3_cors_decorator(guard))

        outputs = write_outputs(s, deployment)
        self.instance.outputs = outputs
        self.instance.urls = list(local_urls(deployment, s))

        dax_settings = dax_settings_from_deployment(deployment)
        if dax_settings is not None:
            with self.reporter.step("Starting the DAX endpoint"):
                item_ttl, query_ttl = dax_settings
                self.dax = build_dax_app(
                    upstream=s.aws_endpoint, ttl_item_seconds=item_ttl, ttl_query_seconds=query_ttl
                )
                self._servers.append(
                    await servers.start_server("dax", self.dax, s.host, s.ports.dax)
                )
                self._closers.append(self.dax.aclose)

        with self.reporter.step("Starting the API gateway (HTTPS)"):
            tls = await asyncio.to_thread(ensure_tls, s)
            ctx = LocalContext(s, deployment, credentials, runtime, keys)
            # [project] web routes: the project's web apps and OpenAPI documents.
            project = self.project
            routes = web_routes(
                s, outputs, project.web_apps(outputs, s), project.documents(outputs)
            )
            gateway = build_gateway_app(
                ctx, extra_routes=routes, log_sink=_access_log_writer(log_sink)
            )
            self._servers.append(
                await servers.start_server(
                    "gateway",
                    gateway,
                    s.host,
                    s.ports.gateway,
                    ssl_certfile=str(tls.cert_pem),
                    ssl_keyfile=str(tls.key_pem),
                )
            )

    # ------------------------------------------------------------------- stop
    async def stop(self) -> None:
        from stratus.local import servers

        await servers.stop_servers(list(reversed(self._servers)))
        for task in self._tasks:
            task.cancel()
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                result = close()
                if asyncio.iscoroutine(result):
                    await result


def _access_log_writer(sink: Any) -> Callable[[str, str], None]:
    """Stage access logs go to the stage's CloudWatch log group, as API Gateway sends them."""

    def write(destination_arn: str, line: str) -> None:
        # arn:aws:logs:<region>:<account>:log-group:<name>[:*]
        parts = destination_arn.split(":log-group:", 1)
        if len(parts) != 2 or not parts[1]:
            return
        group = parts[1].removesuffix(":*")
        sink.put(group, "local-gateway", [(int(time.time() * 1000), line)])

    return write


def _local_bucket_cors(settings: LocalSettings) -> Callable[[str], list[dict[str, Any]] | None]:
    """Bucket CORS rules with the gateway's default origin mapped to where it really runs.

    The CDK app allows the local web client's origin (https://127.0.0.1:4443); a cloud
    started on other ports (tests, a second checkout) serves that client elsewhere.
    """
    default_origin = f"https://{settings.host}:4443"

    def rules(bucket: str) -> list[dict[str, Any]] | None:
        found = _moto_bucket_cors(bucket)
        if found is None or settings.gateway_origin == default_origin:
            return found
        for rule in found:
            rule["AllowedOrigins"] = [
                settings.gateway_origin if origin == default_origin else origin
                for origin in rule["AllowedOrigins"]
            ]
        return found

    return rules


def _moto_bucket_cors(bucket: str) -> list[dict[str, Any]] | None:
    """The bucket's CORS rules straight from moto's backend (no HTTP round trip per request)."""
    from moto.s3.models import s3_backends

    from stratus.local.settings import ACCOUNT_ID

    try:
        found = s3_backends[ACCOUNT_ID]["aws"].get_bucket(bucket)
    except Exception:
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


def _s3_cors_decorator(guard: Any) -> Callable[[Any, Any], None]:
    def decorate(request: Any, response: Any) -> None:
        origin = request.headers.get("origin")
        if not origin or request.target:
            return
        bucket = request.path.lstrip("/").split("/", 1)[0]
        if not bucket:
            return
        for name, value in guard.cors_response_headers(bucket, origin, request.method).items():
            response.headers[name] = value

    return decorate


def read_state_pid(settings: LocalSettings) -> int | None:
    try:
        text = Path(settings.pid_file).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
