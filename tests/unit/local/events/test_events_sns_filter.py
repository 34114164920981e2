"""SNS subscription filter policies on message attributes and message bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.local.events.sns_filter import FilterPolicy, InvalidFilterPolicy, combinations


def attrs(**values: tuple[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"Type": kind, "Value": value} for name, (kind, value) in values.items()}


def on_attributes(policy: dict[str, Any], attributes: dict[str, Any]) -> bool:
    return FilterPolicy.parse(json.dumps(policy)).matches(attributes, "hello")


def on_body(policy: dict[str, Any], body: Any) -> bool:
    message = body if isinstance(body, str) else json.dumps(body)
    return FilterPolicy.parse(policy, "MessageBody").matches(None, message)


# The example policy and message of
# https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html
DOCS_POLICY = {
    "store": ["example_corp"],
    "event": [{"anything-but": "order_cancelled"}],
    "customer_interests": ["rugby", "football", "baseball"],
    "price_usd": [{"numeric": [">=", 100]}],
}
DOCS_ATTRIBUTES = attrs(
    customer_interests=("String.Array", '["soccer", "rugby", "hockey"]'),
    store=("String", "example_corp"),
    event=("String", "order_placed"),
    price_usd=("Number", "210.75"),
)


def test_docs_policy_accepts_docs_message() -> None:
    assert on_attributes(DOCS_POLICY, DOCS_ATTRIBUTES)


def test_docs_policy_rejects_cancelled_order() -> None:
    cancelled = {**DOCS_ATTRIBUTES, **attrs(event=("String", "order_cancelled"))}
    assert not on_attributes(DOCS_POLICY, cancelled)


def test_docs_policy_as_message_body() -> None:
    body = {
        "store": "example_corp",
        "event": "order_placed",
        "customer_interests": ["soccer", "rugby", "hockey"],
        "price_usd": 210.75,
    }
    assert on_body(DOCS_POLICY, body)
    assert not on_body(DOCS_POLICY, {**body, "price_usd": 99})


def test_empty_policy_accepts_everything() -> None:
    assert FilterPolicy.parse("{}").matches(None, "x")


def test_string_array_attribute_matches_any_element() -> None:
    policy = {"customer_interests": ["rugby"]}
    assert on_attributes(policy, attrs(customer_interests=("String.Array", '["golf", "rugby"]')))
    assert not on_attributes(policy, attrs(customer_interests=("String.Array", '["golf"]')))


def test_number_attribute_matches_numeric_conditions_only() -> None:
    price = attrs(price=("Number", "100"))
    assert on_attributes({"price": [{"numeric": ["=", 100]}]}, price)
    assert not on_attributes({"price": ["100"]}, price)


def test_string_attribute_does_not_match_numeric_condition() -> None:
    assert not on_attributes({"price": [{"numeric": [">", 1]}]}, attrs(price=("String", "5")))


def test_binary_attribute_is_not_compared() -> None:
    binary = {"blob": {"Type": "Binary", "Value": "AAEC"}}
    assert not on_attributes({"blob": [{"exists": True}]}, binary)


def test_boto3_publish_attribute_shape_is_accepted() -> None:
    boto = {"store": {"DataType": "String", "StringValue": "example_corp"}}
    assert on_attributes({"store": ["example_corp"]}, boto)


def test_policy_on_absent_attribute_does_not_match() -> None:
    assert not on_attributes({"store": ["example_corp"]}, attrs(other=("String", "x")))


def test_exists_true_matches_present_attribute() -> None:
    assert on_attributes({"store": [{"exists": True}]}, attrs(store=("String", "fans")))
    assert not on_attributes({"store": [{"exists": True}]}, attrs(other=("String", "fans")))


def test_exists_false_matches_only_when_some_attribute_is_present() -> None:
    assert on_attributes({"store": [{"exists": False}]}, attrs(other=("String", "x")))
    assert not on_attributes({"store": [{"exists": False}]}, attrs(store=("String", "x")))
    assert not on_attributes({"store": [{"exists": False}]}, {})


def test_exists_true_on_body_requires_non_null_value() -> None:
    assert on_body({"store": [{"exists": True}]}, {"store": "fans"})
    assert not on_body({"store": [{"exists": True}]}, {"store": None})


def test_anything_but_list_and_prefix_and_suffix() -> None:
    assert on_attributes({"e": [{"anything-but": ["a", "b"]}]}, attrs(e=("String", "c")))
    assert not on_attributes({"e": [{"anything-but": ["a", "b"]}]}, attrs(e=("String", "b")))
    ab_prefix = {"e": [{"anything-but": {"prefix": "order-"}}]}
    assert on_attributes(ab_prefix, attrs(e=("String", "refund-1")))
    assert not on_attributes(ab_prefix, attrs(e=("String", "order-1")))
    ab_suffix = {"e": [{"anything-but": {"suffix": "-test"}}]}
    assert on_attributes(ab_suffix, attrs(e=("String", "prod")))
    assert not on_attributes(ab_suffix, attrs(e=("String", "x-test")))


def test_prefix_and_suffix() -> None:
    assert on_attributes({"c": [{"prefix": "bas"}]}, attrs(c=("String", "baseball")))
    assert not on_attributes({"c": [{"prefix": "bas"}]}, attrs(c=("String", "rugby")))
    assert on_attributes({"c": [{"suffix": "ball"}]}, attrs(c=("String", "baseball")))
    assert not on_attributes({"c": [{"suffix": "ball"}]}, attrs(c=("String", "rugby")))


def test_equals_ignore_case() -> None:
    policy = {"customer_interests": [{"equals-ignore-case": "tennis"}]}
    assert on_attributes(policy, attrs(customer_interests=("String", "TENNIS")))
    assert not on_attributes(policy, attrs(customer_interests=("String", "tenniss")))


def test_cidr_matches_source_ip() -> None:
    policy = {"source_ip": [{"cidr": "10.0.0.0/24"}]}
    assert on_attributes(policy, attrs(source_ip=("String", "10.0.0.255")))
    assert not on_attributes(policy, attrs(source_ip=("String", "10.0.1.1")))


def test_numeric_range() -> None:
    policy = {"price_usd": [{"numeric": [">", 0, "<=", 150]}]}
    assert on_attributes(policy, attrs(price_usd=("Number", "150")))
    assert not on_attributes(policy, attrs(price_usd=("Number", "150.5")))


def test_or_across_keys() -> None:
    policy = {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPU"]}, {"ns": ["EC2"]}]}
    assert on_attributes(policy, attrs(source=("String", "aws.cloudwatch"), ns=("String", "EC2")))
    assert not on_attributes(
        policy, attrs(source=("String", "aws.cloudwatch"), ns=("String", "S3"))
    )


def test_body_nested_keys() -> None:
    policy = {"customer": {"tier": ["gold"]}}
    assert on_body(policy, {"customer": {"tier": "gold"}})
    assert not on_body(policy, {"customer": {"tier": "silver"}})
    assert not on_body(policy, {"tier": "gold"})


def test_non_json_body_matches_nothing() -> None:
    assert not on_body({"store": [{"exists": False}]}, "plain text, not JSON")
    assert not on_body({"store": [{"exists": False}]}, "[1, 2]")


def test_attribute_scope_ignores_the_body() -> None:
    policy = FilterPolicy.parse({"store": ["x"]})
    assert not policy.matches(attrs(other=("String", "y")), json.dumps({"store": "x"}))


def test_combinations_multiply_array_lengths_and_add_or_branches() -> None:
    assert combinations({"a": [1, 2, 3], "b": ["x", "y"]}) == 6
    assert combinations({"a": [1, 2], "$or": [{"b": ["x"]}, {"c": ["y", "z"]}]}) == 6


@pytest.mark.parametrize(
    ("policy", "scope", "reason"),
    [
        ({"a": {"b": ["x"]}}, "MessageAttributes", "does not support nested filter policy"),
        ({"$or": [{"a": ["x"]}, {"b": {"c": ["y"]}}]}, "MessageAttributes", "nested"),
        ({k: ["x"] for k in "abcdef"}, "MessageAttributes", "can not have more than 5 keys"),
        ({"a": {"b": ["x"], "c": {k: ["y"] for k in "defgh"}}}, "MessageBody", "more than 5"),
        (
            {"a": list(range(10)), "b": list(range(10)), "c": list(range(2))},
            "MessageAttributes",
            "Filter policy is too complex",
        ),
        ({"a": [{"wildcard": "*x"}]}, "MessageAttributes", "Unrecognized match type wildcard"),
        ({"a": [{"numeric": [">", 2e9]}]}, "MessageAttributes", "out of range"),
        ({"a": [{"exists": 1}]}, "MessageAttributes", "exists match pattern must be"),
        ({"a": "x"}, "MessageAttributes", '"a" must be an object or an array'),
        ({"a": [{"anything-but": {"wildcard": "x"}}]}, "MessageAttributes", "anything-but"),
        ({"a": ["x"]}, "Everything", "Unsupported FilterPolicyScope"),
    ],
)
def test_invalid_policy_is_rejected(policy: dict[str, Any], scope: Any, reason: str) -> None:
    with pytest.raises(InvalidFilterPolicy) as caught:
        FilterPolicy.parse(policy, scope)
    assert str(caught.value).startswith("Invalid parameter: FilterPolicy: ")
    assert reason in str(caught.value)


def test_policy_that_is_not_json_is_rejected() -> None:
    with pytest.raises(InvalidFilterPolicy):
        FilterPolicy.parse('{"a": [')
