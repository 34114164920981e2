"""`stratus up`: bring the whole local cloud up, keep it running, stop it cleanly.

A loop over the registry of emulated services (`core.discovery`). Order matters: moto state
is restored before the AWS endpoint opens; every service prepares (what provisioning needs);
resources are provisioned through that endpoint (as CloudFormation calls AWS APIs), with
the providers the services declare; each service then starts from what was provisioned.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from botocore.config import Config

from stratus.local.core import endpoints
from stratus.local.core.botocore_data import boto3_session
from stratus.local.core.clock import clock_routes
from stratus.local.core.context import CloudContext, Reporter
from stratus.local.core.registry import EmulatedService
from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, LocalSettings

log = logging.getLogger("stratus.up")
S = TypeVar("S", bound=EmulatedService)
# How long stop waits for cancelled background tasks' own clean-up (an Auto Scaling group
# ends its instances' processes: SIGTERM, SIGKILL after 10 s) before the endpoints close.
BACKGROUND_STOP_TIMEOUT_S = 15.0
__all__ = ["AlreadyRunningError", "LocalCloud", "Reporter", "UpOptions", "single_instance"]


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


def aws_client_factory(settings: LocalSettings, region: str | None = None) -> Callable[[str], Any]:
    """boto3 clients against the local endpoint, root credentials, one per service."""
    session = boto3_session(
        aws_access_key_id=ROOT_ACCESS_KEY_ID,
        aws_secret_access_key=ROOT_SECRET_ACCESS_KEY,
        region_name=region or settings.region,
    )
    config = Config(
        retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}
    )
    cache: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str) -> Any:
        if service not in cache:
            with lock:  # boto3 client creation is not thread-safe
                if service not in cache:
                    cache[service] = session.client(  # type: ignore[call-overload]
                        service, endpoint_url=settings.aws_endpoint, config=config
                    )
        return cache[service]

    return client


def iam_stage(settings: LocalSettings, credentials: Any) -> Any:
    """The AWS endpoint's authorization stage (SigV4 + IAM policies, every service but S3)."""
    from stratus.local.iam.enforce import IamStage

    return IamStage(
        credentials,
        account=settings.account_id,
        enforce_policies=settings.iam,
        strict_tls=settings.strict_tls,
    )


def durable_state(settings: LocalSettings, services: tuple[str, ...]) -> Any:
    """The durable state of `settings.state_dir` (see core.durable); STRATUS_STATE_SYNC=0
    skips fdatasync (writes survive `kill -9` but not a power loss)."""
    from stratus.local.core.durable import DurableState

    snapshot_dir = settings.snapshot_dir
    return DurableState(
        snapshot_dir,
        services,
        tracked=[
            snapshot_dir / "physical_ids.json",
            snapshot_dir / "credentials.json",
            snapshot_dir / "lambda" / "state.json",
            settings.outputs_json,
        ],
        sync=os.environ.get("STRATUS_STATE_SYNC", "1") not in ("0", "off", "false"),
        snapshot_seconds=float(os.environ.get("STRATUS_SNAPSHOT_SECONDS", "30")),
        quiet_seconds=float(os.environ.get("STRATUS_SNAPSHOT_QUIET_SECONDS", "1")),
    )


def wipe_state(settings: LocalSettings) -> None:
    """--fresh: forget every resource and item; keep the CA and keys so trust survives."""
    for path in (settings.snapshot_dir, settings.outputs_json):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


