"""Straight to moto's handler: the same status, headers and bytes as moto's whole server app.

Each request is answered twice from the same state — by the direct path (which must take
it, not fall back) and by moto's `DomainDispatcherApplication` — for every protocol moto
serves: json, query, rest-xml, rest-json, unsigned Cognito, errors and HEAD. Only values
moto draws at random per request (request ids, dates) are masked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from motofast_wire import Wire

from stratus.local.core.moto_app import MotoApp
from stratus.local.motofast.direct import backend_key, run_wsgi


def scope(region: str, service: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential=AK/20260101/{region}/{service}/aws4_request, S=x"


RANDOM_HEADERS = {"x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "date"}
RANDOM_BODY = re.compile(rb"(<RequestId>|\"RequestId\": \"|<HostId>)[^<\"]*")


def normalized(answer: tuple[int, list[tuple[str, str]], bytes]) -> Any:
    status, headers, body = answer
    masked = [(k, "*" if k.lower() in RANDOM_HEADERS else v) for k, v in headers]
    return status, masked, RANDOM_BODY.sub(rb"\1*", body)


def both(moto: MotoApp, wire: Wire, service: str, operation: str, **params: Any) -> Any:
    request = wire.request(service, operation, **params)
    environ = moto._environ(request)
    app = moto._app.get_application(moto._environ(request))
    direct = moto._dispatch._direct(app, environ)  # type: ignore[attr-defined]
    assert direct is not None, f"{service}.{operation} fell back"
    full = run_wsgi(moto._app, moto._environ(request))
    assert normalized(direct) == normalized(full), f"{service}.{operation}"
    return direct


@pytest.fixture(scope="module")
def seeded(moto: MotoApp, wire: Wire) -> Wire:
    for service, operation, params in [
        ("s3", "create_bucket", {"Bucket": "direct-bucket"}),
        (
            "s3",
            "put_object",
            {
                "Bucket": "direct-bucket",
                "Key": "dir/a b+c%d ü.txt",
                "Body": b"hello",
                "Metadata": {"my_key": "v", "other": "x"},
                "ContentType": "text/plain",
            },
        ),
        (
            "dynamodb",
            "create_table",
            {
                "TableName": "direct-t",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        ("dynamodb", "put_item", {"TableName": "direct-t", "Item": {"pk": {"S": "a"}}}),
        ("sqs", "create_queue", {"QueueName": "direct-q"}),
        ("sns", "create_topic", {"Name": "direct-topic"}),
        ("iam", "create_role", {"RoleName": "direct-role", "AssumeRolePolicyDocument": "{}"}),
        ("cognito-idp", "create_user_pool", {"PoolName": "direct-pool"}),
    ]:
        status, body = wire.call(service, operation, **params)
        assert status == 200, body
    return wire


READS: list[tuple[str, str, dict[str, Any]]] = [
    ("dynamodb", "get_item", {"TableName": "direct-t", "Key": {"pk": {"S": "a"}}}),
    ("dynamodb", "describe_table", {"TableName": "missing"}),  # json error
    ("dynamodbstreams", "list_streams", {}),
    ("sqs", "get_queue_url", {"QueueName": "direct-q"}),
    ("sqs", "get_queue_url", {"QueueName": "missing"}),
    ("sns", "list_topics", {}),  # query protocol
    ("sts", "get_caller_identity", {}),
    ("iam", "get_role", {"RoleName": "direct-role"}),
    ("iam", "get_role", {"RoleName": "missing"}),  # query error
    ("s3", "list_buckets", {}),  # rest-xml
    ("s3", "get_object", {"Bucket": "direct-bucket", "Key": "dir/a b+c%d ü.txt"}),
    ("s3", "head_object", {"Bucket": "direct-bucket", "Key": "dir/a b+c%d ü.txt"}),
    ("s3", "list_objects_v2", {"Bucket": "direct-bucket", "Prefix": "dir/"}),
    ("s3", "get_object", {"Bucket": "direct-bucket", "Key": "missing"}),  # rest-xml error
    ("s3", "get_object", {"Bucket": "missing-bucket", "Key": "k"}),
    ("lambda", "list_functions", {}),  # rest-json
    ("lambda", "get_function", {"FunctionName": "missing"}),
    ("cognito-idp", "list_user_pools", {"MaxResults": 10}),
    ("logs", "describe_log_groups", {}),
]


@pytest.mark.parametrize(
    ("service", "operation", "params"), READS, ids=[f"{s}.{o}" for s, o, _ in READS]
)
def test_direct_answers_as_moto_server_does(
    moto: MotoApp, seeded: Wire, service: str, operation: str, params: dict[str, Any]
) -> None:
    both(moto, seeded, service, operation, **params)


def test_unsigned_cognito_call_goes_direct(moto: MotoApp, seeded: Wire) -> None:
    request = seeded.request(
        "cognito-idp",
        "initiate_auth",
        ClientId="nope",
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "u", "PASSWORD": "p"},
    )
    assert "authorization" not in request.headers  # boto3 sends InitiateAuth unsigned
    environ = moto._environ(request)
    assert backend_key(environ) == ("unsigned", "AWSCognitoIdentityProviderService")
    app = moto._app.get_application(moto._environ(request))
    direct = moto._dispatch._direct(app, environ)  # type: ignore[attr-defined]
    assert direct is not None
    assert normalized(direct) == normalized(run_wsgi(moto._app, moto._environ(request)))


def test_writes_answer_alike_on_both_paths(moto: MotoApp, seeded: Wire) -> None:
    """Same status and header names for writes made once through each path."""
    for key in ("one", "two"):
        both_writes = []
        for path in ("direct", "full"):
            request = seeded.request(
                "s3", "put_object", Bucket="direct-bucket", Key=f"{key}-{path}", Body=b"x" * 100
            )
            environ = moto._environ(request)
            if path == "direct":
                app = moto._app.get_application(moto._environ(request))
                answer = moto._dispatch._direct(app, environ)  # type: ignore[attr-defined]
            else:
                answer = run_wsgi(moto._app, environ)
            assert answer is not None
            both_writes.append(normalized(answer))
        assert both_writes[0] == both_writes[1]


def test_browser_requests_and_preflights_take_moto_whole_app(moto: MotoApp, seeded: Wire) -> None:
    request = seeded.request("s3", "list_buckets")
    request.headers["origin"] = "https://app.example"
    status, headers, _ = moto.call(request)
    assert status == 200
    assert ("Access-Control-Allow-Origin", "https://app.example") in headers or (
        "Access-Control-Allow-Origin",
        "*",
    ) in headers


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"PATH_INFO": "/moto-api/reset"}, None),
        ({"PATH_INFO": "/latest/meta-data/", "HTTP_AUTHORIZATION": "x"}, None),
        (
            {
                "PATH_INFO": "/",
                "HTTP_AUTHORIZATION": scope("eu-west-1", "sqs"),
            },
            ("sqs", "eu-west-1"),
        ),
        (
            {
                "PATH_INFO": "/",
                "HTTP_X_AMZ_TARGET": "DynamoDBStreams_20120810.ListStreams",
                "HTTP_AUTHORIZATION": scope("us-east-1", "dynamodb"),
            },
            ("dynamodb", "us-east-1", "DynamoDBStreams_20120810"),
        ),
        (
            {
                "PATH_INFO": "/v20180820/configuration",
                "HTTP_AUTHORIZATION": scope("us-east-1", "s3"),
            },
            ("s3", "us-east-1", "control"),
        ),
        (
            {
                "PATH_INFO": "/model/x/invocations",
                "HTTP_AUTHORIZATION": scope("us-east-1", "sagemaker"),
            },
            None,
        ),
        ({"PATH_INFO": "/", "HTTP_AUTHORIZATION": "AWS AKID:signature-v2"}, None),
        ({"PATH_INFO": "/bucket/key"}, None),  # unsigned S3 (browser form post): moto decides
    ],
)
def test_backend_key_names_every_fact_moto_decides_on(
    environ: dict[str, Any], key: tuple[str, ...] | None
) -> None:
    assert backend_key(environ) == key


class _Request:
    def __init__(self, method: str) -> None:
        self.method = method


PLAIN_CASES: list[tuple[int, dict[str, Any], Any]] = [
    (200, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-requestid": "r"}, "{}"),
    (200, {}, "ünïcødé body"),
    (201, {"server": "amazon.com", "status": 201}, b"\x00\xffbytes"),
    (200, {"content-length": "999", "x-a": "1", "Content-Length": "5"}, "hello"),
    (400, {"x-amzn-ErrorType": "ValidationException"}, '{"__type": "x"}'),
    (404, {"content-type": "text/xml"}, ""),
    (500, {"Content-Length": "0"}, b""),
    (599, {"x-amz-crc32": 12345}, "x"),
]
NOT_PLAIN_CASES: list[tuple[int, dict[str, Any], Any, str]] = [
    (204, {}, "", "POST"),
    (304, {}, "", "GET"),
    (200, {"content-length": "5"}, "hello", "HEAD"),
    (301, {"Location": "/elsewhere"}, "", "GET"),
    (200, {"Content-Location": "/x"}, "", "GET"),
    (200, {"x-multi": ["a", "b"]}, "", "GET"),
    (200, {"x-bad": "a\r\nb"}, "", "GET"),
    (200, {}, bytearray(b"x"), "GET"),
    (200, {}, ["chunk"], "GET"),
    (200, {"x-flag": True}, "", "GET"),
]


@pytest.mark.parametrize(("status", "headers", "content"), PLAIN_CASES)
def test_plain_answers_are_what_werkzeug_sends(status: int, headers: Any, content: Any) -> None:
    from stratus.local.motofast.direct import _response, plain_answer

    environ = {"REQUEST_METHOD": "POST", "SERVER_NAME": "h", "SERVER_PORT": "1"}
    environ["wsgi.url_scheme"] = "http"
    expected = run_wsgi(_response(_Request("POST"), status, dict(headers), content), environ)
    assert plain_answer(status, dict(headers), content, "POST") == expected


@pytest.mark.parametrize(("status", "headers", "content", "method"), NOT_PLAIN_CASES)
def test_other_answers_go_through_werkzeug(
    status: int, headers: Any, content: Any, method: str
) -> None:
    from stratus.local.motofast.direct import plain_answer

    assert plain_answer(status, headers, content, method) is None


def test_the_handler_region_is_moto_s_and_a_scope_without_one_is_none() -> None:
    from moto.core.responses import BaseResponse

    from stratus.local.core.aws_request import AwsRequest
    from stratus.local.motofast.direct import handler_region

    def region(host: str, authorization: str, agent: str = "") -> str | None:
        headers = {"host": host, "authorization": authorization, "user-agent": agent}
        request = AwsRequest("POST", "/", "/", "", headers, b"")
        return handler_region(request, BaseResponse.region_regex)

    scope = "AWS4-HMAC-SHA256 Credential=test/20261201/eu-west-2/dynamodb/aws4_request, x"
    assert region("127.0.0.1:4566", scope) == "eu-west-2"
    assert region("dynamodb.ap-south-1.amazonaws.com", scope) == "ap-south-1"  # the URL first
    assert region("127.0.0.1:4566", scope, "Boto3/1 region/sa-east-1") == "sa-east-1"
    assert region("127.0.0.1:4566", "AWS4-HMAC-SHA256 garbage") is None  # no error, no guess
