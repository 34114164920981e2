"""`stratus up` and `stratus down`: run the local cloud in the foreground, stop it by pid."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import typer
from click.core import ParameterSource
from rich.console import Console
from rich.markup import escape

from stratus.cli.reporter import ConsoleReporter
from stratus.cli.stages import DEFAULT_STAGE, stage_ports, stage_state_dir
from stratus.local.core.settings import AWS_PORT, AWS_TLS_PORT, LOOPBACK, LocalSettings, Ports

console = Console(stderr=True)


def project_root(app_dir: Path | None = None) -> Path:
    """The directory holding cdk.json (the CDK app is the one source of truth): `--app DIR`,
    else $STRATUS_PROJECT_ROOT, else the nearest one here or above."""
    if app_dir is not None:
        root = app_dir.resolve()
        if not (root / "cdk.json").is_file():
            raise typer.BadParameter(f"no cdk.json in {root}", param_hint="--app")
        return root
    env = os.environ.get("STRATUS_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "cdk.json").exists():
            return candidate
    raise typer.BadParameter("no cdk.json here or above: run stratus from the project checkout")


def make_settings(
    state_dir: Path | None,
    aws_port: int,
    service_ports: dict[str, int] | None = None,
    app_dir: Path | None = None,
    *,
    lambda_concurrency: int = 1000,
    lambda_workers: int = 0,
    deploy_time_scale: float = 1.0,
    host: str = LOOPBACK,
    iam: bool = True,
    strict_tls: bool = False,
) -> LocalSettings:
    return LocalSettings.for_project(
        project_root(app_dir),
        state_dir,
        host=host,
        ports=Ports(aws=aws_port, **(service_ports or {})),
        lambda_concurrency=lambda_concurrency,
        lambda_workers=lambda_workers,
        deploy_time_scale=deploy_time_scale,
        iam=iam,
        strict_tls=strict_tls,
    )


def _port_option(name: str) -> str:
    return f"{name.replace('_', '-')}_port"


def with_service_port_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add `--<name>-port` for every port an emulated service declares (the registry's
    PortSpecs), so a new service's port is an option without touching the CLI."""
    from stratus.local.core.discovery import service_classes

    specs = [spec for cls in service_classes() for spec in cls.ports]
    signature = inspect.signature(command)
    extra = [
        inspect.Parameter(
            _port_option(spec.name).replace("-", "_"),
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(spec.default, f"--{spec.name}-port", help=f"{spec.purpose} port."),
            annotation=int,
        )
        for spec in specs
    ]
    params = [p for p in signature.parameters.values() if p.name != "service_ports"]

    @functools.wraps(command)
    def wrapper(**options: Any) -> None:
        ports = {
            spec.name: options.pop(_port_option(spec.name).replace("-", "_")) for spec in specs
        }
        command(**options, service_ports=ports)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params, *extra]
    )
    return wrapper


# Context keys with their own `up` options: `-c` may not contradict them.
_OWN_OPTIONS = {"stage": "--stage", "dax": "--dax/--no-dax"}


def parse_context(items: list[str]) -> dict[str, str]:
    """`-c KEY=VALUE` pairs -> CDK context for the synth (the same syntax as `cdk -c`)."""
    context: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise typer.BadParameter(f"context must be KEY=VALUE, got {item!r}", param_hint="-c")
        if key in _OWN_OPTIONS:
            raise typer.BadParameter(
                f"use {_OWN_OPTIONS[key]} rather than -c {key}=...", param_hint="-c"
            )
        context[key] = value
    return context