class LocalCloud:
    """A loop over the service registry: prepare, provision, start; stop in reverse."""

    def __init__(self, settings: LocalSettings, options: UpOptions, reporter: Reporter) -> None:
        from stratus.local.core.discovery import create_services

        self.settings = settings
        self.options = options
        self.reporter = reporter
        self.instance = Instance()
        self.services = create_services()
        self.context: CloudContext | None = None
        self._endpoint: Any = None
        self._tls_endpoint: Any = None
        self.state: Any = None  # core.durable.DurableState once start() checked it
        self._stack_times: dict[str, tuple[float, float]] = {}  # first, last provisioning step

    def service(self, kind: type[S]) -> S:
        for candidate in self.services:
            if isinstance(candidate, kind):
                return candidate
        raise LookupError(kind.__name__)

    @property
    def runtime(self) -> Any:
        """The Lambda runtime (benchmarks and tests read its stats)."""
        from stratus.local.lambda_runtime.service import LambdaService

        return self.service(LambdaService).runtime

    @property
    def dax(self) -> Any:
        from stratus.local.dax.service import DaxService

        return self.service(DaxService).app

    @property
    def codes(self) -> Any:
        from stratus.local.cognito.service import CognitoService

        return self.service(CognitoService).codes

    # ------------------------------------------------------------------ start
    async def start(self) -> Instance:
        from stratus.local.cognito.keys import LocalTokenKeys
        from stratus.local.core import ca_page, servers
        from stratus.local.core.front_door import FrontDoor
        from stratus.local.core.hooks import HookTable
        from stratus.local.core.moto_app import MotoApp
        from stratus.local.core.registry import moto_backends_of, ports_of
        from stratus.local.core.tls import ensure_tls
        from stratus.local.iam.credentials import CredentialStore
        from stratus.local.provision.assembly import load_assembly
        from stratus.local.provision.project import load_project
        from stratus.local.provision.synth import synthesize

        began = time.perf_counter()
        s = self.settings
        servers.check_port_free(s.listen_hosts, s.ports.aws, "AWS endpoint")
        servers.check_port_free(s.listen_hosts, s.ports.aws_tls, "AWS endpoint (HTTPS)")
        for spec in ports_of(self.services):
            servers.check_port_free(s.listen_hosts, getattr(s.ports, spec.name), spec.purpose)
        if self.options.fresh:
            wipe_state(s)
        # Every state file is checked before anything reads or writes one: a damaged one
        # stops `up` here (DamagedStateError) with the state left exactly as it was.
        self.state = state = durable_state(s, moto_backends_of(self.services))
        state.check()
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
            hooks = HookTable()
            door = FrontDoor(moto.handle, hooks=hooks)
            self.context = cloud = CloudContext(
                settings=s,
                reporter=self.reporter,
                aws=aws_client_factory(s),
                credentials=CredentialStore(s.snapshot_dir / "credentials.json"),
                keys=LocalTokenKeys(s.keys_dir / "cognito-signing.pem"),
                services=self.services,
                forward_to_moto=door.forward_to_moto,
                aws_endpoint=door.answer,
            )
            hooks.add_paths(clock_routes(cloud.clock))  # /_stratus/clock (core.clock)
            hooks.add_paths([ca_page.endpoint_route(s)])  # the CA for devices, over HTTP
            for service in self.services:
                hooks.add(service.hooks())
                hooks.add_paths(service.paths())
            door.authorize = cloud.iam = iam_stage(s, cloud.credentials)
            if not s.iam:
                self.reporter.warn(
                    "IAM enforcement is OFF (--no-iam / STRATUS_IAM=off): signatures are "
                    "checked, policies are not; AWS would refuse calls this cloud answers"
                )
            # Services patch moto as they prepare (token keys, event exits, validation), so
            # the journal replays after that, with moto as it runs live.
            for service in self.services:
                await service.prepare(cloud)
            recovery = await asyncio.to_thread(state.open, moto.call)
            moto.writes = state
            if recovery.restored or recovery.replayed:
                self.reporter.info(
                    f"restored saved state ({len(recovery.restored)} services from snapshots, "
                    f"{recovery.replayed} journaled writes replayed in {recovery.seconds:.1f}s); "
                    "--fresh starts empty"
                )
            if recovery.mismatches:
                self.reporter.warn(
                    f"{recovery.mismatches} replayed writes answered differently than the "
                    "first time (see the log)"
                )
            self._endpoint = await servers.start_server(
                "aws", door, s.listen_hosts, s.ports.aws, **servers.AWS_ENDPOINT_OPTIONS
            )
            # The same app over HTTPS (the local CA's server certificate): scope["scheme"]
            # is "https" there, which AwsRequest.secure carries to aws:SecureTransport.
            tls = await asyncio.to_thread(ensure_tls, s)
            self._tls_endpoint = await servers.start_server(
                "aws-tls",
                door,
                s.listen_hosts,
                s.ports.aws_tls,
                ssl_certfile=str(tls.cert_pem),
                ssl_keyfile=str(tls.key_pem),
                **servers.AWS_ENDPOINT_OPTIONS,
            )
            cloud.background(state.run(), "state-snapshots")

        with self.reporter.step("Provisioning stacks"):
            cloud.deployment = deployment = await asyncio.to_thread(
                self._provision, load_assembly(s.cdk_out)
            )
        for line in change_lines(deployment):
            self.reporter.info(line)
        for line in system_lines(deployment, self._stack_times):
            self.reporter.info(line)
        self.instance.unsupported = dict(deployment.unsupported)
        for type_name, where in sorted(deployment.unsupported.items()):
            self.reporter.warn(f"not emulated, skipped: {type_name} x{len(where)}")

        from stratus.local.console.app import console_routes
        from stratus.local.gateway.webapps import web_routes
        from stratus.local.provision.outputs import local_urls, write_outputs

        cloud.outputs = self.instance.outputs = write_outputs(s, deployment)
        self.instance.urls = list(local_urls(deployment, s))
        # The project's web apps and OpenAPI documents, served beside the APIs.
        cloud.web_routes = (
            ca_page.gateway_routes(s)
            + console_routes(cloud)
            + web_routes(
                s,
                cloud.outputs,
                self.project.web_apps(cloud.outputs, s),
                self.project.documents(cloud.outputs),
            )
        )
        for service in self.services:
            await service.start(cloud)
        cloud.urls.insert(0, ("console", f"{s.gateway_origin}/console/"))
        # What services serve beyond the outputs (ALB listeners, CloudFront distributions).
        shown = {url for _, url in self.instance.urls}
        self.instance.urls += [(name, url) for name, url in cloud.urls if url not in shown]
        endpoints.write(s)
        from stratus.local.core import heap

        heap.settle()  # start-up's objects out of full GC passes: no 0.5 s stalls under load
        self.instance.ready_seconds = time.perf_counter() - began
        return self.instance

    def _progress(self, stack: str, logical_id: str, type_name: str, action: str) -> None:
        log.info("%s %s/%s (%s)", action, stack, logical_id, type_name)
        now = time.perf_counter()
        first, _ = self._stack_times.get(stack, (now, now))
        self._stack_times[stack] = (first, now)

    def _provision(self, assembly: Any) -> Any:
        """Provision in this (worker) thread; custom resources run functions on the loop."""
        from stratus.local.cloudformation.custom.services import CustomResourceServices
        from stratus.local.cloudformation.service import CloudFormationService
        from stratus.local.core.clients import AwsClients
        from stratus.local.core.registry import providers_of
        from stratus.local.lambda_runtime.service import LambdaService
        from stratus.local.provision.provisioner import PhysicalIdStore, provision

        s = self.settings
        lambdas = self.service(LambdaService)
        services = CustomResourceServices(
            responses=self.service(CloudFormationService).responses,
            on_invalidation=lambda distribution, paths: log.info(
                "invalidation of %s requested: %s", distribution, ", ".join(paths)
            ),
        )

        def invoke(arn: str, payload: bytes) -> Any:
            # The function's role policies come from the deployment in progress.
            if self.context is not None:
                self.context.provisioning = services.deployment
            for service in self.services:  # what the function may reach is ready
                service.wait_provisioned()
            return lambdas.invoke_while_provisioning(services.deployment, arn, payload)

        services.invoke = invoke
        return provision(
            s,
            assembly,
            aws=AwsClients(
                s.aws_endpoint,
                region=s.region,
                account=s.account_id,
                access_key=ROOT_ACCESS_KEY_ID,
                secret_key=ROOT_SECRET_ACCESS_KEY,
            ),
            state=PhysicalIdStore(s.snapshot_dir / "physical_ids.json"),
            on_progress=self._progress,
            services=services,
            providers=providers_of(self.services),
        )

    # ------------------------------------------------------------------- stop
    async def stop(self) -> None:
        """Servers of the services first, then the services (reverse order), then the AWS
        endpoint last: what a service flushes on the way out (logs) still reaches it."""
        from stratus.local.core import servers

        cloud = self.context
        if cloud is not None:
            await servers.stop_servers(list(reversed(cloud.servers)))
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", service.name)
        if cloud is not None:
            for task in cloud.tasks:
                task.cancel()
            if cloud.tasks:  # let their `finally` (a group ending its processes) finish
                await asyncio.wait(cloud.tasks, timeout=BACKGROUND_STOP_TIMEOUT_S)
        endpoints.remove(self.settings)
        await servers.stop_servers([e for e in (self._tls_endpoint, self._endpoint) if e])
        if self.state is not None:
            # Nothing can write now: a last snapshot, so the next start replays little.
            try:
                await asyncio.to_thread(self.state.close)
            except Exception:
                log.exception("saving the state at stop failed; the journal still has it")
            pauses = self.state.stats.pause_summary()
            if pauses:  # the bench reads this line (bench/cloud.py snapshot_pauses)
                self.reporter.info(
                    f"snapshots while running: {pauses['count']:.0f}, writes paused "
                    f"p50 {pauses['p50_ms']:.1f} ms, p99 {pauses['p99_ms']:.1f} ms, "
                    f"max {pauses['max_ms']:.1f} ms; the fork's own CPU p50 "
                    f"{pauses['fork_cpu_p50_ms']:.1f} ms, max {pauses['fork_cpu_max_ms']:.1f} ms"
                )


