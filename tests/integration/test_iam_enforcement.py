"""IAM on every AWS call, end to end: a user's CDK app (`stratus up --app DIR`) whose
function's role is granted one resource of each service and not its twin; the function's
calls to the twin fail with AWS's AccessDeniedException naming action and resource, as they
would on AWS. Then identity-pool credentials of a real signed-in user against the to-do
system: no table scan, no user listing, whatever the secret key says."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import User, aws_client
from tests.integration.test_files import identity_credentials

ACCOUNT = "000000000000"
REGION = "us-east-1"

APP = """
import aws_cdk as cdk
from aws_cdk import (
    aws_cognito as cognito, aws_dynamodb as ddb, aws_events as events, aws_iam as iam,
    aws_kinesis as kinesis, aws_lambda as lambda_, aws_logs as logs,
    aws_secretsmanager as secrets, aws_sns as sns, aws_sqs as sqs,
)

app = cdk.App()
stack = cdk.Stack(app, "IamProbe")
prober = lambda_.Function(
    stack, "Prober", function_name="iam-prober", runtime=lambda_.Runtime.PYTHON_3_11,
    handler="probe.handler", code=lambda_.Code.from_asset("functions"),
    timeout=cdk.Duration.seconds(30),
)
out = {}
for twin in ("Granted", "Other"):
    key = twin.lower()
    table = ddb.Table(stack, f"{twin}Table", table_name=f"iam-{key}",
        partition_key=ddb.Attribute(name="pk", type=ddb.AttributeType.STRING))
    queue = sqs.Queue(stack, f"{twin}Queue", queue_name=f"iam-{key}")
    topic = sns.Topic(stack, f"{twin}Topic", topic_name=f"iam-{key}")
    stream = kinesis.Stream(stack, f"{twin}Stream", stream_name=f"iam-{key}", shard_count=1)
    target = lambda_.Function(
        stack, f"{twin}Target", function_name=f"iam-{key}-target",
        runtime=lambda_.Runtime.PYTHON_3_11, handler="probe.target",
        code=lambda_.Code.from_asset("functions"),
    )
    bus = events.EventBus(stack, f"{twin}Bus", event_bus_name=f"iam-{key}")
    secret = secrets.Secret(stack, f"{twin}Secret", secret_name=f"iam-{key}")
    group = logs.LogGroup(stack, f"{twin}Logs", log_group_name=f"/iam/{key}")
    pool = cognito.UserPool(stack, f"{twin}Pool", user_pool_name=f"iam-{key}")
    out[f"{twin}PoolId"] = pool.user_pool_id
    out[f"{twin}QueueUrl"] = queue.queue_url
    out[f"{twin}TopicArn"] = topic.topic_arn
    if twin == "Granted":
        table.grant_read_write_data(prober)
        queue.grant_send_messages(prober)
        topic.grant_publish(prober)
        stream.grant_write(prober)
        target.grant_invoke(prober)
        bus.grant_put_events_to(prober)
        secret.grant_read(prober)
        group.grant_write(prober)
        pool.grant(prober, "cognito-idp:AdminGetUser", "cognito-idp:ListUsers")
for action in ("cloudwatch:PutMetricData", "ses:ListIdentities"):
    prober.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=["*"]))
prober.add_to_role_policy(iam.PolicyStatement(
    effect=iam.Effect.DENY, actions=["dynamodb:DeleteItem"], resources=["*"]))
for key, value in out.items():
    cdk.CfnOutput(stack, key, value=value)
app.synth()
"""

HANDLER = """
import boto3
from botocore.exceptions import ClientError


def handler(event, context):
    client = boto3.client(event["service"])
    try:
        getattr(client, event["op"])(**event["params"])
    except ClientError as error:
        found = error.response["Error"]
        return {"error": found["Code"], "message": found["Message"]}
    return {"ok": True}


def target(event, context):
    return {"ok": True}