def up(
    fresh: bool = typer.Option(False, "--fresh", help="Start empty: forget users, items, objects."),
    stage: str = typer.Option(
        DEFAULT_STAGE,
        help="CDK stage to synthesize and serve. Any other stage than `local` is its own "
        "environment beside the others: state in .stratus/stages/<stage>/, its own free ports "
        "(kept in ports.json there; --*-port options win).",
    ),
    dax: bool = typer.Option(
        True, "--dax/--no-dax", help="Serve the read path through the DAX endpoint."
    ),
    app_dir: Path | None = typer.Option(
        None,
        "--app",
        metavar="DIR",
        file_okay=False,
        help="Run the CDK app whose cdk.json is in DIR (any language) instead of this "
        "checkout's; state and outputs.json go to DIR/.stratus unless --state-dir.",
    ),
    systems: list[str] = typer.Option(
        [],
        "--system",
        metavar="NAME",
        help="Serve only this system of the project, repeatable (default: every system).",
    ),
    state_dir: Path | None = typer.Option(
        None, help="Where state lives (default: .stratus/ beside cdk.json)."
    ),
    aws_port: int = typer.Option(AWS_PORT, help="AWS API endpoint port."),
    aws_tls_port: int = typer.Option(
        AWS_TLS_PORT, help="AWS API endpoint port over HTTPS (the local CA's certificate)."
    ),
    lan: bool = typer.Option(
        False,
        "--lan",
        help="Also listen on this machine's LAN address (detected), so a phone on the same "
        "network can use the cloud: URLs, outputs and pre-signed URLs name that address.",
    ),
    lan_ip: str | None = typer.Option(
        None,
        "--lan-ip",
        metavar="ADDRESS",
        help="The LAN address to serve on (implies --lan), e.g. 192.168.1.20.",
    ),
    force_synth: bool = typer.Option(False, help="Synthesize even if the CDK app is unchanged."),
    context: list[str] = typer.Option(
        [],
        "--context",
        "-c",
        metavar="KEY=VALUE",
        help="Extra CDK context for the synth, repeatable (e.g. -c probes=true).",
    ),
    verbose: bool = typer.Option(
        False, "-v", "--verbose", help="Log every request and provisioning step."
    ),
    lambda_concurrency: int = typer.Option(
        1000,
        min=1,
        metavar="N",
        help="Lambda's account concurrency limit (AWS's default 1,000): beyond it, and beyond "
        "a function's reserved concurrency, invocations are throttled as on AWS.",
    ),
    lambda_workers: int = typer.Option(
        0,
        min=0,
        metavar="N",
        help="Lambda worker processes this machine runs at once (0: from its cores and "
        "memory); further invocations wait for one, they are not throttled.",
    ),
    deploy_time_scale: float = typer.Option(
        1.0,
        min=0.001,
        metavar="N",
        help="Run CodeDeploy's traffic shifting N times faster (60: a minute of a canary "
        "or linear deployment lasts a second; hook timeouts shrink alike).",
    ),
    iam: bool = typer.Option(
        True,
        "--iam/--no-iam",
        envvar="STRATUS_IAM",
        help="Evaluate IAM policies on every AWS call, as AWS does (default). --no-iam (or "
        "STRATUS_IAM=off) skips them for a quick spike; signatures are still checked.",
    ),
    strict_tls: bool = typer.Option(
        False,
        "--strict-tls",
        envvar="STRATUS_STRICT_TLS",
        help="aws:SecureTransport is false over plain HTTP even from this machine (by "
        "default the loopback counts as secure, so TLS-only policies let local clients in).",
    ),
    service_ports: dict[str, int] | None = None,
) -> None:
    """Run a CDK app locally (this checkout's systems, or `--app DIR`): AWS endpoint, Lambda,
    API Gateway, DAX. Ctrl-C stops it."""
    from stratus.local.cloud import AlreadyRunningError, LocalCloud, UpOptions, single_instance
    from stratus.local.core.servers import PortInUseError
    from stratus.local.core.state_files import DamagedStateError
    from stratus.local.provision.intrinsics import IntrinsicError
    from stratus.local.provision.project import ProjectError, load_project
    from stratus.local.provision.provisioner import ProvisionError
    from stratus.local.provision.synth import SynthError

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    synth_context = parse_context(context)
    service_ports = {**(service_ports or {}), "aws_tls": aws_tls_port}
    host = _lan_host(lan, lan_ip)
    if stage != DEFAULT_STAGE:
        # Environment cloning: a stage of its own state dir and ports, beside any other.
        state_dir, aws_port, service_ports = _stage_environment(
            stage, state_dir, aws_port, service_ports or {}, app_dir
        )
    settings = make_settings(
        state_dir,
        aws_port,
        service_ports,
        app_dir,
        lambda_concurrency=lambda_concurrency,
        lambda_workers=lambda_workers,
        deploy_time_scale=deploy_time_scale,
        host=host,
        iam=iam,
        strict_tls=strict_tls,
    )
    selected = tuple(dict.fromkeys(systems))
    try:
        # Loaded once here too, so a bad --system fails before anything starts.
        project = load_project(settings.project_root, selected)
    except ProjectError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    reporter = ConsoleReporter(console)
    try:
        with single_instance(settings):
            cloud = LocalCloud(
                settings,
                UpOptions(
                    stage=stage,
                    dax=dax,
                    fresh=fresh,
                    force_synth=force_synth,
                    context=synth_context,
                    app_dir=settings.project_root if app_dir is not None else None,
                    systems=selected,
                ),
                reporter,
            )
            _run(cloud, settings, project)
    except (AlreadyRunningError, PortInUseError, SynthError, ProjectError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except (ProvisionError, IntrinsicError) as exc:
        # A resource the template asks for cannot exist (as AWS would refuse it): the message
        # names the stack, the resource and why; the trace is for -v.
        if verbose:
            traceback.print_exception(exc)
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    except DamagedStateError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(3) from None


def _lan_host(lan: bool, lan_ip: str | None) -> str:
    """The address URLs name: the loopback, or with --lan / --lan-ip the LAN address."""
    from stratus.local.core.lan import LanAddressError, check_lan_address, detect_lan_address

    if not lan and lan_ip is None:
        return LOOPBACK
    try:
        return check_lan_address(lan_ip) if lan_ip is not None else detect_lan_address()
    except LanAddressError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lan-ip") from None


def _explicit(name: str, value: int, default: int) -> bool:
    """Whether a port option was given on the command line (not its default)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and name in ctx.params:
        return ctx.get_parameter_source(name) not in (
            ParameterSource.DEFAULT,
            ParameterSource.DEFAULT_MAP,
        )
    return value != default


def _stage_environment(
    stage: str,
    state_dir: Path | None,
    aws_port: int,
    service_ports: dict[str, int],
    app_dir: Path | None,
) -> tuple[Path, int, dict[str, int]]:
    """State dir and ports of a non-default stage (see `stratus.cli.stages`)."""
    from stratus.local.core.discovery import port_defaults

    if state_dir is None:
        default_dir = LocalSettings.for_project(project_root(app_dir)).state_dir
        state_dir = stage_state_dir(default_dir, stage)
    defaults = {"aws": AWS_PORT, "aws_tls": AWS_TLS_PORT, **port_defaults()}
    values = {"aws": aws_port, **service_ports}
    given = {
        name: port
        for name, port in values.items()
        if _explicit(_port_option(name).replace("-", "_"), port, defaults.get(name, port))
    }
    ports = stage_ports(state_dir.resolve(), list(defaults), given)
    aws = ports.pop("aws")
    return state_dir, aws, ports


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def accept_stop_signals() -> None:
    """Unblock Ctrl-C and `kill`: a blocked signal mask is inherited across exec, so a cloud
    started by a program that had blocked them would ignore both and could only be killed
    (leaving its instances and tasks to the next `up`)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _run(cloud: object, settings: LocalSettings, project: object) -> None:
    from stratus.local.cloud import LocalCloud
    from stratus.local.provision.project import Project

    assert isinstance(cloud, LocalCloud)
    assert isinstance(project, Project)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        accept_stop_signals()
        try:
            instance = await cloud.start()
        except BaseException:
            await cloud.stop()
            raise
        console.print(f"[bold green]stratus is up[/bold green] in {instance.ready_seconds:.1f}s")
        console.print(
            f"  AWS endpoint  {settings.aws_endpoint}   (AWS_ENDPOINT_URL, any credentials)"
        )
        console.print(f"  AWS (HTTPS)   {settings.aws_tls_endpoint}   (CA bundle: the CA below)")
        for name, url in instance.urls:
            console.print(f"  {name:<13} {url}")
        for web_app in project.web_apps(instance.outputs, settings):
            if web_app.directory.is_dir():
                label = web_app.title or "web app"
                url = f"{settings.gateway_origin}{web_app.path.rstrip('/')}/"
                console.print(f"  {label:<13} {url}")
        console.print(f"  outputs       {settings.outputs_json}")
        console.print(f"  CA            {settings.ca_pem}  (trust it, or pass it as the CA bundle)")
        if settings.lan:
            _print_device_access(settings)
        console.print("Ctrl-C to stop.")
        await stop.wait()
        console.print("stopping…")
        await cloud.stop()
        console.print("stopped; state saved.")

    asyncio.run(main())


def _print_device_access(settings: LocalSettings) -> None:
    """What a phone on the same network opens first (`--lan`)."""
    console.print(f"[bold]On a phone[/bold] (same network as {settings.host}):")
    console.print(
        f"  1. trust the CA  http://{settings.host}:{settings.ports.aws}/_stratus/ca"
        "  (plain HTTP: a device can't verify HTTPS before it trusts the CA)"
    )
    console.print(f"  2. web clients   {settings.gateway_origin}/")
    console.print(f"     AWS endpoint  {settings.aws_tls_endpoint}  (or {settings.aws_endpoint})")
    hosts = ", ".join(settings.listen_hosts)
    console.print(f"  Listening on {hosts}; `stratus trust` sets up this machine's clients.")


def down(
    app_dir: Path | None = typer.Option(
        None, "--app", metavar="DIR", file_okay=False, help="The CDK app given to `up --app`."
    ),
    state_dir: Path | None = typer.Option(None, help="State directory of the running cloud."),
    stage: str = typer.Option(DEFAULT_STAGE, help="The stage given to `up --stage`."),
) -> None:
    """Stop a `stratus up` running in another terminal (found as `up` finds its state)."""
    from stratus.local.cloud import read_state_pid

    root = project_root(app_dir)
    if state_dir is None:
        state_dir = stage_state_dir(LocalSettings.for_project(root).state_dir, stage)
    settings = LocalSettings.for_project(root, state_dir)
    pid = read_state_pid(settings)
    if pid is None:
        console.print("stratus up is not running")
        raise typer.Exit(0)
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        console.print(f"no process {pid}: stratus up is not running")
        return
    console.print(f"asked stratus up (pid {pid}) to stop")
