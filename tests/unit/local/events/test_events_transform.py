"""EventBridge target input: Input, InputPath and input transformers with AWS's quoting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.local.events.transform import (
    MISSING,
    InputTransformer,
    InvalidInputTransformer,
    RuleContext,
    json_path,
    target_input,
)

# The sample event and paths of
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "count": 3},
}
PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}
RULE = RuleContext(
    rule_arn="arn:aws:events:us-east-2:123456789012:rule/example",
    rule_name="example",
    ingestion_time="2015-11-11T21:29:55Z",
)


def transform(template: str, paths: dict[str, str] | None = None) -> str:
    return InputTransformer(template, PATHS if paths is None else paths).apply(EVENT, RULE)


def test_simple_string_template_inserts_values_raw() -> None:
    out = transform('"instance <instance> is in <state>"')
    assert out == '"instance i-0123456789 is in RUNNING"'


def test_string_with_escaped_quotes() -> None:
    out = transform('"instance \\"<instance>\\" is in <state>"')
    assert json.loads(out) == 'instance "i-0123456789" is in RUNNING'


def test_simple_json_template_quotes_string_values() -> None:
    out = transform('{"instance" : <instance>, "state": <state>}')
    assert json.loads(out) == {"instance": "i-0123456789", "state": "RUNNING"}


def test_json_with_strings_and_variables() -> None:
    template = (
        '{"instance": <instance>, "state": "<state>",'
        ' "instanceStatus": "instance \\"<instance>\\" is in <state>"}'
    )
    assert json.loads(transform(template)) == {
        "instance": "i-0123456789",
        "state": "RUNNING",
        "instanceStatus": 'instance "i-0123456789" is in RUNNING',
    }


def test_json_with_variables_and_static_values() -> None:
    out = transform('{"instance": <instance>, "state": [9, <state>, true], "Transformed": "Yes"}')
    assert json.loads(out) == {
        "instance": "i-0123456789",
        "state": [9, "RUNNING", True],
        "Transformed": "Yes",
    }


def test_number_outside_quotes_stays_a_number() -> None:
    out = transform('{"n": <n>, "s": "<n>"}', {"n": "$.detail.count"})
    assert json.loads(out) == {"n": 3, "s": "3"}


def test_object_value_outside_quotes_is_json() -> None:
    out = transform('{"d": <d>}', {"d": "$.detail"})
    assert json.loads(out) == {"d": EVENT["detail"]}


def test_string_values_inside_quotes_are_not_escaped() -> None:
    event = {**EVENT, "detail": {"msg": 'say "hi"'}}
    out = InputTransformer('{"m": "<m>"}', {"m": "$.detail.msg"}).apply(event, RULE)
    assert out == '{"m": "say "hi""}'


def test_reserved_variables_in_json() -> None:
    template = (
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>,'
        ' "at": <aws.events.event.ingestion-time>, "original": <aws.events.event>,'
        ' "full": <aws.events.event.json>}'
    )
    out = json.loads(transform(template))
    assert out["ruleArn"] == RULE.rule_arn
    assert out["ruleName"] == "example"
    assert out["at"] == "2015-11-11T21:29:55Z"
    assert out["full"] == EVENT
    assert "detail" not in out["original"]
    assert out["original"]["id"] == EVENT["id"]


def test_reserved_variable_in_a_string() -> None:
    assert transform('"<aws.events.rule-name> triggered"') == '"example triggered"'


def test_plain_text_template_inserts_values_raw() -> None:
    assert transform("<instance> is in state <state>") == "i-0123456789 is in state RUNNING"


def test_missing_path_is_null_outside_quotes_and_empty_inside() -> None:
    out = transform('{"a": <gone>, "b": "x<gone>y"}', {"gone": "$.detail.nope"})
    assert json.loads(out) == {"a": None, "b": "xy"}


def test_missing_path_is_empty_in_plain_text() -> None:
    assert transform("state=<gone>!", {"gone": "$.detail.nope"}) == "state=!"


def test_undefined_placeholder_is_left_as_text() -> None:
    assert transform("<b>bold</b> <state>") == "<b>bold</b> RUNNING"


def test_json_path_indices_and_wildcards() -> None:
    doc = {"items": [{"id": 1}, {"id": 2}], "a": {"b/c": "slash"}}
    assert json_path(doc, "$.items[1].id") == 2
    assert json_path(doc, "$.items[*].id") == [1, 2]
    assert json_path(doc, "$.a.b/c") == "slash"
    assert json_path(doc, "$.items[5].id") is MISSING
    assert json_path(doc, "$") == doc


@pytest.mark.parametrize("path", ["detail", "$..x", "$.a[", "$['a']"])
def test_unsupported_json_path_is_rejected(path: str) -> None:
    with pytest.raises(InvalidInputTransformer):
        json_path({}, path)


def test_more_than_100_variables_is_rejected() -> None:
    paths = {f"v{i}": "$.id" for i in range(101)}
    with pytest.raises(InvalidInputTransformer):
        InputTransformer("<v1>", paths)
    InputTransformer("<v1>", dict(list(paths.items())[:100]))


@pytest.mark.parametrize("name", ["aws.events.rule-arn", "aws.custom", "has space"])
def test_reserved_or_invalid_variable_name_is_rejected(name: str) -> None:
    with pytest.raises(InvalidInputTransformer):
        InputTransformer(f"<{name}>", {name: "$.id"})


def test_target_without_input_gets_the_whole_event() -> None:
    assert json.loads(target_input({"Id": "t"}, EVENT, RULE)) == EVENT


def test_target_constant_input_is_passed_verbatim() -> None:
    assert target_input({"Input": '{"fixed": 1}'}, EVENT, RULE) == '{"fixed": 1}'


def test_target_input_path_selects_part_of_the_event() -> None:
    assert json.loads(target_input({"InputPath": "$.detail"}, EVENT, RULE)) == EVENT["detail"]


def test_target_input_transformer() -> None:
    target = {"InputTransformer": {"InputPathsMap": PATHS, "InputTemplate": '"<state>"'}}
    assert target_input(target, EVENT, RULE) == '"RUNNING"'


def test_target_with_two_input_kinds_is_rejected() -> None:
    with pytest.raises(InvalidInputTransformer):
        target_input({"Input": "{}", "InputPath": "$.detail"}, EVENT, RULE)
