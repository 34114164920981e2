"""`ServiceTemplate` as synthesized in a small app of its own (one synth per stage), with
cdk-nag on: an unacknowledged finding would make `synth()` raise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from stratus.infra.shared.nag import acknowledge, enable_nag
from stratus.infra.shared.service import Auth, ServiceTemplate
from stratus.infra.shared.stage import stage_config
from tests.infra.conftest import Synth


def _build(stage: str, outdir: Path, code_dir: Path) -> None:
    app = App(outdir=str(outdir), analytics_reporting=False)
    stack = Stack(app, "Svc")
    cfg = stage_config({"stage": stage})
    pool = cognito.UserPool(stack, "Pool")
    for rule in ("AwsSolutions-COG1", "AwsSolutions-COG2", "AwsSolutions-COG8"):
        acknowledge(pool, rule, "A bare pool: only the template's authorizer is under test.")
    template = ServiceTemplate(
        stack, "Widgets", cfg=cfg, service="widgets", description="widgets", user_pool=pool
    )
    code = lambda_.Code.from_asset(str(code_dir))
    api_fn = template.function("ApiFn", handler="app.handler", code=code)
    worker = template.function("Worker", handler="app.handler", code=code, timeout_seconds=30)
    jobs = template.queue("Jobs")
    jobs.queue.grant_consume_messages(worker.function)
    template.route(
        "/v1/widgets",
        "GET",
        api_fn,
        auth=Auth.PUBLIC,
        public_reason="Widgets are public: anyone may list them.",
    )
    template.route("/v1/widgets", "POST", api_fn, auth=Auth.COGNITO)
    template.route("/v1/internal", "GET", api_fn, auth=Auth.IAM)
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    template.grant_invoke(caller, "GET", "/v1/internal")
    enable_nag(app)
    app.synth()


@pytest.fixture(scope="module", params=["dev", "prod"])
def svc(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    code_dir = tmp_path_factory.mktemp("code")
    (code_dir / "app.py").write_text("def handler(event, context):\n    return {}\n")
    outdir = tmp_path_factory.mktemp(f"svc-{request.param}")
    _build(request.param, outdir, code_dir)
    path = outdir / "Svc.template.json"
    return Synth(request.param, outdir, path, json.loads(path.read_text()))


def _ref_id(value: Any) -> str:
    return str(value.get("Ref") or value.get("Fn::GetAtt", [""])[0])


def test_each_function_has_a_live_alias_on_a_published_version(svc: Synth) -> None:
    aliases = svc.of_type("AWS::Lambda::Alias")
    assert len(aliases) == 2
    versions = svc.of_type("AWS::Lambda::Version")
    for alias in aliases.values():
        assert alias["Properties"]["Name"] == "live"
        assert _ref_id(alias["Properties"]["FunctionVersion"]) in versions
        # CloudFormation hands alias updates to CodeDeploy:
        assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]


def test_deployment_groups_roll_back_on_their_function_errors_alarm(svc: Synth) -> None:
    groups = svc.of_type("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == 2
    alarms = svc.of_type("AWS::CloudWatch::Alarm")
    error_alarms = {k for k, a in alarms.items() if a["Properties"]["MetricName"] == "Errors"}
    for group in groups.values():
        props = group["Properties"]
        assert set(props["AutoRollbackConfiguration"]["Events"]) >= {
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
        }
        assert props["AlarmConfiguration"]["Enabled"] is True
        [named] = props["AlarmConfiguration"]["Alarms"]
        assert _ref_id(named["Name"]) in error_alarms


def test_the_errors_alarm_watches_the_live_alias_not_every_version(svc: Synth) -> None:
    alarms = svc.of_type("AWS::CloudWatch::Alarm")
    errors = [a["Properties"] for a in alarms.values() if a["Properties"]["MetricName"] == "Errors"]
    assert len(errors) == 2
    for props in errors:
        dims = {d["Name"]: json.dumps(d["Value"]) for d in props["Dimensions"]}
        assert set(dims) == {"FunctionName", "Resource"}
        assert dims["Resource"].endswith(':live"]]}'), dims  # Fn::Join [fn, ":live"]


def test_the_release_config_follows_the_stage(svc: Synth) -> None:
    names = {
        json.dumps(g["Properties"]["DeploymentConfigName"])
        for g in svc.of_type("AWS::CodeDeploy::DeploymentGroup").values()
    }
    expected = {"dev": "LambdaAllAtOnce", "prod": "LambdaCanary10Percent5Minutes"}[svc.stage]
    assert len(names) == 1 and expected in names.pop()


def test_the_queue_dead_letters_after_three_receives_and_the_dlq_alarms(svc: Synth) -> None:
    queues = svc.of_type("AWS::SQS::Queue")
    [main] = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert main["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3
    dlq_id = _ref_id(main["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
    assert dlq_id in queues
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    depth = [
        a["Properties"]
        for a in svc.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert len(depth) == 1 and depth[0]["Threshold"] == 1
    assert _ref_id(depth[0]["Dimensions"][0]["Value"]) == dlq_id


def test_every_alarm_notifies_the_alarm_topic(svc: Synth) -> None:
    [topic_id] = svc.of_type("AWS::SNS::Topic")
    alarms = svc.of_type("AWS::CloudWatch::Alarm").values()
    assert len(alarms) == 4  # two functions, the DLQ, the API's 5xx
    for alarm in alarms:
        assert [_ref_id(a) for a in alarm["Properties"]["AlarmActions"]] == [topic_id]


def test_routes_carry_their_auth_and_reach_the_live_alias(svc: Synth) -> None:
    aliases = set(svc.of_type("AWS::Lambda::Alias"))
    kinds = {}
    for method in svc.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":
            assert props["AuthorizationType"] == "NONE"
            continue
        kinds[props["HttpMethod"], props["AuthorizationType"]] = props
        uri = json.dumps(props["Integration"]["Uri"])
        assert any(alias in uri for alias in aliases), uri
    assert set(kinds) == {("GET", "NONE"), ("POST", "COGNITO_USER_POOLS"), ("GET", "AWS_IAM")}


def test_the_stage_logs_access_and_traces(svc: Synth) -> None:
    stage = svc.one("AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == svc.stage
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]


def test_grant_invoke_names_one_method_and_path(svc: Synth) -> None:
    statements = [
        s
        for p in svc.of_type("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "execute-api:Invoke"
    ]
    assert len(statements) == 1
    text = json.dumps(statements[0]["Resource"])
    assert f"/{svc.stage}/GET/v1/internal" in text


def test_a_dashboard_per_service_and_stage(svc: Synth) -> None:
    board = svc.one("AWS::CloudWatch::Dashboard")["Properties"]
    assert board["DashboardName"] == f"stratus-{svc.stage}-widgets"


def test_a_public_route_needs_a_reason_and_a_cognito_route_a_pool() -> None:
    app = App(analytics_reporting=False)
    stack = Stack(app, "Bad")
    cfg = stage_config({"stage": "dev"})
    template = ServiceTemplate(stack, "T", cfg=cfg, service="bad", description="bad")
    fn = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler="x.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"),
    )
    with pytest.raises(ValueError, match="public_reason"):
        template.route("/x", "GET", fn, auth=Auth.PUBLIC)
    with pytest.raises(ValueError, match="user_pool"):
        template.route("/y", "GET", fn, auth=Auth.COGNITO)
