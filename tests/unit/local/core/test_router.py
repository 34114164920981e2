"""The router names service and operation for requests of every protocol, as boto3 sends them."""

from __future__ import annotations

import pytest
from tests.unit.local.core.wire import wire_request

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.router import route

CASES = [
    # json
    ("dynamodb", "put_item", {"TableName": "t", "Item": {"k": {"S": "v"}}}, "PutItem"),
    ("dynamodb", "query", {"TableName": "t", "KeyConditionExpression": "k = :v"}, "Query"),
    ("dynamodbstreams", "list_streams", {}, "ListStreams"),
    (
        "sqs",
        "send_message",
        {"QueueUrl": "http://x/000000000000/q", "MessageBody": "b"},
        "SendMessage",
    ),
    ("kinesis", "put_record", {"StreamName": "s", "Data": b"x", "PartitionKey": "p"}, "PutRecord"),
    (
        "events",
        "put_events",
        {"Entries": [{"Source": "a", "DetailType": "b", "Detail": "{}"}]},
        "PutEvents",
    ),
    (
        "cognito-idp",
        "initiate_auth",
        {"ClientId": "c", "AuthFlow": "USER_PASSWORD_AUTH"},
        "InitiateAuth",
    ),
    (
        "logs",
        "put_log_events",
        {
            "logGroupName": "g",
            "logStreamName": "s",
            "logEvents": [{"timestamp": 1, "message": "m"}],
        },
        "PutLogEvents",
    ),
    ("secretsmanager", "get_secret_value", {"SecretId": "s"}, "GetSecretValue"),
    # query
    (
        "sns",
        "publish",
        {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "m"},
        "Publish",
    ),
    ("iam", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}, "CreateRole"),
    ("sts", "get_caller_identity", {}, "GetCallerIdentity"),
    ("cloudformation", "describe_stacks", {}, "DescribeStacks"),
    # rest-json
    ("lambda", "invoke", {"FunctionName": "f", "Payload": b"{}"}, "Invoke"),
    ("lambda", "list_functions", {}, "ListFunctions"),
    ("lambda", "get_function", {"FunctionName": "f"}, "GetFunction"),
    ("lambda", "list_versions_by_function", {"FunctionName": "f"}, "ListVersionsByFunction"),
    ("lambda", "list_aliases", {"FunctionName": "f"}, "ListAliases"),
    ("apigateway", "get_rest_apis", {}, "GetRestApis"),
    # rest-xml
    ("s3", "list_buckets", {}, "ListBuckets"),
    ("s3", "create_bucket", {"Bucket": "b"}, "CreateBucket"),
    ("s3", "put_object", {"Bucket": "b", "Key": "a/b c.txt", "Body": b"x"}, "PutObject"),
    ("s3", "get_object", {"Bucket": "b", "Key": "k"}, "GetObject"),
    ("s3", "head_object", {"Bucket": "b", "Key": "k"}, "HeadObject"),
    ("s3", "delete_object", {"Bucket": "b", "Key": "k"}, "DeleteObject"),
    (
        "s3",
        "delete_objects",
        {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}},
        "DeleteObjects",
    ),
    ("s3", "copy_object", {"Bucket": "b", "Key": "k", "CopySource": "b/o"}, "CopyObject"),
    ("s3", "list_objects_v2", {"Bucket": "b"}, "ListObjectsV2"),
    ("s3", "list_objects", {"Bucket": "b"}, "ListObjects"),
    ("s3", "create_multipart_upload", {"Bucket": "b", "Key": "k"}, "CreateMultipartUpload"),
    (
        "s3",
        "complete_multipart_upload",
        {"Bucket": "b", "Key": "k", "UploadId": "u", "MultipartUpload": {"Parts": []}},
        "CompleteMultipartUpload",
    ),
    (
        "s3",
        "upload_part",
        {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 1, "Body": b"x"},
        "UploadPart",
    ),
    (
        "s3",
        "put_bucket_notification_configuration",
        {"Bucket": "b", "NotificationConfiguration": {}},
        "PutBucketNotificationConfiguration",
    ),
]


