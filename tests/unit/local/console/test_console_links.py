"""Each resource type links to its own console page, keyed as that page expects."""

from __future__ import annotations

import pytest

from stratus.local.console.links import function_link, resource_link, stack_link


@pytest.mark.parametrize(
    ("type_name", "physical_id", "expected"),
    [
        ("AWS::Lambda::Function", "todo-api", "/console/functions/todo-api"),
        (
            "AWS::Lambda::Alias",
            "arn:aws:lambda:us-east-1:000000000000:function:orders:live",
            "/console/functions/orders",
        ),
        (
            "AWS::SQS::Queue",
            "https://sqs.us-east-1.localhost:4566/000000000000/orders-dlq",
            "/console/queues/orders-dlq",
        ),
        ("AWS::SNS::Topic", "arn:aws:sns:us-east-1:000000000000:events", "/console/topics/events"),
        ("AWS::Kinesis::Stream", "clicks", "/console/streams/clicks"),
        ("AWS::DynamoDB::Table", "Todos", "/console/tables/Todos"),
        ("AWS::S3::Bucket", "my-bucket", "/console/buckets/my-bucket"),
        ("AWS::Events::Rule", "nightly", "/console/rules/default/nightly"),
        ("AWS::Events::Rule", "shop-bus|order-placed", "/console/rules/shop-bus/order-placed"),
        ("AWS::ApiGateway::RestApi", "a1b2c3", "/console/apis/a1b2c3"),
        ("AWS::ApiGatewayV2::Api", "h4t5p6", "/console/apis/h4t5p6"),
        ("AWS::CloudFront::Distribution", "E2ABC", "/console/distributions/E2ABC"),
        ("AWS::CloudWatch::Alarm", "errors high", "/console/alarms/errors%20high"),
        ("AWS::CloudWatch::Dashboard", "ops", "/console/dashboards/ops"),
    ],
)
def test_each_type_links_to_its_page(type_name: str, physical_id: str, expected: str) -> None:
    assert resource_link(type_name, physical_id) == expected


def test_region_is_a_query() -> None:
    assert (
        resource_link("AWS::S3::Bucket", "b", "eu-west-1") == "/console/buckets/b?region=eu-west-1"
    )


@pytest.mark.parametrize(
    ("type_name", "physical_id"),
    [
        ("AWS::IAM::Role", "role-name"),
        ("AWS::Lambda::Permission", "abc"),
        ("AWS::S3::Bucket", ""),
        ("AWS::RDS::DBInstance", "unsupported:Stack/Db.Endpoint.Address"),
    ],
)
def test_types_without_a_page_have_no_link(type_name: str, physical_id: str) -> None:
    assert resource_link(type_name, physical_id) is None


def test_names_cannot_leave_their_path_segment() -> None:
    assert resource_link("AWS::S3::Bucket", "../../stacks") == "/console/buckets/..%2F..%2Fstacks"
    assert stack_link("a/b") == "/console/stacks/a%2Fb"
    assert function_link("fn?x=<1>") == "/console/functions/fn%3Fx%3D%3C1%3E"
