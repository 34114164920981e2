"""Where each resource type is shown in the console: `resource_link(type, physical_id,
region)` answers the console URL of a provisioned resource's own page, or None for a type
no page shows.

Physical ids are what CloudFormation's Ref answers for the type (the AWS resource type
reference, "Return values" of each page, e.g.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
and https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html):
a queue's URL, a topic's ARN, a version's or alias's ARN, and for every other type here its
name or id; the name a page is keyed by is taken out of them. An EventBridge rule on a custom
bus is recorded by the local provisioner as `bus|rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

BASE = "/console"


def _last(separator: str) -> Callable[[str], str]:
    return lambda physical_id: physical_id.rstrip(separator).rsplit(separator, 1)[-1]


def _function_of_arn(physical_id: str) -> str:
    """'arn:aws:lambda:r:a:function:name[:qualifier]' (or a bare name) -> 'name'."""
    if ":function:" in physical_id:
        return physical_id.split(":function:", 1)[1].split(":", 1)[0]
    return physical_id


def _rule(physical_id: str) -> str:
    bus, _, rule = physical_id.rpartition("|")
    return f"{quote(bus or 'default', safe='')}/{quote(rule, safe='')}"


def _same(physical_id: str) -> str:
    return physical_id


# type -> (console section, how to take the page's key out of the physical id)
_VIEWS: dict[str, tuple[str, Callable[[str], str]]] = {
    "AWS::Lambda::Function": ("functions", _function_of_arn),
    "AWS::Lambda::Version": ("functions", _function_of_arn),
    "AWS::Lambda::Alias": ("functions", _function_of_arn),
    "AWS::SQS::Queue": ("queues", _last("/")),
    "AWS::SNS::Topic": ("topics", _last(":")),
    "AWS::Kinesis::Stream": ("streams", _same),
    "AWS::DynamoDB::Table": ("tables", _same),
    "AWS::DynamoDB::GlobalTable": ("tables", _same),
    "AWS::S3::Bucket": ("buckets", _same),
    "AWS::ApiGateway::RestApi": ("apis", _same),
    "AWS::ApiGatewayV2::Api": ("apis", _same),
    "AWS::CloudFront::Distribution": ("distributions", _same),
    "AWS::CloudWatch::Alarm": ("alarms", _same),
    "AWS::CloudWatch::CompositeAlarm": ("alarms", _same),
    "AWS::CloudWatch::Dashboard": ("dashboards", _same),
}


def resource_link(type_name: str, physical_id: str, region: str | None = None) -> str | None:
    """The console page of a resource (with `?region=` when one is given), or None."""
    if not physical_id or physical_id.startswith("unsupported:"):
        return None
    if type_name == "AWS::Events::Rule":
        path = f"{BASE}/rules/{_rule(physical_id)}"
    else:
        view = _VIEWS.get(type_name)
        if view is None:
            return None
        section, key_of = view
        key = key_of(physical_id)
        if not key:
            return None
        path = f"{BASE}/{section}/{quote(key, safe='')}"
    return f"{path}?{urlencode({'region': region})}" if region else path


def stack_link(stack: str) -> str:
    return f"{BASE}/stacks/{quote(stack, safe='')}"


def function_link(name: str, region: str | None = None) -> str:
    link = resource_link("AWS::Lambda::Function", name, region)
    assert link is not None
    return link