@pytest.mark.parametrize(("service", "method", "params", "operation"), CASES)
def test_boto3_request_routes_to_its_service_and_operation(
    service: str, method: str, params: dict, operation: str
) -> None:
    call = route(wire_request(service, method, **params))
    assert (call.service, call.operation) == (service, operation)


def test_s3_labels_are_decoded() -> None:
    call = route(wire_request("s3", "put_object", Bucket="b", Key="a/b c+d.txt", Body=b"x"))
    assert call.labels == {"Bucket": "b", "Key": "a/b c+d.txt"}


def test_lambda_invoke_carries_function_name_label() -> None:
    call = route(wire_request("lambda", "invoke", FunctionName="my-fn", Qualifier="live"))
    assert call.labels == {"FunctionName": "my-fn"}
    assert call.request.query_value("Qualifier") == "live"


def test_region_comes_from_the_credential_scope() -> None:
    call = route(wire_request("sqs", "list_queues"))
    assert call.region == "us-east-1"


def test_unsigned_browser_post_is_an_s3_post_object() -> None:
    request = AwsRequest(
        method="POST",
        path="/bucket",
        raw_path="/bucket",
        query_string="",
        headers={"content-type": "multipart/form-data; boundary=x"},
        body=b"",
    )
    call = route(request)
    assert (call.service, call.operation, call.labels) == ("s3", "PostObject", {"Bucket": "bucket"})


def test_unknown_path_of_a_known_service_has_no_operation() -> None:
    request = wire_request("lambda", "list_functions")
    request.path = request.raw_path = "/nowhere/at/all"
    call = route(request)
    assert call.service == "lambda"
    assert call.operation is None


def test_reads_are_told_apart_from_writes() -> None:
    assert route(wire_request("dynamodb", "get_item", TableName="t", Key={})).is_read
    assert not route(wire_request("dynamodb", "put_item", TableName="t", Item={})).is_read
    assert route(wire_request("s3", "get_object", Bucket="b", Key="k")).is_read


def test_sqs_query_protocol_routes_as_api_gateway_sends_it() -> None:
    # API Gateway's SQS integrations post `Action=SendMessage` forms to /{account}/{queue}.
    request = AwsRequest(
        method="POST",
        path="/000000000000/q",
        raw_path="/000000000000/q",
        query_string="",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "authorization": "AWS4-HMAC-SHA256 "
            "Credential=AKID/20260101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=x",
        },
        body=b"Action=SendMessage&MessageBody=hi",
    )
    call = route(request)
    assert (call.service, call.operation, call.protocol) == ("sqs", "SendMessage", "query")


def test_routes_picked_by_method_and_query_match_as_the_full_table_does() -> None:
    """Only the routes that could match are tried; the first match is the full scan's."""
    from urllib.parse import unquote

    from stratus.local.core import router

    cases = [*CASES, ("s3", "get_object", {"Bucket": "b", "Key": "a/b"}, "GetObject")]
    cases.append(("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"x"}, "PutObject"))
    cases.append(("s3", "list_objects_v2", {"Bucket": "b"}, "ListObjectsV2"))
    seen = set()
    for service, operation, params, _ in cases:
        request = wire_request(service, operation, **params)
        call = route(request)
        if call.service not in ("s3", "lambda", "apigateway") or call.protocol not in (
            "rest-json",
            "rest-xml",
        ):
            continue
        parts = router._split(request.raw_path or request.path)
        query = dict(request.query)
        full = next(
            (
                (r.operation, {k: unquote(v) for k, v in labels.items()})
                for r in router._rest_routes(call.service)
                if (labels := r.match(request.method, parts, query, request.headers)) is not None
            ),
            (None, {}),
        )
        assert router._rest_operation(call.service, request) == full, operation
        seen.add(full[0])
    assert {"GetObject", "PutObject", "ListObjectsV2", "DeleteObjects"} <= seen
