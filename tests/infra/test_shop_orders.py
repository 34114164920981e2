"""Properties and IAM of the synthesized orders stack (cdk-nag runs at synth and must pass).

The stack is synthesized once per module in a small app beside stand-ins for what other
stacks give it as props (the platform's pool, bus and alarm topic, payments' topic, the
catalog's URL and route ARN), exactly as cross-stack references in one app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Synth

STAGE = "dev"
PRICES_ARN = "arn:aws:execute-api:us-east-1:123456789012:cat123/dev/GET/v2/prices"


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from aws_cdk import App, Stack
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_events as events
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sns as sns

    from stratus.infra.shared.nag import acknowledge, enable_nag
    from stratus.infra.shared.stage import stage_config
    from stratus.infra.shop.orders import OrdersStack, orders_stack_name

    class CatalogStandIn:
        url = "https://cat.example/dev/"

        def grant_prices(self, grantee: iam.IGrantable) -> None:
            grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
                actions=["execute-api:Invoke"], resources=[PRICES_ARN]))

    outdir = tmp_path_factory.mktemp("cdk-orders")
    app = App(outdir=str(outdir), analytics_reporting=False)
    others = Stack(app, "Others")
    pool = cognito.UserPool(others, "Pool")
    bus = events.EventBus(others, "Bus", event_bus_name="stratus-shop-dev")
    results = sns.Topic(others, "PaymentResults", enforce_ssl=True)
    for rule, scope in (("AwsSolutions-COG1", pool), ("AwsSolutions-COG2", pool),
                        ("AwsSolutions-COG3", pool), ("AwsSolutions-COG8", pool),
                        ("AwsSolutions-SNS2", results)):
        acknowledge(scope, rule, "a stand-in for another stack in this test app only")
    code = lambda_.Code.from_inline("def lambda_handler(event, context): pass")
    OrdersStack(app, cfg=stage_config({"stage": STAGE}), code=code, user_pool=pool,
                event_bus=bus, catalog=CatalogStandIn(),
                payment_results=results)
    enable_nag(app)
    app.synth()  # raises on any unacknowledged cdk-nag finding
    path = Path(outdir) / f"{orders_stack_name(STAGE)}.template.json"
    return Synth(STAGE, Path(outdir), path, json.loads(path.read_text()))


def _functions(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    return {r["Properties"]["Handler"].split(".")[-2]: (k, r["Properties"])
            for k, r in synth.of_type("AWS::Lambda::Function").items()}


def _policy_actions(synth: Synth, role_id: str) -> list[tuple[Any, Any]]:
    found = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            for action in actions if isinstance(actions, list) else [actions]:
                found.append((action, statement["Resource"]))
    return found


def _role_of(props: dict[str, Any]) -> str:
    return str(props["Role"]["Fn::GetAtt"][0])


def test_table_is_per_customer_with_a_new_image_stream(orders: Synth) -> None:
    props = orders.one("AWS::DynamoDB::Table")["Properties"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_api_routes_use_the_shop_pool(orders: Synth) -> None:
    methods = {
        (m["Properties"]["HttpMethod"], json.dumps(m["Properties"]["ResourceId"]))
        : m["Properties"] for m in orders.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS"
    }
    assert len(methods) == 3
    assert {p["AuthorizationType"] for p in methods.values()} == {"COGNITO_USER_POOLS"}
    authorizer = orders.one("AWS::ApiGateway::Authorizer")["Properties"]
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    assert "OrdersApiUrl" in orders.template["Outputs"]


def test_api_function_has_least_privilege(orders: Synth) -> None:
    _, props = _functions(orders)["api"]
    actions = _policy_actions(orders, _role_of(props))
    names = {a for a, _ in actions}
    assert {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"} <= names
    assert not {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Scan"} & names
    assert ("execute-api:Invoke", PRICES_ARN) in actions  # exactly catalog's prices route
    env = props["Environment"]["Variables"]
    assert env["CATALOG_API_URL"] == "https://cat.example/dev/"
    assert "ORDERS_TABLE_NAME" in env


def test_outbox_reads_the_stream_and_puts_on_the_bus_only(orders: Synth) -> None:
    _, props = _functions(orders)["outbox"]
    actions = _policy_actions(orders, _role_of(props))
    assert "events:PutEvents" in {a for a, _ in actions}
    on_table = [a for a, resource in actions if "'Arn']" in str(resource) and "Orders" in
                str(resource)]
    assert on_table == []  # the stream only (StreamArn), never the table's items
    (mapping,) = [m["Properties"] for m in orders.of_type("AWS::Lambda::EventSourceMapping")
                  .values() if "StartingPosition" in m["Properties"]]
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert "OnFailure" in mapping["DestinationConfig"]
    assert ":live" in json.dumps(mapping["FunctionName"]) or "Live" in json.dumps(
        mapping["FunctionName"])


def test_payment_results_queue_is_subscribed_and_consumed_per_message(orders: Synth) -> None:
    subs = list(orders.of_type("AWS::SNS::Subscription").values())
    assert len(subs) == 1 and subs[0]["Properties"]["Protocol"] == "sqs"
    sqs_mappings = [m["Properties"] for m in orders.of_type("AWS::Lambda::EventSourceMapping")
                    .values() if "StartingPosition" not in m["Properties"]]
    assert len(sqs_mappings) == 2
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in sqs_mappings)
    queues = orders.of_type("AWS::SQS::Queue").values()
    with_dlq = [q for q in queues if "RedrivePolicy" in q["Properties"]]
    assert len(with_dlq) == 2  # payment results and fulfilment


def test_consumers_may_only_read_and_update_orders(orders: Synth) -> None:
    for name in ("payments", "fulfilment"):
        _, props = _functions(orders)[name]
        names = {a for a, _ in _policy_actions(orders, _role_of(props))
                 if a.startswith("dynamodb:")}
        assert names == {"dynamodb:GetItem", "dynamodb:UpdateItem"}, name


def test_every_function_is_released_through_codedeploy(orders: Synth) -> None:
    groups = orders.of_type("AWS::CodeDeploy::DeploymentGroup")
    aliases = orders.of_type("AWS::Lambda::Alias")
    assert len(groups) == len(aliases) == len(_functions(orders)) == 4
    assert {a["Properties"]["Name"] for a in aliases.values()} == {"live"}


def test_orders_handlers_import_from_the_shop_bundle_with_only_the_runtime(
    tmp_path: Path,
) -> None:
    """Every orders entry point (and the catalog SDK it calls) loads from the bundle plus
    only what the Lambda runtime provides (as tests/infra/test_shop_bundle.py does)."""
    import importlib.util
    import os
    import subprocess
    import sys

    from stratus.infra.app import PROJECT_ROOT
    from stratus.infra.shared.bundling import build_bundle
    from stratus.shop.system import BUNDLE
    from tests.infra.test_bundling import LAMBDA_RUNTIME_PROVIDES

    bundle = build_bundle(PROJECT_ROOT, BUNDLE)
    runtime = tmp_path / "lambda-runtime"
    runtime.mkdir()
    for module in (*LAMBDA_RUNTIME_PROVIDES, "six"):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        origin = Path(spec.origin)
        link = runtime / (module if origin.name == "__init__.py" else origin.name)
        link.symlink_to(origin.parent if origin.name == "__init__.py" else origin)
    handlers = ", ".join(f"stratus.shop.orders.handlers.{name}"
                         for name in ("api", "outbox", "payments", "fulfilment"))
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
            f"import {handlers}\n"
            "from stratus.shop.orders.prices import CatalogPriceSource\n"
            "CatalogPriceSource('https://cat.example/dev/', 'us-east-1')\n")
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, str(bundle), str(runtime)],
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
