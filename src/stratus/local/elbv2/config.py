"""The provisioned load balancers, listeners, rules and target groups, as the local ALB
runs them (read once from the deployment, the templates being the one source of truth).

Defaults are ALB's for `ip` and `instance` target groups
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html):
HTTP checks of `/` on the traffic port every 30 s, 5 s timeout, healthy after 5 successes,
unhealthy after 2 failures, matcher 200; deregistration delay 300 s
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay);
idle timeout 60 s
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stratus.local.elbv2.health import HealthSettings
from stratus.local.elbv2.names import LocalListener, local_listeners
from stratus.local.elbv2.rules import Rule, referenced_groups
from stratus.local.elbv2.targets import TargetGroup

if TYPE_CHECKING:
    from stratus.local.core.settings import LocalSettings
    from stratus.local.provision.model import Deployment

RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
LISTENER_CERTIFICATE = "AWS::ElasticLoadBalancingV2::ListenerCertificate"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
DEFAULT_IDLE_TIMEOUT = 60.0


@dataclass
class Listener:
    local: LocalListener
    rules: list[Rule]
    certificates: list[str]  # ACM ARNs: the default first, then ListenerCertificates
    idle_timeout: float
    # The load balancer's listeners: AWS port -> local port (redirects to another listener).
    siblings: dict[int, int] = field(default_factory=dict)

    @property
    def protocol(self) -> str:
        return self.local.protocol


@dataclass
class Topology:
    listeners: list[Listener]
    groups: dict[str, TargetGroup]
    warnings: list[str]


def _attrs(pairs: Any) -> dict[str, str]:
    return {str(p["Key"]): str(p["Value"]) for p in pairs or []}


def health_settings(props: Mapping[str, Any]) -> HealthSettings:
    protocol = str(props.get("HealthCheckProtocol") or props.get("Protocol") or "HTTP").upper()
    matcher = (props.get("Matcher") or {}).get("HttpCode") or "200"
    return HealthSettings(
        enabled=str(props.get("HealthCheckEnabled", "true")).lower() != "false",
        protocol=protocol,
        port=str(props.get("HealthCheckPort") or "traffic-port"),
        path=str(props.get("HealthCheckPath") or "/"),
        interval=float(props.get("HealthCheckIntervalSeconds") or 30),
        timeout=float(props.get("HealthCheckTimeoutSeconds") or 5),
        healthy_threshold=int(props.get("HealthyThresholdCount") or 5),
        unhealthy_threshold=int(props.get("UnhealthyThresholdCount") or 2),
        matcher=str(matcher),
    )


def target_group(arn: str, name: str, props: Mapping[str, Any]) -> TargetGroup:
    attrs = _attrs(props.get("TargetGroupAttributes"))
    return TargetGroup(
        arn=arn,
        name=name,
        protocol=str(props.get("Protocol") or "HTTP").upper(),
        port=int(props.get("Port") or 80),
        health=health_settings(props),
        deregistration_delay=float(attrs.get("deregistration_delay.timeout_seconds", 300)),
    )


def load(settings: LocalSettings, deployment: Deployment) -> Topology:
    warnings: list[str] = []
    idle: dict[str, float] = {}
    for res in deployment.resources(LOAD_BALANCER):
        attrs = _attrs(res.properties.get("LoadBalancerAttributes"))
        idle[res.physical_id] = float(
            attrs.get("idle_timeout.timeout_seconds", DEFAULT_IDLE_TIMEOUT)
        )
    rules: dict[str, list[Rule]] = {}
    for res in deployment.resources(RULE):
        rule = Rule(
            priority=float(res.properties.get("Priority") or 0),
            conditions=tuple(res.properties.get("Conditions") or ()),
            actions=tuple(res.properties.get("Actions") or ()),
            arn=res.physical_id,
        )
        rules.setdefault(str(res.properties.get("ListenerArn")), []).append(rule)
    extra_certs: dict[str, list[str]] = {}
    for res in deployment.resources(LISTENER_CERTIFICATE):
        extra_certs.setdefault(str(res.properties.get("ListenerArn")), []).extend(
            str(c["CertificateArn"]) for c in res.properties.get("Certificates") or []
        )
    listeners: list[Listener] = []
    for local in local_listeners(settings, deployment):
        found = deployment.by_physical_id("AWS::ElasticLoadBalancingV2::Listener", local.arn)
        props = found.properties if found is not None else {}
        default = Rule(float("inf"), (), tuple(props.get("DefaultActions") or ()), "default")
        certs = [str(c["CertificateArn"]) for c in props.get("Certificates") or []]
        listener = Listener(
            local=local,
            rules=[*sorted(rules.get(local.arn, []), key=lambda r: r.priority), default],
            certificates=certs + extra_certs.get(local.arn, []),
            idle_timeout=idle.get(local.load_balancer_arn, DEFAULT_IDLE_TIMEOUT),
        )
        for rule in listener.rules:
            if rule.skipped_actions:
                warnings.append(
                    f"{local.stack}/{local.logical_id}: actions not run locally: "
                    + ", ".join(rule.skipped_actions)
                )
        listeners.append(listener)
    for listener in listeners:
        listener.siblings = {
            other.local.port: other.local.local_port
            for other in listeners
            if other.local.load_balancer_arn == listener.local.load_balancer_arn
        }
    used: dict[str, list[str]] = {}
    for listener in listeners:
        for arn in referenced_groups(listener.rules):
            lbs = used.setdefault(arn, [])
            if listener.local.load_balancer_arn not in lbs:
                lbs.append(listener.local.load_balancer_arn)
    groups: dict[str, TargetGroup] = {}
    for res in deployment.resources(TARGET_GROUP):
        kind = str(res.properties.get("TargetType") or "instance")
        if kind == "lambda" or kind == "alb":
            warnings.append(f"{res.stack}/{res.logical_id}: {kind} targets are not served locally")
            continue
        name = str(res.attributes.get("TargetGroupName") or res.logical_id)
        group = target_group(res.physical_id, name, res.properties)
        group.in_use = res.physical_id in used
        group.load_balancers = used.get(res.physical_id, [])
        groups[res.physical_id] = group
    return Topology(listeners, groups, warnings)
