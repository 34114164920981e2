"""`stratus up --app DIR` runs a user's own CDK app: synthesized by its cdk.json `app`
command, provisioned, its Lambda code runnable, its outputs in DIR/.stratus/outputs.json."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

APP = """
import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_, aws_s3 as s3, aws_sqs as sqs

app = cdk.App()
stack = cdk.Stack(app, "TinyApp")
bucket = s3.Bucket(stack, "Drop", bucket_name=app.node.try_get_context("bucketName"))
queue = sqs.Queue(stack, "Work", queue_name="tiny-work")
fn = lambda_.Function(
    stack,
    "Greeter",
    runtime=lambda_.Runtime.PYTHON_3_11,
    handler="greet.handler",
    code=lambda_.Code.from_asset("functions"),
    environment={"GREETING": app.node.try_get_context("greeting") or "hello"},
)
cdk.CfnOutput(stack, "BucketName", value=bucket.bucket_name)
cdk.CfnOutput(stack, "QueueUrl", value=queue.queue_url)
cdk.CfnOutput(stack, "FunctionName", value=fn.function_name)
app.synth()
"""

HANDLER = """
import os


def handler(event, context):
    greeting = os.environ["GREETING"]
    return {"message": f"{greeting}, {event['name']}", "request": context.aws_request_id}
"""


def write_tiny_app(directory: Path) -> Path:
    (directory / "functions").mkdir(parents=True)
    (directory / "functions" / "greet.py").write_text(textwrap.dedent(HANDLER))
    (directory / "app.py").write_text(textwrap.dedent(APP))
    cdk = {"app": "python3 app.py", "context": {"bucketName": "tiny-drop", "greeting": "hi"}}
    (directory / "cdk.json").write_text(json.dumps(cdk))
    return directory


@pytest.fixture(scope="module")
def tiny_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = write_tiny_app(tmp_path_factory.mktemp("tiny-cdk-app"))
    proc, handle = start_local_cloud(None, app_dir=app_dir)
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


def test_state_and_outputs_live_in_the_app_directory(tiny_app: LocalCloudHandle) -> None:
    assert tiny_app.state_dir.name == ".stratus"
    outputs = json.loads((tiny_app.state_dir / "outputs.json").read_text())
    assert outputs["TinyApp"]["BucketName"] == "tiny-drop"
    assert outputs["TinyApp"]["QueueUrl"].endswith("/tiny-work")
    assert (tiny_app.state_dir / "cdk.out" / "TinyApp.template.json").is_file()


def test_the_bucket_and_the_queue_exist(tiny_app: LocalCloudHandle) -> None:
    s3 = aws_client(tiny_app, "s3")
    assert "tiny-drop" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket="tiny-drop", Key="a.txt", Body=b"x")
    sqs = aws_client(tiny_app, "sqs")
    url = sqs.get_queue_url(QueueName="tiny-work")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    (message,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert message["Body"] == "job"


def test_invoking_the_function_runs_its_asset_code(tiny_app: LocalCloudHandle) -> None:
    name = tiny_app.stack_output("FunctionName")
    result = aws_client(tiny_app, "lambda").invoke(
        FunctionName=name, Payload=json.dumps({"name": "Ada"}).encode()
    )
    assert result["StatusCode"] == 200 and "FunctionError" not in result
    body = json.loads(result["Payload"].read())
    assert body["message"] == "hi, Ada"  # context from the app's cdk.json reached the app
    assert body["request"]


def test_the_summary_names_no_web_app_of_another_project(tiny_app: LocalCloudHandle) -> None:
    log = tiny_app.log_path.read_text()
    assert "stratus is up" in log and "/apps/" not in log
