"""API Gateway, Rekognition, S3 (through s3guard), unknown calls, and needs() speed."""

from __future__ import annotations

import time

from tests.unit.local.iam.calls import ACCOUNT, arn, call_of, needs_of

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.iam.actions import Need, iam_prefix, needs


def test_api_gateway_management_is_method_on_path() -> None:
    assert needs_of("apigateway", "get_rest_apis") == [
        Need("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis")
    ]
    assert needs_of("apigateway", "get_stage", restApiId="a1b2c3", stageName="prod") == [
        Need("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod")
    ]
    assert needs_of("apigatewayv2", "get_api", ApiId="h1t2p3") == [
        Need("apigateway:GET", "arn:aws:apigateway:us-east-1::/apis/h1t2p3")
    ]


def test_rekognition_images_take_no_resource_collections_do() -> None:
    image = {"S3Object": {"Bucket": "photos", "Name": "a.jpg"}}
    assert needs_of("rekognition", "detect_labels", Image=image) == [
        Need("rekognition:DetectLabels", "*")
    ]
    assert needs_of("rekognition", "index_faces", CollectionId="staff", Image=image) == [
        Need("rekognition:IndexFaces", arn("rekognition", "collection/staff"))
    ]


def test_s3_is_answered_by_the_s3_guard() -> None:
    assert needs_of("s3", "get_object", Bucket="photos", Key="a/b.jpg") == [
        Need("s3:GetObject", "arn:aws:s3:::photos/a/b.jpg")
    ]
    assert needs_of("s3", "list_objects_v2", Bucket="photos", Prefix="a/") == [
        Need("s3:ListBucket", "arn:aws:s3:::photos", {"s3:prefix": "a/"})
    ]


def test_an_unmapped_service_or_operation_needs_its_own_action_on_everything() -> None:
    assert needs_of("ecs", "list_clusters") == [Need("ecs:ListClusters", "*")]
    assert needs_of("cloudformation", "describe_stacks") == [
        Need("cloudformation:DescribeStacks", "*")
    ]
    unrouted = AwsCall(
        request=AwsRequest(
            method="POST", path="/", raw_path="/", query_string="", headers={}, body=b""
        ),
        service="sqs",
        operation=None,
    )
    assert needs(unrouted, account=ACCOUNT) == [Need("sqs:UnknownOperation", "*")]
    assert iam_prefix("cloudwatch") == "cloudwatch"
    assert iam_prefix("sesv2") == "ses"
    assert iam_prefix("stepfunctions") == "states"
    assert iam_prefix("elbv2") == "elasticloadbalancing"


def test_malformed_input_still_needs_the_action() -> None:
    call = call_of("dynamodb", "list_tables")
    call.request.body = b'{"RequestItems": ["not", "a", "map"]}'
    call.operation = "BatchWriteItem"
    call._params = None
    assert needs(call, account=ACCOUNT) == [Need("dynamodb:BatchWriteItem", "*")]


def test_needs_takes_microseconds() -> None:
    calls = [
        call_of("dynamodb", "query", TableName="Todos", KeyConditionExpression="u = :u",
                ExpressionAttributeValues={":u": {"S": "x"}}),
        call_of("sqs", "send_message", QueueUrl=f"http://h/{ACCOUNT}/q", MessageBody="x"),
        call_of("lambda", "invoke", FunctionName="orders:live"),
        call_of("events", "put_events",
                Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}]),
    ]  # fmt: skip
    for call in calls:
        needs(call, account=ACCOUNT)  # warm: params parsed, models loaded
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        for call in calls:
            needs(call, account=ACCOUNT)
    per_call = (time.perf_counter() - start) / (rounds * len(calls))
    assert per_call < 100e-6, f"{per_call * 1e6:.1f} us per call"


def test_websocket_connections_name_api_stage_and_connection() -> None:
    routed = needs_of(
        "apigatewaymanagementapi", "post_to_connection", ConnectionId="L0S=", Data=b"x"
    )
    assert routed == [
        Need("execute-api:ManageConnections", arn("execute-api", "*/*/POST/@connections/L0S="))
    ]
    # As sent to the API's own endpoint: https://<api-id>.execute-api.<region>.amazonaws.com/<stage>
    request = AwsRequest(
        method="DELETE",
        path="/prod/@connections/L0S=",
        raw_path="/prod/@connections/L0S=",
        query_string="",
        headers={"host": "a1b2c3.execute-api.us-east-1.amazonaws.com"},
        body=b"",
    )
    call = AwsCall(
        request=request,
        service="apigatewaymanagementapi",
        operation="DeleteConnection",
        protocol="rest-json",
        labels={"ConnectionId": "L0S="},
    )
    assert needs(call, account=ACCOUNT) == [
        Need(
            "execute-api:ManageConnections",
            arn("execute-api", "a1b2c3/prod/DELETE/@connections/L0S="),
        )
    ]
