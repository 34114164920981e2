"""AWS/ApplicationELB metrics the local ALB records, as ALB publishes them
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
RequestCount, HTTPCode_ELB_{5XX,502,503,504}_Count and HTTPCode_ELB_3XX_Count (its own
answers), HTTPCode_Target_{2,3,4,5}XX_Count and TargetResponseTime (seconds) per
`LoadBalancer`, and per `TargetGroup` + `LoadBalancer` for requests a group served;
HealthyHostCount and UnHealthyHostCount per `TargetGroup` + `LoadBalancer`. The dimension
values are the ARNs' tails (`app/<name>/<id>`, `targetgroup/<name>/<id>`).
"""

from __future__ import annotations

from stratus.local.core.metrics import BuiltinMetrics, Dimensions

NAMESPACE = "AWS/ApplicationELB"


def lb_dimension(arn: str) -> str:
    return arn.split(":loadbalancer/", 1)[-1]


def tg_dimension(arn: str) -> str:
    return arn.split(":", 5)[-1]


def region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else "us-east-1"


class AlbMetrics:
    def __init__(self, metrics: BuiltinMetrics | None) -> None:
        self.metrics = metrics

    def request(
        self,
        lb_arn: str,
        group_arn: str | None,
        status: int,
        *,
        own: bool,
        seconds: float | None = None,
    ) -> None:
        """One request the listener answered: `own` when the load balancer answered it
        (fixed response, redirect, its error pages), else the target's status."""
        if self.metrics is None or not lb_arn:
            return
        region = region_of(lb_arn)
        lb: Dimensions = (("LoadBalancer", lb_dimension(lb_arn)),)
        both: list[Dimensions] = [lb]
        if group_arn:
            both.append((("LoadBalancer", lb[0][1]), ("TargetGroup", tg_dimension(group_arn))))
        self.metrics.count(region, NAMESPACE, "RequestCount", both)
        if own:
            names = [f"HTTPCode_ELB_{status // 100}XX_Count"]
            if status in (502, 503, 504):
                names.append(f"HTTPCode_ELB_{status}_Count")
            for name in names:
                self.metrics.count(region, NAMESPACE, name, [lb])
            return
        self.metrics.count(region, NAMESPACE, f"HTTPCode_Target_{status // 100}XX_Count", both)
        if seconds is not None:
            self.metrics.observe(
                region, NAMESPACE, "TargetResponseTime", both, seconds, unit="Seconds"
            )

    def hosts(self, lb_arns: list[str], group_arn: str, healthy: int, unhealthy: int) -> None:
        if self.metrics is None:
            return
        for lb_arn in lb_arns:
            dims: list[Dimensions] = [
                (("LoadBalancer", lb_dimension(lb_arn)), ("TargetGroup", tg_dimension(group_arn)))
            ]
            region = region_of(lb_arn)
            self.metrics.observe(region, NAMESPACE, "HealthyHostCount", dims, healthy, "Count")
            self.metrics.observe(region, NAMESPACE, "UnHealthyHostCount", dims, unhealthy, "Count")
