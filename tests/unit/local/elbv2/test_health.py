"""The target health state machine and the group's routing: initial -> healthy after one
success, thresholds both ways, reason codes, fail-open, draining, matcher syntax."""

from __future__ import annotations

from stratus.local.elbv2.health import (
    CheckResult,
    HealthSettings,
    TargetHealth,
    code_matches,
    valid_matcher,
)
from stratus.local.elbv2.targets import TargetGroup

OK = CheckResult(True)
TIMEOUT = CheckResult(False, "timeout")
MISMATCH = CheckResult(False, "code", 500)
SETTINGS = HealthSettings(healthy_threshold=3, unhealthy_threshold=2)


def test_a_new_target_is_initial_and_healthy_after_one_passed_check() -> None:
    health = TargetHealth(SETTINGS)
    assert (health.state, health.reason) == ("initial", "Elb.InitialHealthChecking")
    health.record(OK)
    assert (health.state, health.reason) == ("healthy", "")


def test_unhealthy_after_the_threshold_of_failures_with_the_reason() -> None:
    health = TargetHealth(SETTINGS)
    health.record(OK)
    health.record(MISMATCH)
    assert health.state == "healthy"
    health.record(MISMATCH)
    assert (health.state, health.reason) == ("unhealthy", "Target.ResponseCodeMismatch")
    assert health.description == "Health checks failed with these codes: [500]"
    health.record(TIMEOUT)
    assert health.reason == "Target.Timeout"


def test_back_to_healthy_only_after_the_healthy_threshold() -> None:
    health = TargetHealth(SETTINGS)
    for result in (MISMATCH, MISMATCH, OK, OK):
        health.record(result)
    assert health.state == "unhealthy"
    health.record(OK)
    assert health.state == "healthy"


def test_a_failure_resets_the_run_of_successes() -> None:
    health = TargetHealth(SETTINGS)
    for result in (MISMATCH, MISMATCH, OK, OK, MISMATCH, OK, OK):
        health.record(result)
    assert health.state == "unhealthy"


def test_disabled_health_checks_make_targets_unavailable_but_routable() -> None:
    health = TargetHealth(HealthSettings(enabled=False))
    assert (health.state, health.reason) == ("unavailable", "Target.HealthCheckDisabled")
    assert health.routable


def test_matcher_codes_lists_and_ranges() -> None:
    assert code_matches("200", 200) and not code_matches("200", 201)
    assert code_matches("200,202", 202) and code_matches("200-299", 204)
    assert not code_matches("200-299", 302)
    assert valid_matcher("200-299") and valid_matcher("200,302") and not valid_matcher("2xx")


def group() -> TargetGroup:
    return TargetGroup("arn:tg", "tg", "HTTP", 8080, SETTINGS, deregistration_delay=3)


def test_round_robin_over_healthy_targets_only() -> None:
    g = group()
    a, _ = g.register("127.0.0.2", 9000)
    b, _ = g.register("127.0.0.3", None)
    c, _ = g.register("127.0.0.4", 9000)
    assert b.port == 8080  # the group's port when none is given
    a.health.record(OK)
    b.health.record(OK)
    picked = {g.pick().id for _ in range(4)}  # type: ignore[union-attr]
    assert picked == {"127.0.0.2", "127.0.0.3"}
    assert c.health.state == "initial"


def test_nothing_registered_or_only_initial_targets_route_nowhere() -> None:
    g = group()
    assert g.pick() is None
    g.register("127.0.0.2", 9000)
    assert g.pick() is None


def test_all_unhealthy_fails_open() -> None:
    g = group()
    a, _ = g.register("127.0.0.2", 9000)
    b, _ = g.register("127.0.0.3", 9000)
    for target in (a, b):
        target.health.record(MISMATCH)
        target.health.record(MISMATCH)
    assert {g.pick().id for _ in range(2)} == {"127.0.0.2", "127.0.0.3"}  # type: ignore[union-attr]


def test_one_healthy_target_means_no_fail_open() -> None:
    g = group()
    a, _ = g.register("127.0.0.2", 9000)
    b, _ = g.register("127.0.0.3", 9000)
    a.health.record(OK)
    b.health.record(MISMATCH)
    b.health.record(MISMATCH)
    assert {g.pick().id for _ in range(4)} == {"127.0.0.2"}  # type: ignore[union-attr]


def test_a_deregistered_target_drains_and_gets_no_new_request() -> None:
    g = group()
    a, _ = g.register("127.0.0.2", 9000)
    a.health.record(OK)
    g.deregister("127.0.0.2")
    assert g.pick() is None
    (row,) = g.rows()
    assert (row.state, row.reason) == ("draining", "Target.DeregistrationInProgress")
    g.drained(a)
    assert g.rows() == []
    (row,) = g.rows([("127.0.0.2", 9000)])
    assert (row.state, row.reason) == ("unused", "Target.NotRegistered")


def test_a_group_no_listener_uses_has_unused_targets() -> None:
    g = group()
    g.in_use = False
    g.register("127.0.0.2", 9000)
    (row,) = g.rows()
    assert (row.state, row.reason) == ("unused", "Target.NotInUse")