"""


def write_app(directory: Path) -> Path:
    (directory / "functions").mkdir(parents=True)
    (directory / "functions" / "probe.py").write_text(textwrap.dedent(HANDLER))
    (directory / "app.py").write_text(textwrap.dedent(APP))
    (directory / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    return directory


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = write_app(tmp_path_factory.mktemp("iam-probe-app"))
    proc, handle = start_local_cloud(None, app_dir=app_dir)
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def probe(cloud: LocalCloudHandle, service: str, op: str, **params: Any) -> dict[str, Any]:
    result = aws_client(cloud, "lambda").invoke(
        FunctionName="iam-prober",
        Payload=json.dumps({"service": service, "op": op, "params": params}).encode(),
    )
    assert "FunctionError" not in result, result["Payload"].read()
    return dict(json.loads(result["Payload"].read()))


def role_session(cloud: LocalCloudHandle) -> str:
    role = aws_client(cloud, "lambda").get_function(FunctionName="iam-prober")
    role_name = role["Configuration"]["Role"].rsplit("/", 1)[-1]
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/iam-prober"


def denied(cloud: LocalCloudHandle, found: dict[str, Any], action: str, resource: str) -> None:
    assert found.get("error") in ("AccessDeniedException", "AccessDenied"), found
    assert found["message"] == (
        f"User: {role_session(cloud)} is not authorized to perform: {action} on resource: "
        f"{resource} because no identity-based policy allows the {action} action"
    )


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def test_dynamodb(probe_app: LocalCloudHandle) -> None:
    key = {"pk": {"S": "a"}}
    assert probe(probe_app, "dynamodb", "put_item", TableName="iam-granted", Item=key) == {
        "ok": True
    }
    found = probe(probe_app, "dynamodb", "get_item", TableName="iam-other", Key=key)
    denied(probe_app, found, "dynamodb:GetItem", arn("dynamodb", "table/iam-other"))


def test_explicit_deny_wins_over_the_table_grant(probe_app: LocalCloudHandle) -> None:
    found = probe(
        probe_app, "dynamodb", "delete_item", TableName="iam-granted", Key={"pk": {"S": "a"}}
    )
    assert found["error"] == "AccessDeniedException"
    assert found["message"].endswith("with an explicit deny in an identity-based policy")


def test_sqs(probe_app: LocalCloudHandle) -> None:
    granted, other = (
        probe_app.stack_output("GrantedQueueUrl"),
        probe_app.stack_output("OtherQueueUrl"),
    )
    assert probe(probe_app, "sqs", "send_message", QueueUrl=granted, MessageBody="m") == {
        "ok": True
    }
    found = probe(probe_app, "sqs", "send_message", QueueUrl=other, MessageBody="m")
    denied(probe_app, found, "sqs:SendMessage", arn("sqs", "iam-other"))


def test_sqs_queue_policy_grants_what_the_role_lacks(probe_app: LocalCloudHandle) -> None:
    sqs = aws_client(probe_app, "sqs")
    url = sqs.create_queue(QueueName="iam-shared")["QueueUrl"]
    send = {"QueueUrl": url, "MessageBody": "m"}
    assert probe(probe_app, "sqs", "send_message", **send)["error"] == "AccessDenied"
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sqs:SendMessage", "Resource": arn("sqs", "iam-shared"),
        }],
    }  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    assert probe(probe_app, "sqs", "send_message", **send) == {"ok": True}


def test_sns(probe_app: LocalCloudHandle) -> None:
    granted, other = (
        probe_app.stack_output("GrantedTopicArn"),
        probe_app.stack_output("OtherTopicArn"),
    )
    assert probe(probe_app, "sns", "publish", TopicArn=granted, Message="m") == {"ok": True}
    denied(
        probe_app,
        probe(probe_app, "sns", "publish", TopicArn=other, Message="m"),
        "sns:Publish",
        other,
    )


def test_kinesis(probe_app: LocalCloudHandle) -> None:
    record = {"Data": b"x".decode(), "PartitionKey": "k"}
    assert probe(probe_app, "kinesis", "put_record", StreamName="iam-granted", **record) == {
        "ok": True
    }
    found = probe(probe_app, "kinesis", "put_record", StreamName="iam-other", **record)
    denied(probe_app, found, "kinesis:PutRecord", arn("kinesis", "stream/iam-other"))


def test_lambda(probe_app: LocalCloudHandle) -> None:
    assert probe(probe_app, "lambda", "invoke", FunctionName="iam-granted-target") == {"ok": True}
    found = probe(probe_app, "lambda", "invoke", FunctionName="iam-other-target")
    denied(probe_app, found, "lambda:InvokeFunction", arn("lambda", "function:iam-other-target"))


def test_eventbridge(probe_app: LocalCloudHandle) -> None:
    def entry(bus: str) -> dict[str, Any]:
        return {
            "Entries": [{"Source": "probe", "DetailType": "t", "Detail": "{}", "EventBusName": bus}]
        }

    assert probe(probe_app, "events", "put_events", **entry("iam-granted")) == {"ok": True}
    found = probe(probe_app, "events", "put_events", **entry("iam-other"))
    denied(probe_app, found, "events:PutEvents", arn("events", "event-bus/iam-other"))


def test_secrets_manager(probe_app: LocalCloudHandle) -> None:
    assert probe(probe_app, "secretsmanager", "get_secret_value", SecretId="iam-granted") == {
        "ok": True
    }
    other = aws_client(probe_app, "secretsmanager").describe_secret(SecretId="iam-other")["ARN"]
    found = probe(probe_app, "secretsmanager", "get_secret_value", SecretId="iam-other")
    denied(probe_app, found, "secretsmanager:GetSecretValue", other)


def test_logs(probe_app: LocalCloudHandle) -> None:
    assert probe(
        probe_app, "logs", "create_log_stream", logGroupName="/iam/granted", logStreamName="s"
    ) == {"ok": True}
    found = probe(
        probe_app, "logs", "create_log_stream", logGroupName="/iam/other", logStreamName="s"
    )
    assert found["error"] == "AccessDeniedException"
    assert (
        "logs:CreateLogStream on resource: arn:aws:logs:us-east-1:000000000000:log-group:/iam/other"
        in found["message"]
    )


def test_cognito_admin_calls(probe_app: LocalCloudHandle) -> None:
    granted, other = probe_app.stack_output("GrantedPoolId"), probe_app.stack_output("OtherPoolId")
    assert probe(probe_app, "cognito-idp", "list_users", UserPoolId=granted) == {"ok": True}
    found = probe(probe_app, "cognito-idp", "list_users", UserPoolId=other)
    denied(probe_app, found, "cognito-idp:ListUsers", arn("cognito-idp", f"userpool/{other}"))


def test_cloudwatch_and_ses_need_their_actions(probe_app: LocalCloudHandle) -> None:
    metric = {"Namespace": "Probe", "MetricData": [{"MetricName": "n", "Value": 1.0}]}
    assert probe(probe_app, "cloudwatch", "put_metric_data", **metric) == {"ok": True}
    found = probe(probe_app, "cloudwatch", "list_metrics")
    assert found["error"] == "AccessDenied" and "cloudwatch:ListMetrics" in found["message"]
    assert probe(probe_app, "ses", "list_identities") == {"ok": True}
    found = probe(probe_app, "ses", "verify_email_identity", EmailAddress="a@example.com")
    assert found["error"] == "AccessDenied" and "ses:VerifyEmailIdentity" in found["message"]


def test_forged_secret_of_a_real_key_is_refused(probe_app: LocalCloudHandle) -> None:
    client = boto3.client(
        "dynamodb", endpoint_url=probe_app.aws_endpoint, region_name=REGION,
        aws_access_key_id="test", aws_secret_access_key="forged",
    )  # fmt: skip
    with pytest.raises(ClientError) as raised:
        client.scan(TableName="iam-granted")
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
    unknown = aws_client(probe_app, "sqs", access_key="AKIAUNKNOWN0000000", secret_key="x")
    with pytest.raises(ClientError) as raised:
        unknown.list_queues()
    assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_denials_are_logged_on_the_console(probe_app: LocalCloudHandle) -> None:
    probe(probe_app, "dynamodb", "scan", TableName="iam-other")
    assert (
        "AccessDenied: User: arn:aws:sts::000000000000:assumed-role/"
        in probe_app.log_path.read_text()
    )


def test_identity_pool_user_cannot_scan_the_todo_table_or_list_users(
    local_cloud: LocalCloudHandle, alice: User
) -> None:
    creds = identity_credentials(local_cloud, alice)
    table = local_cloud.stack_output("TodoTableName")
    with pytest.raises(ClientError) as raised:
        aws_client(local_cloud, "dynamodb", **creds).scan(TableName=table)
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert (
        f"dynamodb:Scan on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
        in error["Message"]
    )
    with pytest.raises(ClientError) as raised:
        aws_client(local_cloud, "cognito-idp", **creds).list_users(
            UserPoolId=local_cloud.stack_output("UserPoolId")
        )
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as raised:
        aws_client(local_cloud, "lambda", **creds).list_functions()
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    forged = {**creds, "secret_key": "forged-secret-key-0000000000000000000000"}
    with pytest.raises(ClientError) as raised:
        aws_client(local_cloud, "dynamodb", **forged).scan(TableName=table)
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
