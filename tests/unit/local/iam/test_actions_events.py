"""EventBridge and Step Functions requests -> IAM checks."""

from __future__ import annotations

from tests.unit.local.iam.calls import ACCOUNT, arn, needs_of

from stratus.local.iam.actions import Need

DEFAULT_BUS = arn("events", "event-bus/default")
SHOP_BUS = arn("events", "event-bus/shop")


def test_put_events_checks_each_entry_on_its_bus() -> None:
    found = needs_of(
        "events",
        "put_events",
        Entries=[
            {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": "{}"},
            {
                "Source": "shop.orders",
                "DetailType": "OrderPlaced",
                "Detail": "{}",
                "EventBusName": "shop",
            },
            {
                "Source": "shop.payments",
                "DetailType": "PaymentTaken",
                "Detail": "{}",
                "EventBusName": SHOP_BUS,
            },
        ],
    )
    placed = {"events:source": "shop.orders", "events:detail-type": "OrderPlaced"}
    assert found == [
        Need("events:PutEvents", DEFAULT_BUS, placed),
        Need("events:PutEvents", SHOP_BUS, placed),
        Need(
            "events:PutEvents",
            SHOP_BUS,
            {"events:source": "shop.payments", "events:detail-type": "PaymentTaken"},
        ),
    ]


def test_rules_on_the_default_and_a_custom_bus() -> None:
    assert needs_of("events", "put_rule", Name="nightly", ScheduleExpression="rate(1 day)") == [
        Need("events:PutRule", arn("events", "rule/nightly"))
    ]
    assert needs_of("events", "describe_rule", Name="placed", EventBusName="shop") == [
        Need("events:DescribeRule", arn("events", "rule/shop/placed"))
    ]
    queue = arn("sqs", "orders")
    targets = needs_of(
        "events", "put_targets", Rule="placed", EventBusName=SHOP_BUS,
        Targets=[{"Id": "q", "Arn": queue}],
    )  # fmt: skip
    assert targets == [
        Need("events:PutTargets", arn("events", "rule/shop/placed"), {"events:TargetArn": [queue]})
    ]
    assert needs_of("events", "list_rules") == [Need("events:ListRules", "*")]


def test_put_targets_passes_the_target_roles() -> None:
    machine = arn("states", "stateMachine:checkout")
    role = f"arn:aws:iam::{ACCOUNT}:role/events-start"
    found = needs_of(
        "events",
        "put_targets",
        Rule="nightly",
        Targets=[{"Id": "sfn", "Arn": machine, "RoleArn": role}],
    )
    assert found == [
        Need("events:PutTargets", arn("events", "rule/nightly"), {"events:TargetArn": [machine]}),
        Need("iam:PassRole", role, {"iam:PassedToService": "events.amazonaws.com"}),
    ]


def test_buses_by_name() -> None:
    assert needs_of("events", "create_event_bus", Name="shop") == [
        Need("events:CreateEventBus", SHOP_BUS)
    ]
    assert needs_of("events", "describe_event_bus", Name="shop") == [
        Need("events:DescribeEventBus", SHOP_BUS)
    ]


def test_step_functions_machines_and_executions() -> None:
    machine = arn("states", "stateMachine:checkout")
    execution = arn("states", "execution:checkout:run-1")
    assert needs_of("stepfunctions", "start_execution", stateMachineArn=machine) == [
        Need("states:StartExecution", machine)
    ]
    assert needs_of("stepfunctions", "start_sync_execution", stateMachineArn=machine) == [
        Need("states:StartSyncExecution", machine)
    ]
    assert needs_of("stepfunctions", "describe_execution", executionArn=execution) == [
        Need("states:DescribeExecution", execution)
    ]
    assert needs_of("stepfunctions", "send_task_success", taskToken="t", output="{}") == [
        Need("states:SendTaskSuccess", "*")
    ]
    role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
    created = needs_of(
        "stepfunctions", "create_state_machine", name="checkout", definition="{}", roleArn=role
    )
    assert created == [
        Need("states:CreateStateMachine", machine),
        Need("iam:PassRole", role, {"iam:PassedToService": "states.amazonaws.com"}),
    ]
