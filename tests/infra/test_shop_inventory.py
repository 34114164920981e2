"""The inventory stack as synthesized with cdk-nag (dev with a domain, prod with a certificate,
a cloned stage with none).

This module synthesizes its own small app (platform, payments for the results topic, and
inventory) so each stage's context is its own. A nag finding without an acknowledgement
makes the synth, hence the fixture, fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synth

DOMAIN = "inventory.example.com"
CERT = "arn:aws:acm:us-east-1:111111111111:certificate/abc"
CONTEXT = {
    "dev": {"inventoryDomain": DOMAIN},
    "prod": {"inventoryDomain": DOMAIN, "inventoryCertificateArn": CERT},
}


def synth_inventory(outdir: Path, stage: str, extra: dict[str, str]) -> Synth:
    from aws_cdk import App

    from stratus.infra.shared.nag import enable_nag
    from stratus.infra.shared.stage import stage_config
    from stratus.infra.shop import inventory, payments
    from stratus.infra.shop.platform import ShopBuild, ShopPlatformStack
    from stratus.infra.shop.stage import shop_stage_config

    context = {"stage": stage, **extra}
    app = App(context=context, outdir=str(outdir))
    enable_nag(app)
    cfg = shop_stage_config(context, base=stage_config(context))
    code = outdir / "code"
    code.mkdir()
    (code / "handler.py").write_text("")
    ctx = ShopBuild(app, cfg, code, ShopPlatformStack(app, cfg=cfg))
    ctx.stacks["payments"] = payments.build(ctx)
    ctx.stacks["inventory"] = inventory.build(ctx)
    app.synth()
    path = outdir / f"{inventory.inventory_stack_name(stage)}.template.json"
    return Synth(stage, outdir, path, json.loads(path.read_text()))


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    stage = request.param
    return synth_inventory(tmp_path_factory.mktemp(f"inventory-{stage}"), stage, CONTEXT[stage])


def _logical(stack: Synth, kind: str, fragment: str) -> str:
    (found,) = [k for k in stack.of_type(kind) if fragment in k]
    return found


def _containers(stack: Synth) -> dict[str, dict[str, Any]]:
    task = stack.one("AWS::ECS::TaskDefinition")["Properties"]
    return {c["Name"]: c for c in task["ContainerDefinitions"]}


def test_fargate_service_runs_two_private_tasks_with_rollback(stack: Synth) -> None:
    service = stack.one("AWS::ECS::Service")["Properties"]
    assert service["DesiredCount"] == 2
    assert service["LaunchType"] == "FARGATE"
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    config = service["DeploymentConfiguration"]
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert config["MinimumHealthyPercent"] == 100
    (lb,) = service["LoadBalancers"]
    assert (lb["ContainerName"], lb["ContainerPort"]) == ("app", 8080)


def test_migrations_run_before_the_app_in_every_task(stack: Synth) -> None:
    containers = _containers(stack)
    migrate, app = containers["migrate"], containers["app"]
    assert migrate["Command"] == ["python", "-m", "stratus.shop.inventory.migrate"]
    assert migrate["Essential"] is False
    assert app["Essential"] is True
    assert app["DependsOn"] == [{"ContainerName": "migrate", "Condition": "SUCCESS"}]
    assert migrate["Image"] == app["Image"]


def test_the_database_secret_is_injected_never_in_plain_environment(stack: Synth) -> None:
    attachment = _logical(stack, "AWS::SecretsManager::SecretTargetAttachment", "")
    for container in _containers(stack).values():
        assert container["Secrets"] == [
            {"Name": "INVENTORY_DB_SECRET", "ValueFrom": {"Ref": attachment}}
        ]
        names = {e["Name"] for e in container.get("Environment", [])}
        assert not names & {"INVENTORY_DB_SECRET", "PASSWORD", "DB_PASSWORD"}
    queue = next(k for k in stack.of_type("AWS::SQS::Queue") if "Dlq" not in k)
    env = {e["Name"]: e["Value"] for e in _containers(stack)["app"]["Environment"]}
    assert env["INVENTORY_QUEUE_URL"] == {"Ref": queue}


def test_aurora_postgresql_serverless_v2_is_private_and_encrypted(stack: Synth) -> None:
    cluster = stack.one("AWS::RDS::DBCluster")["Properties"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["StorageEncrypted"] is True
    assert cluster["DatabaseName"] == "inventory"
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    assert cluster["EnableIAMDatabaseAuthentication"] is True
    assert cluster["DeletionProtection"] is (stack.stage == "prod")
    instances = list(stack.of_type("AWS::RDS::DBInstance").values())
    assert len(instances) == (2 if stack.stage == "prod" else 1)
    for instance in instances:
        assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
        assert instance["Properties"]["PubliclyAccessible"] is False


def _rules(stack: Synth, kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in stack.of_type(kind).values()]


def test_security_groups_are_least_privilege(stack: Synth) -> None:
    db = _logical(stack, "AWS::EC2::SecurityGroup", "DatabaseSg")
    task = _logical(stack, "AWS::EC2::SecurityGroup", "TaskSg")
    alb = _logical(stack, "AWS::EC2::SecurityGroup", "LoadBalancerSg")
    groups = stack.of_type("AWS::EC2::SecurityGroup")
    ingress = [
        *_rules(stack, "AWS::EC2::SecurityGroupIngress"),
        *[
            dict(r, GroupId={"Fn::GetAtt": [k, "GroupId"]})
            for k, g in groups.items()
            for r in g["Properties"].get("SecurityGroupIngress", [])
        ],
    ]
    to_db = [r for r in ingress if r["GroupId"] == {"Fn::GetAtt": [db, "GroupId"]}]
    assert [(r["FromPort"], r["SourceSecurityGroupId"]) for r in to_db] == [
        (5432, {"Fn::GetAtt": [task, "GroupId"]})
    ]
    to_task = [r for r in ingress if r["GroupId"] == {"Fn::GetAtt": [task, "GroupId"]}]
    assert [(r["FromPort"], r["SourceSecurityGroupId"]) for r in to_task] == [
        (8080, {"Fn::GetAtt": [alb, "GroupId"]})
    ]
    to_alb = [r for r in ingress if r["GroupId"] == {"Fn::GetAtt": [alb, "GroupId"]}]
    assert sorted((r["FromPort"], r["CidrIp"]) for r in to_alb) == [
        (80, "0.0.0.0/0"),
        (443, "0.0.0.0/0"),
    ]
    task_egress = groups[task]["Properties"]["SecurityGroupEgress"] + [
        r
        for r in _rules(stack, "AWS::EC2::SecurityGroupEgress")
        if r["GroupId"] == {"Fn::GetAtt": [task, "GroupId"]}
    ]
    assert sorted(r["FromPort"] for r in task_egress) == [443, 5432]
    db_egress = groups[db]["Properties"].get("SecurityGroupEgress", [])
    assert [r["CidrIp"] for r in db_egress] == ["255.255.255.255/32"]  # CDK's "no egress"
    alb_egress = [
        r
        for r in _rules(stack, "AWS::EC2::SecurityGroupEgress")
        if r["GroupId"] == {"Fn::GetAtt": [alb, "GroupId"]}
    ]
    assert [(r["FromPort"], r["DestinationSecurityGroupId"]) for r in alb_egress] == [
        (8080, {"Fn::GetAtt": [task, "GroupId"]})
    ]
    assert "SecurityGroupEgress" not in groups[alb]["Properties"]


def test_https_listener_forwards_the_service_and_http_redirects(stack: Synth) -> None:
    listeners = {
        r["Properties"]["Port"]: r["Properties"]
        for r in stack.of_type("AWS::ElasticLoadBalancingV2::Listener").values()
    }
    https, http = listeners[443], listeners[80]
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    (cert,) = https["Certificates"]
    if stack.stage == "prod":
        assert cert == {"CertificateArn": CERT}
    else:
        assert (
            stack.one("AWS::CertificateManager::Certificate")["Properties"]["DomainName"] == DOMAIN
        )
    (default,) = https["DefaultActions"]
    assert default["Type"] == "fixed-response"
    assert default["FixedResponseConfig"]["StatusCode"] == "404"
    (redirect,) = http["DefaultActions"]
    assert redirect["RedirectConfig"] == {
        "Port": "443",
        "Protocol": "HTTPS",
        "StatusCode": "HTTP_301",
    }
    rule = stack.one("AWS::ElasticLoadBalancingV2::ListenerRule")["Properties"]
    conditions = {c["Field"]: c for c in rule["Conditions"]}
    alb = _logical(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer", "")
    assert conditions["host-header"]["HostHeaderConfig"]["Values"] == [
        DOMAIN,
        {"Fn::GetAtt": [alb, "DNSName"]},
    ]
    assert conditions["path-pattern"]["PathPatternConfig"]["Values"] == ["/stock/*", "/health"]


def test_target_group_checks_health_and_drains_quickly(stack: Synth) -> None:
    group = stack.one("AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    assert group["HealthCheckPath"] == "/health"
    assert group["Matcher"] == {"HttpCode": "200"}
    assert (group["Port"], group["TargetType"]) == (8080, "ip")
    attributes = {a["Key"]: a["Value"] for a in group["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "30"


def test_load_balancer_logs_access_and_drops_invalid_headers(stack: Synth) -> None:
    alb = stack.one("AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert alb["Scheme"] == "internet-facing"
    attributes = {a["Key"]: a["Value"] for a in alb["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"


def test_order_placed_and_payment_failed_feed_one_queue(stack: Synth) -> None:
    queue = next(k for k in stack.of_type("AWS::SQS::Queue") if "Dlq" not in k)
    dlq = next(k for k in stack.of_type("AWS::SQS::Queue") if "Dlq" in k)
    rule = stack.one("AWS::Events::Rule")["Properties"]
    assert rule["EventPattern"] == {
        "source": ["stratus.shop.orders"],
        "detail-type": ["OrderPlaced"],
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queue, "Arn"]}
    subscription = stack.one("AWS::SNS::Subscription")["Properties"]
    assert subscription["Protocol"] == "sqs"
    assert subscription["RawMessageDelivery"] is True
    assert subscription["FilterPolicy"] == {"eventType": ["PaymentFailed"]}
    assert subscription["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}}
    redrive = stack.resources[queue]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 5


def test_task_role_may_only_consume_its_queue(stack: Synth) -> None:
    role = _logical(stack, "AWS::IAM::Role", "TaskTaskRole")
    policies = [
        p["Properties"]
        for p in stack.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    queue = next(k for k in stack.of_type("AWS::SQS::Queue") if "Dlq" not in k)
    for statement in statements:
        assert statement["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
    actions = {a for s in statements for a in s["Action"]}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions
    assert not any(a.startswith("sqs:Send") for a in actions)


def test_outputs_name_the_url_and_what_operators_need(stack: Synth) -> None:
    outputs = stack.template["Outputs"]
    assert outputs["InventoryUrl"]["Value"] == f"https://{DOMAIN}/"
    for name in (
        "InventoryLoadBalancerDns",
        "InventoryQueueUrl",
        "InventoryDlqUrl",
        "InventoryDbSecretArn",
        "InventoryClusterName",
        "InventoryServiceName",
    ):
        assert name in outputs


def test_the_image_asset_holds_only_the_service_package(stack: Synth) -> None:
    assets = json.loads((stack.outdir / f"ShopInventory-{stack.stage}.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["dockerFile"] == "stratus/shop/inventory/Dockerfile"
    root = stack.outdir / image["source"]["directory"]
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert "stratus/shop/inventory/app.py" in files
    assert "stratus/shop/inventory/migrations/0001_stock_and_reservations.sql" in files
    assert all(
        f.startswith("stratus/shop/inventory/")
        or f in ("stratus/__init__.py", "stratus/shop/__init__.py")
        for f in files
    )


def test_a_stage_without_a_host_name_gets_none_and_bad_context_is_refused() -> None:
    from aws_cdk import App, Stack

    from stratus.infra.shared.stage import StageConfigError
    from stratus.infra.shop.inventory import LOCAL_DOMAIN, listener_domain

    assert listener_domain(Stack(App(), "Local"), "local") == (LOCAL_DOMAIN, None)
    assert listener_domain(Stack(App(), "Dev"), "feature-x") == (None, None)
    bad = App(context={"inventoryDomain": "not a domain"})
    with pytest.raises(StageConfigError, match="not a domain name"):
        listener_domain(Stack(bad, "Bad"), "dev")
    lone_cert = App(context={"inventoryCertificateArn": CERT})
    with pytest.raises(StageConfigError, match="inventoryDomain"):
        listener_domain(Stack(lone_cert, "Cert"), "dev")


def test_a_cloned_stage_without_a_domain_deploys_on_plain_http(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    synth = synth_inventory(tmp_path_factory.mktemp("inventory-clone"), "feature-x", {})
    listeners = {
        r["Properties"]["Port"]: r["Properties"]
        for r in synth.of_type("AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert set(listeners) == {80}
    assert listeners[80]["Protocol"] == "HTTP" and "Certificates" not in listeners[80]
    assert not synth.of_type("AWS::CertificateManager::Certificate")
    (rule,) = synth.of_type("AWS::ElasticLoadBalancingV2::ListenerRule").values()
    actions = rule["Properties"]["Actions"]
    assert [a["Type"] for a in actions] == ["forward"]
    url = json.dumps(synth.template["Outputs"]["InventoryUrl"]["Value"])
    assert url.startswith('{"Fn::Join": ["", ["http://"'), url


def test_cfn_lint_reports_no_errors_and_no_deprecated_engine(stack: Synth) -> None:
    from cfnlint.api import lint

    matches = lint(stack.template_path.read_text(), regions=["us-east-1"])
    findings = [str(m) for m in matches if m.rule.id.startswith("E") or m.rule.id == "W3690"]
    assert findings == [], f"{stack.stage}: {findings}"
