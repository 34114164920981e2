"""MotoApp answers every protocol moto serves, in-process, behind uvicorn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def endpoint(moto: MotoApp) -> Iterator[str]:
    with serve(MotoAsgi(moto)) as url:
        yield url


@pytest.fixture
def aws(endpoint: str) -> Any:
    return client_factory(endpoint)


def test_json_protocol_dynamodb_round_trip(aws: Any) -> None:
    ddb = aws("dynamodb")
    ddb.create_table(
        TableName="t1",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="t1", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    assert ddb.get_item(TableName="t1", Key={"pk": {"S": "a"}})["Item"]["v"] == {"N": "1"}


def test_json_protocol_error_keeps_status_and_code(aws: Any) -> None:
    with pytest.raises(aws("dynamodb").exceptions.ResourceNotFoundException):
        aws("dynamodb").describe_table(TableName="missing")


def test_query_protocol_iam_sts_sqs_sns(aws: Any) -> None:
    aws("iam").create_role(RoleName="r1", AssumeRolePolicyDocument="{}")
    assert aws("iam").get_role(RoleName="r1")["Role"]["RoleName"] == "r1"
    assert aws("sts").get_caller_identity()["Account"].isdigit()
    url = aws("sqs").create_queue(QueueName="q1")["QueueUrl"]
    aws("sqs").send_message(QueueUrl=url, MessageBody="hi")
    msgs = aws("sqs").receive_message(QueueUrl=url)["Messages"]
    assert msgs[0]["Body"] == "hi"
    arn = aws("sns").create_topic(Name="t1")["TopicArn"]
    assert arn.endswith(":t1")


def test_json_protocol_cognito_logs_secrets(aws: Any) -> None:
    pool = aws("cognito-idp").create_user_pool(PoolName="p")["UserPool"]["Id"]
    assert aws("cognito-idp").describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool
    aws("logs").create_log_group(logGroupName="/g")
    # moto's backends are process-wide: another test in this worker may hold groups too
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/g")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/g"]
    aws("secretsmanager").create_secret(Name="s", SecretString="v")
    assert aws("secretsmanager").get_secret_value(SecretId="s")["SecretString"] == "v"


def test_rest_xml_s3_path_style_keys_metadata_and_head(aws: Any) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="bucket-one")
    key = "dir/a b+c%d.txt"
    s3.put_object(Bucket="bucket-one", Key=key, Body=b"hello", Metadata={"my_key": "v"})
    got = s3.get_object(Bucket="bucket-one", Key=key)
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"my_key": "v"}
    head = s3.head_object(Bucket="bucket-one", Key=key)
    assert head["ContentLength"] == 5
    listed = s3.list_objects_v2(Bucket="bucket-one")["Contents"]
    assert [o["Key"] for o in listed] == [key]


def test_s3_presigned_post_form_upload(aws: Any, endpoint: str) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="bucket-two")
    post = s3.generate_presigned_post("bucket-two", "up/x.bin")
    resp = httpx.post(post["url"], data=post["fields"], files={"file": ("x.bin", b"\x00\x01")})
    assert resp.status_code in (200, 204)
    assert s3.get_object(Bucket="bucket-two", Key="up/x.bin")["Body"].read() == b"\x00\x01"


def test_s3_missing_key_is_404_with_xml_error(endpoint: str, aws: Any) -> None:
    aws("s3").create_bucket(Bucket="bucket-three")
    resp = httpx.get(f"{endpoint}/bucket-three/nope")
    assert resp.status_code in (403, 404)
    assert b"<Error>" in resp.content


def test_reset_forgets_resources(aws: Any) -> None:
    moto = MotoApp()
    aws("sqs").create_queue(QueueName="gone")
    moto.reset()
    names = json.dumps(aws("sqs").list_queues())
    assert "gone" not in names


def test_moto_crash_is_a_500_in_the_protocol_without_stack_trace(moto: MotoApp) -> None:
    auth = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, Signature=x"
    headers = {
        "host": "127.0.0.1:4566",
        "x-amz-target": "DynamoDB_20120810.DescribeTable",
        "content-type": "application/x-amz-json-1.0",
        "authorization": auth,
    }
    status, _, body = moto.call(AwsRequest("POST", "/", "/", "", headers, b"{not json"))
    assert status == 500
    assert json.loads(body)["__type"] == "InternalFailure"
    assert b"Traceback" not in body
