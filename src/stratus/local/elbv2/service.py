"""Elastic Load Balancing v2 as an emulated service: Application Load Balancers that run.

moto keeps the resources (load balancers, listeners, rules, target groups and their
registered targets: RegisterTargets / DeregisterTargets reach moto as on AWS, from a
template's `Targets`, a user or the local ECS). After provisioning, each listener is
served on a local port (`names`) by `proxy.ListenerApp` over the local HTTP(S) stack,
HTTPS listeners with certificates from the local CA (`certs`); every registered target is
health checked (`checks`). Hooks keep the targets in step with moto: after RegisterTargets
a target starts `initial`; after DeregisterTargets it drains for the group's
deregistration delay; DescribeTargetHealth is answered from the local health states (with
AWS's reason codes); DescribeLoadBalancers shows the local DNS names. DeregisterTargets of
targets none of which is registered succeeds, as on AWS ("If the specified target does not
exist, the action returns successfully",
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeregisterTargets.html;
moto raises InvalidTarget).

Not emulated, named at start: authenticate-cognito/oidc actions (skipped, the final action
runs), `lambda` and `alb` target types (`instance` targets are served when the local Auto
Scaling runner runs the instance: `targets.INSTANCE_ADDRESSES`; others fail their health
checks), rules or listeners created by API calls after
`up` (the templates are the source of truth), WebSockets, stickiness, slow start and
algorithms other than round robin. moto keeps one registration per target id, so the
same IP cannot be registered twice on different ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar
from xml.sax.saxutils import escape

import httpcore
from starlette.responses import Response

from stratus.local.core import servers
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PortSpec
from stratus.local.elbv2 import config
from stratus.local.elbv2.certs import SniCertificates, issue_listener_certificate
from stratus.local.elbv2.checks import HealthChecks
from stratus.local.elbv2.metrics import AlbMetrics
from stratus.local.elbv2.names import local_dns_name
from stratus.local.elbv2.providers import PROVIDERS
from stratus.local.elbv2.proxy import ListenerApp
from stratus.local.elbv2.targets import Target, TargetGroup
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.elbv2")
DEFAULT_PORT = 4700
NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"


def form_targets(form: Mapping[str, str]) -> list[tuple[str, int | None]]:
    """`Targets.member.N.Id` / `.Port` of a query-protocol request, in order."""
    found: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = re.fullmatch(r"Targets\.member\.(\d+)\.(Id|Port)", key)
        if match:
            found.setdefault(int(match[1]), {})[match[2]] = value
    return [
        (item["Id"], int(item["Port"]) if item.get("Port") else None)
        for _, item in sorted(found.items())
        if item.get("Id")
    ]


def target_health_xml(rows: Iterable[Any]) -> str:
    members = []
    for row in rows:
        health = f"<State>{row.state}</State>"
        if row.reason:
            health += f"<Reason>{escape(row.reason)}</Reason>"
        if row.description:
            health += f"<Description>{escape(row.description)}</Description>"
        members.append(
            "<member>"
            f"<Target><Id>{escape(row.id)}</Id><Port>{row.port}</Port></Target>"
            f"<HealthCheckPort>{escape(row.health_check_port)}</HealthCheckPort>"
            f"<TargetHealth>{health}</TargetHealth>"
            "</member>"
        )
    return (
        f'<DescribeTargetHealthResponse xmlns="{NS}"><DescribeTargetHealthResult>'
        f"<TargetHealthDescriptions>{''.join(members)}</TargetHealthDescriptions>"
        "</DescribeTargetHealthResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</DescribeTargetHealthResponse>"
    )


def _xml(body: str) -> Response:
    return Response(body, media_type="text/xml")


_MOTO_DNS = re.compile(r"<LoadBalancerArn>([^<]+)</LoadBalancerArn>(\s*)<DNSName>[^<]*</DNSName>")


class Elbv2Service(EmulatedService):
    name = "elbv2"
    order = 48  # after ACM (listener certificates)
    moto_backends = ("elbv2",)
    ports = (PortSpec("alb", DEFAULT_PORT, "the first local ALB listener (one port each)"),)
    providers: ClassVar[Mapping[str, Provider]] = PROVIDERS

    def __init__(self) -> None:
        self.groups: dict[str, TargetGroup] = {}
        self.loaded = False  # the groups mirror moto's registrations (hooks answer for them)
        self.checks: HealthChecks | None = None
        self.client: httpcore.AsyncConnectionPool | None = None
        self.dns_names: dict[str, str] = {}
        self.timers: set[asyncio.TimerHandle] = set()
        self.forward: Any = None
        self.listener_count = 0
        self.metrics = AlbMetrics(None)

    # -- the API hooks --------------------------------------------------------------------
    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("elbv2", "RegisterTargets", after=self._registered),
            Hook("elbv2", "DeregisterTargets", before=self._deregister, after=self._deregistered),
            Hook("elbv2", "DescribeTargetHealth", before=self._describe_health),
            Hook("elbv2", "DescribeLoadBalancers", before=self._describe_balancers),
        ]

    def _group(self, call: AwsCall) -> TargetGroup | None:
        if not self.loaded:
            return None
        return self.groups.get(call.form().get("TargetGroupArn", ""))

    async def _registered(self, call: AwsCall, response: Response) -> None:
        group = self._group(call)
        if group is None or response.status_code >= 300:
            return
        for target_id, port in form_targets(call.form()):
            self.register(group, target_id, port)

    async def _deregister(self, call: AwsCall) -> Response | None:
        group = self._group(call)
        wanted = form_targets(call.form())
        if group is None or not wanted or any(t in group.targets for t, _ in wanted):
            return None
        return _xml(
            f'<DeregisterTargetsResponse xmlns="{NS}"><DeregisterTargetsResult/>'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</DeregisterTargetsResponse>"
        )

    async def _deregistered(self, call: AwsCall, response: Response) -> None:
        group = self._group(call)
        if group is None or response.status_code >= 300:
            return
        for target_id, _ in form_targets(call.form()):
            self.deregister(group, target_id)

    async def _describe_health(self, call: AwsCall) -> Response | None:
        group = self._group(call)
        if group is None:
            return None
        wanted = form_targets(call.form())
        return _xml(target_health_xml(group.rows(wanted or None)))

    async def _describe_balancers(self, call: AwsCall) -> Response | None:
        if self.forward is None:
            return None
        answer = await self.forward(call.request)
        if answer.status_code >= 300:
            return answer

        def local(match: re.Match[str]) -> str:
            arn = match[1]
            name = arn.split("/")[-2]
            dns = self.dns_names.get(arn) or local_dns_name(name, arn, call.region)
            return f"<LoadBalancerArn>{arn}</LoadBalancerArn>{match[2]}<DNSName>{dns}</DNSName>"

        body = _MOTO_DNS.sub(local, bytes(answer.body).decode())
        return _xml(body)

    # -- targets --------------------------------------------------------------------------
    def register(self, group: TargetGroup, target_id: str, port: int | None) -> Target:
        target, old = group.register(target_id, port)
        if old is not None:
            HealthChecks.stop(old)
        if self.checks is not None:
            self.checks.start(group, target)
        log.info("target %s:%s registered in %s", target.id, target.port, group.name)
        return target

    def deregister(self, group: TargetGroup, target_id: str) -> None:
        target = group.deregister(target_id)
        if target is None:
            return
        HealthChecks.stop(target)
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def finish() -> None:
            if handle is not None:
                self.timers.discard(handle)
            group.drained(target)
            for task in list(target.inflight):
                task.cancel()
            log.info("target %s:%s of %s drained", target.id, target.port, group.name)

        handle = loop.call_later(group.deregistration_delay, finish)
        self.timers.add(handle)

    async def _host_counts(self, every: float = 10.0) -> None:
        """HealthyHostCount / UnHealthyHostCount of each group, sampled every `every` s."""
        while True:
            await asyncio.sleep(every)
            for group in self.groups.values():
                states = [t.health.state for t in group.targets.values()]
                healthy = sum(1 for s in states if s == "healthy")
                unhealthy = sum(1 for s in states if s == "unhealthy")
                self.metrics.hosts(group.load_balancers, group.arn, healthy, unhealthy)

    # -- start / stop ---------------------------------------------------------------------
    async def prepare(self, cloud: CloudContext) -> None:
        self.forward = cloud.forward_to_moto

    async def start(self, cloud: CloudContext) -> None:
        deployment = cloud.require_deployment()
        for res in deployment.resources(config.LOAD_BALANCER):
            self.dns_names[res.physical_id] = str(res.attributes.get("DNSName", ""))
        topology = config.load(cloud.settings, deployment)
        if not topology.listeners and not topology.groups:
            return
        for warning in topology.warnings:
            cloud.reporter.warn(f"ALB {warning}")
        self.groups = topology.groups
        self.metrics = AlbMetrics(cloud.metrics)
        cloud.background(self._host_counts(), "alb-host-counts")
        registered = await asyncio.to_thread(_moto_targets, cloud, list(self.groups))
        self.checks = HealthChecks()
        self.loaded = True
        for arn, targets in registered.items():
            for target_id, port in targets:
                self.register(self.groups[arn], target_id, port)
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE  # ALB does not verify its targets' certificates
        self.client = httpcore.AsyncConnectionPool(
            ssl_context=unverified, max_connections=None, max_keepalive_connections=64
        )
        with cloud.reporter.step(f"Starting {len(topology.listeners)} ALB listener(s)"):
            for listener in topology.listeners:
                await self._serve(cloud, listener)
        self.listener_count = len(topology.listeners)

    async def _serve(self, cloud: CloudContext, listener: config.Listener) -> None:
        settings = cloud.settings
        local = listener.local
        if local.local_port != settings.ports.get("alb"):
            servers.check_port_free(
                settings.listen_hosts,
                local.local_port,
                f"ALB listener {local.stack}/{local.logical_id}",
            )
        app = ListenerApp(listener, self.groups, self.client, self.metrics)  # type: ignore[arg-type]
        options: dict[str, Any] = {"proxy_headers": False}
        if local.protocol == "HTTPS":
            acm = await asyncio.to_thread(_acm_files, cloud, listener.certificates)
            names = [local.dns_name, *(n for names, _, _ in acm for n in names)]
            key = re.sub(r"[^A-Za-z0-9]+", "-", f"{local.stack}-{local.logical_id}")
            cert, cert_key = await asyncio.to_thread(
                issue_listener_certificate, settings, key, names
            )
            options.update(ssl_certfile=str(cert), ssl_keyfile=str(cert_key))
            if acm:
                options["sni_callback"] = SniCertificates(acm).sni_callback
        running = await servers.start_server(
            f"alb:{local.logical_id}", app, settings.listen_hosts, local.local_port, **options
        )
        cloud.servers.append(running)
        scheme = local.protocol.lower()
        cloud.urls.append(
            (
                f"{local.stack}/{local.logical_id} (ALB {local.protocol}:{local.port})",
                f"{scheme}://{local.dns_name}:{local.local_port}/",
            )
        )

    async def stop(self) -> None:
        for handle in list(self.timers):
            handle.cancel()
        self.timers.clear()
        for group in self.groups.values():
            for target in [*group.targets.values(), *group.draining.values()]:
                HealthChecks.stop(target)
        if self.checks is not None:
            await self.checks.aclose()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.aclose()

    def describe(self) -> Mapping[str, Any]:
        if not self.listener_count:
            return {}
        return {"listeners": self.listener_count, "target groups": len(self.groups)}


def _moto_targets(cloud: CloudContext, arns: list[str]) -> dict[str, list[tuple[str, int]]]:
    """The targets moto holds for each group (the hooks let these calls through to moto:
    the groups are not loaded yet)."""
    elb = cloud.aws("elbv2")
    out: dict[str, list[tuple[str, int]]] = {}
    for arn in arns:
        rows = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        out[arn] = [(str(r["Target"]["Id"]), int(r["Target"]["Port"])) for r in rows]
    return out


def _acm_files(cloud: CloudContext, arns: list[str]) -> list[tuple[list[str], Any, Any]]:
    """(names, certificate file, key file) of each listener certificate the local ACM issued."""
    from stratus.local.acm.issue import files
    from stratus.local.acm.providers import names_of

    deployment = cloud.require_deployment()
    out = []
    for arn in arns:
        res = deployment.by_physical_id("AWS::CertificateManager::Certificate", arn)
        cert, key = files(cloud.settings, arn)
        if res is not None and cert.exists() and key.exists():
            out.append((names_of(res.properties), cert, key))
    return out


SERVICES = [Elbv2Service]
