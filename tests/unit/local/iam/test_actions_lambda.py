"""Lambda requests -> IAM checks: every way to name a function, mappings, layers."""

from __future__ import annotations

from tests.unit.local.iam.calls import ACCOUNT, arn, needs_of

from stratus.local.iam.actions import Need

FN = arn("lambda", "function:orders")


def test_invoke_by_name_arn_partial_arn_and_qualifier() -> None:
    forms = {
        "orders": FN,
        FN: FN,
        f"{ACCOUNT}:function:orders": FN,
        "orders:live": f"{FN}:live",
        f"{FN}:7": f"{FN}:7",
        f"{ACCOUNT}:function:orders:live": f"{FN}:live",
    }
    for name, resource in forms.items():
        found = needs_of("lambda", "invoke", FunctionName=name, Payload=b"{}")
        assert found == [Need("lambda:InvokeFunction", resource)], name
    qualified = needs_of("lambda", "invoke", FunctionName="orders", Qualifier="live")
    assert qualified == [Need("lambda:InvokeFunction", f"{FN}:live")]


def test_function_in_another_account_keeps_its_account() -> None:
    other = "arn:aws:lambda:eu-west-1:210987654321:function:shared"
    assert needs_of("lambda", "invoke", FunctionName=other) == [
        Need("lambda:InvokeFunction", other)
    ]


def test_streaming_and_async_invokes() -> None:
    assert needs_of("lambda", "invoke_with_response_stream", FunctionName="orders") == [
        Need("lambda:InvokeFunction", FN)
    ]
    assert needs_of("lambda", "invoke_async", FunctionName="orders", InvokeArgs=b"{}") == [
        Need("lambda:InvokeFunction", FN)
    ]


def test_function_management_calls() -> None:
    assert needs_of("lambda", "get_function", FunctionName="orders") == [
        Need("lambda:GetFunction", FN)
    ]
    assert needs_of(
        "lambda", "get_function_configuration", FunctionName="orders", Qualifier="3"
    ) == [Need("lambda:GetFunctionConfiguration", f"{FN}:3")]
    assert needs_of("lambda", "update_function_code", FunctionName="orders", ZipFile=b"z") == [
        Need("lambda:UpdateFunctionCode", FN)
    ]
    assert needs_of("lambda", "list_functions") == [Need("lambda:ListFunctions", "*")]
    assert needs_of("lambda", "publish_version", FunctionName="orders") == [
        Need("lambda:PublishVersion", FN)
    ]
    assert needs_of("lambda", "list_versions_by_function", FunctionName="orders") == [
        Need("lambda:ListVersionsByFunction", FN)
    ]


def test_alias_calls_act_on_the_function() -> None:
    assert needs_of(
        "lambda", "create_alias", FunctionName="orders", Name="live", FunctionVersion="3"
    ) == [Need("lambda:CreateAlias", FN)]
    assert needs_of("lambda", "get_alias", FunctionName="orders", Name="live") == [
        Need("lambda:GetAlias", FN)
    ]
    assert needs_of("lambda", "list_aliases", FunctionName="orders") == [
        Need("lambda:ListAliases", FN)
    ]


def test_create_and_configure_pass_the_role() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/orders-fn"
    layer = arn("lambda", "layer:deps:2")
    found = needs_of(
        "lambda",
        "create_function",
        FunctionName="orders",
        Role=role,
        Code={"ZipFile": b"z"},
        Runtime="python3.13",
        Handler="app.handler",
        Layers=[layer],
    )
    assert found == [
        Need("lambda:CreateFunction", FN, {"lambda:Layer": [layer]}),
        Need("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}),
    ]
    update = needs_of("lambda", "update_function_configuration", FunctionName="orders", Timeout=9)
    assert update == [Need("lambda:UpdateFunctionConfiguration", FN)]


def test_permissions_carry_the_principal() -> None:
    found = needs_of(
        "lambda",
        "add_permission",
        FunctionName="orders",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )
    assert found == [Need("lambda:AddPermission", FN, {"lambda:Principal": "s3.amazonaws.com"})]
    assert needs_of("lambda", "get_policy", FunctionName="orders", Qualifier="live") == [
        Need("lambda:GetPolicy", f"{FN}:live")
    ]


def test_event_source_mappings() -> None:
    queue = arn("sqs", "orders")
    created = needs_of(
        "lambda", "create_event_source_mapping", FunctionName="orders", EventSourceArn=queue
    )
    assert created == [Need("lambda:CreateEventSourceMapping", "*", {"lambda:FunctionArn": FN})]
    uuid = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"
    mapping = arn("lambda", f"event-source-mapping:{uuid}")
    assert needs_of("lambda", "get_event_source_mapping", UUID=uuid) == [
        Need("lambda:GetEventSourceMapping", mapping)
    ]
    assert needs_of("lambda", "update_event_source_mapping", UUID=uuid, BatchSize=5) == [
        Need("lambda:UpdateEventSourceMapping", mapping)
    ]
    assert needs_of("lambda", "delete_event_source_mapping", UUID=uuid) == [
        Need("lambda:DeleteEventSourceMapping", mapping)
    ]
    assert needs_of("lambda", "list_event_source_mappings") == [
        Need("lambda:ListEventSourceMappings", "*")
    ]


def test_layers() -> None:
    layer = arn("lambda", "layer:deps")
    assert needs_of(
        "lambda", "publish_layer_version", LayerName="deps", Content={"ZipFile": b"z"}
    ) == [Need("lambda:PublishLayerVersion", layer)]
    assert needs_of("lambda", "get_layer_version", LayerName="deps", VersionNumber=2) == [
        Need("lambda:GetLayerVersion", f"{layer}:2")
    ]
    assert needs_of("lambda", "get_layer_version_by_arn", Arn=f"{layer}:2") == [
        Need("lambda:GetLayerVersion", f"{layer}:2")
    ]
    assert needs_of("lambda", "list_layers") == [Need("lambda:ListLayers", "*")]


def test_tags_act_on_the_named_resource() -> None:
    assert needs_of("lambda", "list_tags", Resource=FN) == [Need("lambda:ListTags", FN)]
    assert needs_of("lambda", "tag_resource", Resource=FN, Tags={"k": "v"}) == [
        Need("lambda:TagResource", FN)
    ]
