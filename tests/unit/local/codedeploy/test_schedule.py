"""Traffic-shifting schedules of Lambda deployment configurations (AWS's definitions:
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html)."""

from __future__ import annotations

import pytest

from stratus.local.codedeploy import configs


def test_predefined_canary_shifts_ten_percent_then_the_rest_after_its_minutes() -> None:
    routing = configs.PREDEFINED["CodeDeployDefault.LambdaCanary10Percent5Minutes"]
    assert configs.schedule(routing) == [(0.0, 0.1), (5.0, 1.0)]


def test_predefined_linear_adds_ten_percent_every_interval() -> None:
    routing = configs.PREDEFINED["CodeDeployDefault.LambdaLinear10PercentEvery2Minutes"]
    steps = configs.schedule(routing)
    assert [at for at, _ in steps] == [2.0 * i for i in range(10)]
    assert [round(w, 2) for _, w in steps] == [round(0.1 * i, 2) for i in range(1, 11)]


def test_every_predefined_lambda_config_is_known() -> None:
    names = {
        "CodeDeployDefault.LambdaAllAtOnce",
        *(f"CodeDeployDefault.LambdaCanary10Percent{m}Minutes" for m in (5, 10, 15, 30)),
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        *(f"CodeDeployDefault.LambdaLinear10PercentEvery{m}Minutes" for m in (2, 3, 10)),
    }
    assert set(configs.PREDEFINED) == names


def test_all_at_once_shifts_everything_immediately() -> None:
    assert configs.schedule(configs.PREDEFINED["CodeDeployDefault.LambdaAllAtOnce"]) == [(0.0, 1.0)]


def test_custom_linear_with_a_percentage_that_does_not_divide_100_ends_at_100() -> None:
    props = {
        "ComputePlatform": "Lambda",
        "TrafficRoutingConfig": {
            "Type": "TimeBasedLinear",
            "TimeBasedLinear": {"LinearPercentage": 30, "LinearInterval": 3},
        },
    }
    routing = configs.from_properties("custom", props)
    assert configs.schedule(routing) == [(0.0, 0.3), (3.0, 0.6), (6.0, 0.9), (9.0, 1.0)]


def test_custom_canary_from_the_template_shape() -> None:
    props = {
        "TrafficRoutingConfig": {
            "Type": "TimeBasedCanary",
            "TimeBasedCanary": {"CanaryPercentage": 25, "CanaryInterval": 1},
        }
    }
    routing = configs.from_properties("c", props)
    assert configs.schedule(routing) == [(0.0, 0.25), (1.0, 1.0)]
    assert routing.to_api() == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 25, "canaryInterval": 1},
    }


@pytest.mark.parametrize(
    "routing",
    [
        {
            "Type": "TimeBasedCanary",
            "TimeBasedCanary": {"CanaryPercentage": 0, "CanaryInterval": 1},
        },
        {
            "Type": "TimeBasedCanary",
            "TimeBasedCanary": {"CanaryPercentage": 100, "CanaryInterval": 1},
        },
        {
            "Type": "TimeBasedLinear",
            "TimeBasedLinear": {"LinearPercentage": 10, "LinearInterval": 0},
        },
        {"Type": "TimeBasedLinear", "TimeBasedLinear": {}},
        {"Type": "Sideways"},
    ],
)
def test_invalid_custom_configs_are_rejected(routing: dict[str, object]) -> None:
    with pytest.raises(configs.ConfigError):
        configs.from_properties("bad", {"TrafficRoutingConfig": routing})