def change_lines(deployment: Any) -> list[str]:
    """One line per stack: what this run created, updated, replaced, deleted or kept."""
    lines = []
    for stack, changes in sorted(deployment.changes.items()):
        if changes.stack_deleted:
            lines.append(f"{stack}: stack removed ({len(changes.deleted)} resources deleted)")
            continue
        parts = [
            f"{len(items)} {label}"
            for label, items in (
                ("created", changes.created),
                ("updated", changes.updated),
                ("replaced", changes.replaced),
                ("deleted", changes.deleted),
                ("retained", changes.retained),
            )
            if items
        ]
        lines.append(f"{stack}: " + (", ".join(parts) if parts else "unchanged"))
    return lines


SYSTEM_TAG = "stratus:system"  # stack-level tag: the system a stack belongs to
_COUNTED = {
    "AWS::Lambda::Function": "function",
    "AWS::ApiGateway::RestApi": "API",
    "AWS::DynamoDB::Table": "table",
    "AWS::S3::Bucket": "bucket",
    "AWS::SQS::Queue": "queue",
    "AWS::SNS::Topic": "topic",
    "AWS::Lambda::EventSourceMapping": "event source",
}


def system_lines(deployment: Any, stack_times: dict[str, tuple[float, float]]) -> list[str]:
    """Per system (the stacks' `stratus:system` tag; untagged stacks stand alone): what was
    provisioned and how long its stacks took."""
    groups: dict[str, list[Any]] = {}
    for stack in deployment.stacks.values():
        groups.setdefault(stack.tags.get(SYSTEM_TAG) or stack.name, []).append(stack)
    lines = []
    for name, stacks in sorted(groups.items()):
        counts: dict[str, int] = {}
        for stack in stacks:
            for resource in stack.resources.values():
                label = _COUNTED.get(resource.type)
                if label:
                    counts[label] = counts.get(label, 0) + 1
        spans = [stack_times[s.name] for s in stacks if s.name in stack_times]
        seconds = sum(last - first for first, last in spans)
        what = ", ".join(f"{n} {label}{'s' if n != 1 else ''}" for label, n in counts.items())
        stack_word = "stack" if len(stacks) == 1 else "stacks"
        lines.append(
            f"{name}: {len(stacks)} {stack_word}"
            + (f" ({what})" if what else "")
            + f", provisioned in {seconds:.1f}s"
        )
    return lines


def read_state_pid(settings: LocalSettings) -> int | None:
    try:
        text = Path(settings.pid_file).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
