"""The local cloud itself: outputs, Lambda Invoke API, logs, lifecycle, what it will not emulate."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import User, aws_client, sign_up_and_login


def todos_function_name(cloud: LocalCloudHandle) -> str:
    names = [f["FunctionName"] for f in _functions(cloud)]
    return next(n for n in names if "Todos" in n)


def _functions(cloud: LocalCloudHandle) -> list[dict[str, str]]:
    template_dir = cloud.state_dir / "cdk.out"
    found = []
    for template in template_dir.glob("*.template.json"):
        for logical_id, res in json.loads(template.read_text())["Resources"].items():
            if res["Type"] == "AWS::Lambda::Function":
                found.append({"LogicalId": logical_id})
    ids = json.loads((cloud.state_dir / "state" / "physical_ids.json").read_text())
    names = []
    for entry in found:
        for key, value in ids.items():
            if key.endswith("/" + entry["LogicalId"]):
                names.append(
                    {"FunctionName": value["physical_id"] if isinstance(value, dict) else value}
                )
    return names


def test_outputs_file_has_cdk_shape_with_local_urls(local_cloud: LocalCloudHandle) -> None:
    outputs = local_cloud.outputs
    stack = next(name for name, values in outputs.items() if "TodoApiUrl" in values)
    values = outputs[stack]
    for key in (
        "TodoApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "IdentityPoolId",
        "UserFilesBucketName",
    ):
        assert values.get(key), key
    assert values["TodoApiUrl"].startswith(local_cloud.gateway_origin + "/restapis/")


def test_lambda_invoke_api_answers_any_aws_client(local_cloud: LocalCloudHandle) -> None:
    client = aws_client(local_cloud, "lambda")
    name = todos_function_name(local_cloud)
    event = {
        "httpMethod": "GET",
        "path": "/todos",
        "resource": "/todos",
        "headers": {},
        "requestContext": {"requestId": "r1", "stage": "local"},
    }
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    payload = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200
    assert payload["statusCode"] == 401  # no authorizer claims: the handler refuses too
    assert "START RequestId" in base64.b64decode(answer["LogResult"]).decode()
    queued = client.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    assert queued["StatusCode"] == 202


def test_unknown_function_is_resource_not_found(local_cloud: LocalCloudHandle) -> None:
    client = aws_client(local_cloud, "lambda")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="no-such-function", Payload=b"{}")


def test_function_logs_are_readable_with_cloudwatch_logs(
    local_cloud: LocalCloudHandle, api: object, alice: User
) -> None:
    logs = aws_client(local_cloud, "logs")
    name = todos_function_name(local_cloud)
    # Where Lambda puts the logs: the function's LoggingConfig.LogGroup when it names one
    # (the stack does), else /aws/lambda/<name>; the control plane answers which.
    config = aws_client(local_cloud, "lambda").get_function_configuration(FunctionName=name)
    group = config["LoggingConfig"]["LogGroup"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group).get("events", [])
        if any(e["message"].startswith("REPORT RequestId") for e in events):
            return
        time.sleep(0.3)
    raise AssertionError("no REPORT line reached CloudWatch Logs")


def test_unsupported_resources_are_named_at_start(local_cloud: LocalCloudHandle) -> None:
    log = local_cloud.log_path.read_text()
    assert "not emulated, skipped: AWS::EC2::VPC" in log


def test_second_up_on_the_same_state_says_it_is_running(local_cloud: LocalCloudHandle) -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("stratus")),
            "up",
            "--state-dir",
            str(local_cloud.state_dir),
            "--aws-port",
            "1",
            "--gateway-port",
            "2",
            "--dax-port",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "already running" in result.stderr
    assert "Traceback" not in result.stderr


def _api(cloud: LocalCloudHandle) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    return httpx.Client(base_url=str(cloud.stack_output("TodoApiUrl")), verify=context, timeout=35)


def test_state_survives_restart_and_fresh_starts_empty(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    state = ROOT / ".stratus" / "test-restart"
    proc, cloud = start_local_cloud(state, fresh=True)
    try:
        user = sign_up_and_login(cloud)
        bucket = cloud.stack_output("UserFilesBucketName")
        aws_client(cloud, "s3").put_object(Bucket=bucket, Key="kept.txt", Body=b"kept")
        created = _api(cloud).post("todos", headers=user.auth, json={"title": "kept"})
        assert created.status_code == 201
    finally:
        assert stop_local_cloud(proc) == 0
    proc, cloud = start_local_cloud(state, fresh=False)  # new ports: endpoints must follow
    try:
        listed = _api(cloud).get("todos", headers=user.auth)
        assert listed.status_code == 200, listed.text
        assert [item["title"] for item in listed.json()["items"]] == ["kept"]
        idp = aws_client(cloud, "cognito-idp")
        users = idp.list_users(UserPoolId=cloud.stack_output("UserPoolId"))["Users"]
        assert any(
            u["Username"] == user.email or any(a["Value"] == user.email for a in u["Attributes"])
            for u in users
        )
        assert (
            aws_client(cloud, "s3").get_object(Bucket=bucket, Key="kept.txt")["Body"].read()
            == b"kept"
        )
    finally:
        stop_local_cloud(proc)
    proc, cloud = start_local_cloud(state, fresh=True)
    try:
        idp = aws_client(cloud, "cognito-idp")
        assert idp.list_users(UserPoolId=cloud.stack_output("UserPoolId"))["Users"] == []
    finally:
        stop_local_cloud(proc)


def test_stage_access_logs_reach_the_stages_log_group(
    local_cloud: LocalCloudHandle, api: httpx.Client, alice: User
) -> None:
    api.get("todos", headers=alice.auth)
    logs = aws_client(local_cloud, "logs")
    groups = [
        g["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate()
        for g in page["logGroups"]
        # the to-do API's group (the shop's and the blog's APIs have theirs too)
        if "ApiAccessLogs" in g["logGroupName"] and "Todo" in g["logGroupName"]
    ]
    assert groups, "the API stage's access-log group was not provisioned"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=groups[0]).get("events", [])
        lines = [json.loads(e["message"]) for e in events]
        if any(line.get("httpMethod") == "GET" and line.get("status") == "200" for line in lines):
            return
        time.sleep(0.3)
    raise AssertionError("no access log line for GET /todos reached CloudWatch Logs")
