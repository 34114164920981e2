"""EventBridge event patterns: every documented operator, matched and not matched."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.local.events.patterns import EventPattern, InvalidEventPatternException

# The sample event of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}


def matches(pattern: dict[str, Any], detail: Any) -> bool:
    return EventPattern.parse(pattern).matches({"source": "app", "detail": detail})


def test_docs_ec2_termination_pattern_matches_docs_event() -> None:
    pattern = {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["terminated"]},
    }
    assert EventPattern.parse(pattern).matches(EC2_EVENT)
    running = {**EC2_EVENT, "detail": {**EC2_EVENT["detail"], "state": "running"}}
    assert not EventPattern.parse(pattern).matches(running)


def test_pattern_parses_from_json_text() -> None:
    assert EventPattern.parse('{"source": ["aws.ec2"]}').matches(EC2_EVENT)
    assert not EventPattern.parse('{"source": ["aws.s3"]}').matches(EC2_EVENT)


def test_fields_are_anded_values_are_ored() -> None:
    pattern = {"detail": {"a": ["x", "y"], "b": ["z"]}}
    assert matches(pattern, {"a": "y", "b": "z"})
    assert not matches(pattern, {"a": "y", "b": "q"})
    assert not matches(pattern, {"a": "w", "b": "z"})


def test_missing_field_does_not_match_exact_value() -> None:
    assert not matches({"detail": {"a": ["x"]}}, {"b": "x"})


def test_exact_match_is_case_sensitive_and_typed() -> None:
    assert not matches({"detail": {"a": ["X"]}}, {"a": "x"})
    assert not matches({"detail": {"a": ["5"]}}, {"a": 5})
    assert matches({"detail": {"a": [5]}}, {"a": 5.0})


def test_true_is_not_the_number_one() -> None:
    assert not matches({"detail": {"a": [1]}}, {"a": True})
    assert matches({"detail": {"a": [True]}}, {"a": True})
    assert not matches({"detail": {"a": [True]}}, {"a": 1})


def test_event_array_matches_if_any_element_matches() -> None:
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
    pattern = {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}
    event = {
        "resources": [
            "arn:aws:autoscaling:x",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        ]
    }
    assert EventPattern.parse(pattern).matches(event)
    assert not EventPattern.parse(pattern).matches({"resources": ["arn:aws:autoscaling:x"]})


def test_nested_pattern_matches_any_object_of_an_event_array() -> None:
    pattern = {"detail": {"items": {"sku": ["B"]}}}
    assert matches(pattern, {"items": [{"sku": "A"}, {"sku": "B"}]})
    assert not matches(pattern, {"items": [{"sku": "A"}]})


def test_fields_of_an_array_element_must_match_in_the_same_element() -> None:
    pattern = {"detail": {"items": {"sku": ["A"], "qty": [2]}}}
    assert matches(pattern, {"items": [{"sku": "A", "qty": 2}]})
    assert not matches(pattern, {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]})


def test_dotted_pattern_key_is_a_key_not_a_path() -> None:
    assert not matches({"detail": {"a.b": ["x"]}}, {"a": {"b": "x"}})
    assert matches({"detail": {"a.b": ["x"]}}, {"a.b": "x"})


def test_null_value_matches_null_not_missing() -> None:
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
    pattern = {"detail": {"responseElements": [None]}}
    assert matches(pattern, {"responseElements": None})
    assert not matches(pattern, {})
    assert not matches(pattern, {"responseElements": ""})


def test_empty_string_matches_empty_string_only() -> None:
    pattern = {"detail": {"eventVersion": [""]}}
    assert matches(pattern, {"eventVersion": ""})
    assert not matches(pattern, {"eventVersion": None})


def test_prefix_matches_start_of_string() -> None:
    pattern = {"time": [{"prefix": "2017-10-02"}]}
    assert EventPattern.parse(pattern).matches({"time": "2017-10-02T18:43:48Z"})
    assert not EventPattern.parse(pattern).matches({"time": "2017-10-03T18:43:48Z"})


def test_prefix_does_not_match_numbers() -> None:
    assert not matches({"detail": {"n": [{"prefix": "12"}]}}, {"n": 123})


def test_prefix_equals_ignore_case() -> None:
    pattern = {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}
    assert matches(pattern, {"service": "eventbridge"})
    assert matches(pattern, {"service": "EVENTBRIDGE"})
    assert not matches(pattern, {"service": "bridge"})


def test_suffix_matches_end_of_string() -> None:
    pattern = {"detail": {"FileName": [{"suffix": ".png"}]}}
    assert matches(pattern, {"FileName": "photo.png"})
    assert not matches(pattern, {"FileName": "photo.PNG"})


def test_suffix_equals_ignore_case() -> None:
    pattern = {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}
    assert matches(pattern, {"FileName": "photo.PNG"})
    assert not matches(pattern, {"FileName": "photo.jpg"})


def test_equals_ignore_case() -> None:
    pattern = {"detail": {"name": [{"equals-ignore-case": "alice"}]}}
    assert matches(pattern, {"name": "ALICE"})
    assert not matches(pattern, {"name": "alicia"})


def test_anything_but_string_excludes_that_value() -> None:
    pattern = {"detail": {"state": [{"anything-but": "initializing"}]}}
    assert matches(pattern, {"state": "running"})
    assert not matches(pattern, {"state": "initializing"})


def test_anything_but_does_not_match_a_missing_field() -> None:
    assert not matches({"detail": {"state": [{"anything-but": "initializing"}]}}, {})


def test_anything_but_number() -> None:
    pattern = {"detail": {"x-limit": [{"anything-but": 123}]}}
    assert matches(pattern, {"x-limit": 456})
    assert not matches(pattern, {"x-limit": 123})


def test_anything_but_list_excludes_every_listed_value() -> None:
    pattern = {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}
    assert matches(pattern, {"state": "running"})
    assert not matches(pattern, {"state": "overloaded"})


def test_anything_but_on_event_array_matches_if_any_element_is_not_excluded() -> None:
    pattern = {"detail": {"tags": [{"anything-but": "a"}]}}
    assert matches(pattern, {"tags": ["a", "b"]})
    assert not matches(pattern, {"tags": ["a"]})


def test_anything_but_prefix_excludes_matching_prefix() -> None:
    pattern = {"detail": {"Region": [{"anything-but": {"prefix": "us-"}}]}}
    assert matches(pattern, {"Region": "eu-west-1"})
    assert not matches(pattern, {"Region": "us-east-1"})


def test_anything_but_suffix_excludes_matching_suffix() -> None:
    pattern = {"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}
    assert matches(pattern, {"FileName": "a.txt"})
    assert not matches(pattern, {"FileName": "a.png"})


def test_anything_but_equals_ignore_case_excludes_any_casing() -> None:
    pattern = {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "x"]}}]}}
    assert matches(pattern, {"state": "running"})
    assert not matches(pattern, {"state": "STOPPED"})


def test_anything_but_wildcard_excludes_matching_paths() -> None:
    pattern = {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}
    assert matches(pattern, {"FilePath": "/usr/bin/python"})
    assert not matches(pattern, {"FilePath": "/usr/lib/python"})


def test_numeric_range() -> None:
    pattern = {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}
    assert matches(pattern, {"c-count": 5})
    assert matches(pattern, {"c-count": 0.5})
    assert not matches(pattern, {"c-count": 0})
    assert not matches(pattern, {"c-count": 6})


def test_numeric_equals() -> None:
    pattern = {"detail": {"price": [{"numeric": ["=", 100]}]}}
    assert matches(pattern, {"price": 100.0})
    assert not matches(pattern, {"price": 100.5})


def test_numeric_ignores_strings_and_booleans() -> None:
    pattern = {"detail": {"n": [{"numeric": [">=", 0]}]}}
    assert not matches(pattern, {"n": "5"})
    assert not matches(pattern, {"n": True})


def test_exists_true_requires_a_leaf_value() -> None:
    pattern = {"detail": {"c-count": [{"exists": True}]}}
    assert matches(pattern, {"c-count": 3})
    assert matches(pattern, {"c-count": None})
    assert not matches(pattern, {})
    assert not matches(pattern, {"c-count": {"c1": 100}})
    assert not matches(pattern, {"c-count": []})


def test_exists_false_matches_absent_field_and_intermediate_node() -> None:
    pattern = {"detail": {"c-count": [{"exists": False}]}}
    assert matches(pattern, {})
    assert matches(pattern, {"c-count": {"c1": 100}})
    assert not matches(pattern, {"c-count": 3})
    assert not matches(pattern, {"c-count": ["x"]})


def test_exists_false_matches_when_parent_is_missing() -> None:
    pattern = {"detail": {"a": {"b": [{"exists": False}]}}}
    assert matches(pattern, {})
    assert not matches(pattern, {"a": {"b": 1}})


def test_cidr_ipv4() -> None:
    pattern = {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}
    assert matches(pattern, {"sourceIPAddress": "10.0.0.255"})
    assert not matches(pattern, {"sourceIPAddress": "10.0.1.1"})
    assert not matches(pattern, {"sourceIPAddress": "not-an-ip"})


def test_cidr_ipv6() -> None:
    pattern = {"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]}}
    assert matches(pattern, {"sourceIPAddress": "2001:db8::1"})
    assert not matches(pattern, {"sourceIPAddress": "2001:db9::1"})
    assert not matches(pattern, {"sourceIPAddress": "10.0.0.1"})


def test_wildcard_matches_any_run_of_characters() -> None:
    pattern = {"detail": {"FilePath": [{"wildcard": "dir/*.png"}]}}
    assert matches(pattern, {"FilePath": "dir/a/b.png"})
    assert matches(pattern, {"FilePath": "dir/.png"})
    assert not matches(pattern, {"FilePath": "dir/a.jpg"})


def test_wildcard_escaped_star_is_literal() -> None:
    pattern = {"detail": {"name": [{"wildcard": "a\\*b"}]}}
    assert matches(pattern, {"name": "a*b"})
    assert not matches(pattern, {"name": "axb"})


def test_wildcard_escaped_backslash_is_literal() -> None:
    pattern = {"detail": {"name": [{"wildcard": "a\\\\*"}]}}
    assert matches(pattern, {"name": "a\\xyz"})
    assert not matches(pattern, {"name": "axyz"})


def test_or_matches_when_one_branch_matches() -> None:
    pattern = {"detail": {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}}
    assert matches(pattern, {"Location": "Boston", "Day": "Monday"})
    assert matches(pattern, {"Location": "New York", "Day": "Sunday"})
    assert not matches(pattern, {"Location": "Boston", "Day": "Sunday"})


def test_or_at_top_level_with_other_fields_is_anded() -> None:
    pattern = {
        "source": ["app"],
        "$or": [{"detail": {"a": ["1"]}}, {"detail": {"b": [{"numeric": [">", 1]}]}}],
    }
    assert matches(pattern, {"b": 2})
    assert not EventPattern.parse(pattern).matches({"source": "other", "detail": {"b": 2}})
    assert not matches(pattern, {"b": 1})


def test_mixed_conditions_in_one_array_are_ored() -> None:
    pattern = {"detail": {"v": [{"prefix": "a"}, {"numeric": [">", 10]}, None]}}
    assert matches(pattern, {"v": "abc"})
    assert matches(pattern, {"v": 11})
    assert matches(pattern, {"v": None})
    assert not matches(pattern, {"v": 5})


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ('{"source": ', "Invalid JSON"),
        ("[1]", "Filter is not an object"),
        ({"source": "aws.ec2"}, '"source" must be an object or an array'),
        ({"source": []}, "Empty arrays are not allowed"),
        ({"a": [{"prefx": "x"}]}, "Unrecognized match type prefx"),
        ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
        ({"a": [{"prefix": 1}]}, "prefix match pattern must be a string"),
        ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
        ({"a": [[1]]}, "Match value must be String, number, true, false, or null"),
        ({"a": [{"numeric": [">", "x"]}]}, "Value of > must be numeric"),
        ({"a": [{"numeric": ["~", 1]}]}, "Unrecognized numeric range operator: ~"),
        ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
        ({"a": [{"numeric": [">", 1, ">=", 2]}]}, "Bad numeric range operator: >="),
        ({"a": [{"numeric": ["=", 1, "<", 2]}]}, "Bad numeric range operator: <"),
        ({"a": [{"numeric": ["<", 1, ">", 0, "=", 3]}]}, "Too many elements"),
        ({"a": [{"numeric": [">", 6e9]}]}, "out of range"),
        ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters"),
        ({"a": [{"wildcard": "a\\b"}]}, "Invalid escape character"),
        ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR"),
        ({"a": [{"cidr": "10.0.0.300/8"}]}, "Nonstandard IP address"),
        ({"a": [{"anything-but": ["a", 1]}]}, "Value of anything-but must be an array"),
        ({"a": [{"anything-but": {"numeric": [">", 1]}}]}, "Unsupported anything-but"),
        ({"$or": {"a": ["x"]}}, "$or must be an array of objects"),
        ({"$or": ["x"]}, "$or must be an array of objects"),
    ],
)
def test_malformed_pattern_is_rejected_with_reason(pattern: Any, reason: str) -> None:
    with pytest.raises(InvalidEventPatternException) as caught:
        EventPattern.parse(pattern)
    assert str(caught.value).startswith("Event pattern is not valid. Reason: ")
    assert reason in str(caught.value)
