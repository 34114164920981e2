"""Where a load balancer is reached locally: its DNS name and each listener's local port.

On AWS an ALB's DNSName is `<name>-<digits>.<region>.elb.amazonaws.com` (internal ones
start with `internal-`) and every listener listens on its own port of that name
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#dns-name).
Locally the name ends in `.elb.localhost` instead — curl and Chromium resolve `*.localhost`
to 127.0.0.1, as for the local CloudFront's `*.cloudfront.localhost` — and listener
ports 80/443 cannot be taken on a shared machine, so each listener gets a local port:
`--alb-port` (the first) plus its rank among every provisioned listener, ordered by stack
and logical id, so the same app gets the same ports on every `up`. Stack outputs built
from DNSName (`https://` + DNSName) are rewritten to that port (`provision.outputs`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratus.local.core.settings import LocalSettings
    from stratus.local.provision.model import Deployment

LOCAL_SUFFIX = "elb.localhost"
LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
DEFAULT_PORTS = {"http": 80, "https": 443}


def local_dns_name(name: str, arn: str, region: str, *, internal: bool = False) -> str:
    """`[internal-]<name>-<10 digits>.<region>.elb.localhost`, the digits from the ARN."""
    digits = str(int(hashlib.sha256(arn.encode()).hexdigest()[:12], 16))[:10]
    prefix = "internal-" if internal else ""
    return f"{prefix}{name}-{digits}.{region}.{LOCAL_SUFFIX}".lower()


@dataclass(frozen=True)
class LocalListener:
    """A provisioned listener and the local port that serves it."""

    arn: str
    load_balancer_arn: str
    dns_name: str
    protocol: str  # HTTP | HTTPS
    port: int  # the listener's port on AWS
    local_port: int
    stack: str
    logical_id: str


def local_listeners(settings: LocalSettings, deployment: Deployment) -> list[LocalListener]:
    """Every provisioned listener with its local port (`--alb-port` + rank)."""
    balancers = {r.physical_id: r for r in deployment.resources(LOAD_BALANCER)}
    base = settings.ports.get("alb")
    found = sorted(deployment.resources(LISTENER), key=lambda r: (r.stack, r.logical_id))
    out: list[LocalListener] = []
    for rank, res in enumerate(found):
        lb_arn = str(res.properties.get("LoadBalancerArn", ""))
        lb = balancers.get(lb_arn)
        out.append(
            LocalListener(
                arn=res.physical_id,
                load_balancer_arn=lb_arn,
                dns_name=str(lb.attributes.get("DNSName", "")) if lb else "",
                protocol=str(res.properties.get("Protocol") or "HTTP").upper(),
                port=int(res.properties.get("Port") or 80),
                local_port=base + rank,
                stack=res.stack,
                logical_id=res.logical_id,
            )
        )
    return out


def rewrite_urls(value: str, listeners: Iterable[LocalListener]) -> str:
    """`http(s)://<LB DNS name>[:port]` in `value` -> the same name with the local port of
    the listener on that port (80/443 when the URL names none); others are left alone."""
    by_name: dict[str, dict[int, int]] = {}
    for listener in listeners:
        if listener.dns_name:
            by_name.setdefault(listener.dns_name, {})[listener.port] = listener.local_port
    for dns, ports in by_name.items():
        pattern = re.compile(rf"(https?)://{re.escape(dns)}(?::(\d+))?(?=[/?#\s\"]|$)", re.I)

        def local(match: re.Match[str], ports: dict[int, int] = ports, dns: str = dns) -> str:
            scheme = match[1].lower()
            port = int(match[2]) if match[2] else DEFAULT_PORTS[scheme]
            if port not in ports:
                return match[0]
            return f"{scheme}://{dns}:{ports[port]}"

        value = pattern.sub(local, value)
    return value


def is_internal(properties: dict[str, Any]) -> bool:
    return str(properties.get("Scheme") or "internet-facing") == "internal"
