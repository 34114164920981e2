"""AWS/ApplicationELB metrics: the load balancer's own answers apart from the targets',
per LoadBalancer and per TargetGroup + LoadBalancer, with ALB's dimension values."""

from __future__ import annotations

from typing import Any

from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.elbv2.metrics import AlbMetrics

LB = "arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/app/web/50dc6c495c0c9188"
TG = "arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/api/73e2d6bc24d8a067"


def _by_name(metrics: BuiltinMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    data = metrics.drain()["eu-west-1"]["AWS/ApplicationELB"]
    return {
        (d["MetricName"], tuple((x["Name"], x["Value"]) for x in d["Dimensions"])): d.get(
            "Value", d.get("Values")
        )
        for d in data
    }


def test_target_answers_count_per_lb_and_per_group() -> None:
    builtin = BuiltinMetrics()
    alb = AlbMetrics(builtin)
    alb.request(LB, TG, 200, own=False, seconds=0.012)
    alb.request(LB, TG, 404, own=False, seconds=0.003)
    seen = _by_name(builtin)
    lb = (("LoadBalancer", "app/web/50dc6c495c0c9188"),)
    both = (lb[0], ("TargetGroup", "targetgroup/api/73e2d6bc24d8a067"))
    assert seen[("RequestCount", lb)] == 2
    assert seen[("RequestCount", both)] == 2
    assert seen[("HTTPCode_Target_2XX_Count", both)] == 1
    assert seen[("HTTPCode_Target_4XX_Count", lb)] == 1
    assert sorted(seen[("TargetResponseTime", lb)]) == [0.003, 0.012]


def test_the_load_balancers_own_errors_are_elb_codes() -> None:
    builtin = BuiltinMetrics()
    alb = AlbMetrics(builtin)
    alb.request(LB, TG, 503, own=True)
    alb.request(LB, None, 301, own=True)
    seen = _by_name(builtin)
    lb = (("LoadBalancer", "app/web/50dc6c495c0c9188"),)
    assert seen[("HTTPCode_ELB_5XX_Count", lb)] == 1
    assert seen[("HTTPCode_ELB_503_Count", lb)] == 1
    assert seen[("HTTPCode_ELB_3XX_Count", lb)] == 1
    assert ("HTTPCode_Target_5XX_Count", lb) not in seen
    assert seen[("RequestCount", lb)] == 2
