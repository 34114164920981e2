"""Properties and IAM of the synthesized to-do stack (dev and prod), not resource counts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.todo import config

from .conftest import Synth

OUTPUTS = (
    "TodoApiUrl",
    "UserPoolId",
    "UserPoolClientId",
    "IdentityPoolId",
    "UserFilesBucketName",
    "Region",
    "UserPoolDomain",
    "TodoTableName",
)
OWN_PREFIX = "${aws:PrincipalTag/sub}"


def _table(synth: Synth, hash_key: str) -> dict[str, Any]:
    for table in synth.of_type("AWS::DynamoDB::Table").values():
        keys = table["Properties"]["KeySchema"]
        if keys[0]["AttributeName"] == hash_key:
            return table["Properties"]  # type: ignore[no-any-return]
    raise AssertionError(f"no table keyed by {hash_key}")


def _user_files_bucket(synth: Synth) -> tuple[str, dict[str, Any]]:
    for logical_id, bucket in synth.of_type("AWS::S3::Bucket").items():
        if "UserFilesBucket" in logical_id:
            return logical_id, bucket["Properties"]
    raise AssertionError("no user-files bucket")


def _identity_role(synth: Synth) -> tuple[str, dict[str, Any]]:
    for logical_id, role in synth.of_type("AWS::IAM::Role").items():
        principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        if principal.get("Federated") == "cognito-identity.amazonaws.com":
            return logical_id, role["Properties"]
    raise AssertionError("no identity-pool role")


def _functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Handler"]: r["Properties"]
        for r in synth.of_type("AWS::Lambda::Function").values()
    }


def test_todo_table_is_keyed_by_user_then_todo_id(dev: Synth) -> None:
    props = _table(dev, "pk")
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {"AttributeName": "sk", "AttributeType": "S"} in props["AttributeDefinitions"]
    assert {"AttributeName": "pk", "AttributeType": "S"} in props["AttributeDefinitions"]


def test_idempotency_table_uses_powertools_layout(dev: Synth) -> None:
    props = _table(dev, "id")
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_tables_are_on_demand_with_point_in_time_recovery(
    synths: dict[str, Synth], stage: str
) -> None:
    for table in synths[stage].of_type("AWS::DynamoDB::Table").values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_deletion_protection_is_on_in_prod_and_off_in_dev(dev: Synth, prod: Synth) -> None:
    for table in prod.of_type("AWS::DynamoDB::Table").values():
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
    assert prod.one("AWS::Cognito::UserPool")["Properties"]["DeletionProtection"] == "ACTIVE"
    for table in dev.of_type("AWS::DynamoDB::Table").values():
        assert table["Properties"].get("DeletionProtectionEnabled", False) is False
        assert table["DeletionPolicy"] == "Delete"
    assert dev.one("AWS::Cognito::UserPool")["Properties"]["DeletionProtection"] == "INACTIVE"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_non_options_method_has_the_cognito_authorizer(
    synths: dict[str, Synth], stage: str
) -> None:
    synth = synths[stage]
    (authorizer_id,) = synth.of_type("AWS::ApiGateway::Authorizer")
    authorizer = synth.resources[authorizer_id]["Properties"]
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    secured = [
        m["Properties"]
        for m in synth.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS"
    ]
    assert len(secured) >= 9
    for method in secured:
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS", method
        assert method["AuthorizerId"] == {"Ref": authorizer_id}


def test_options_methods_are_unauthenticated_preflight_mocks(dev: Synth) -> None:
    options = [
        m["Properties"]
        for m in dev.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert options
    for method in options:
        assert method["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in method
        assert method["Integration"]["Type"] == "MOCK"


def test_routes_reach_the_right_functions(dev: Synth) -> None:
    resources = dev.of_type("AWS::ApiGateway::Resource")
    parts = {k: r["Properties"]["PathPart"] for k, r in resources.items()}
    routes = set()
    for method in dev.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":
            continue
        ref = props["ResourceId"].get("Ref")
        parent = resources[ref]["Properties"]["ParentId"].get("Ref") if ref else None
        path = "/" + "/".join(p for p in (parts.get(parent or ""), parts.get(ref or "")) if p)
        uri = json.dumps(props["Integration"]["Uri"])
        fn = "todos" if "TodosFunction" in uri else "files" if "FilesFunction" in uri else "?"
        routes.add((props["HttpMethod"], path, fn))
    assert routes == {
        ("GET", "/todos", "todos"),
        ("POST", "/todos", "todos"),
        ("GET", "/todos/{id}", "todos"),
        ("PATCH", "/todos/{id}", "todos"),
        ("DELETE", "/todos/{id}", "todos"),
        ("GET", "/files", "files"),
        ("DELETE", "/files", "files"),
        ("POST", "/files/upload-url", "files"),
        ("GET", "/files/download-url", "files"),
    }


def test_stage_is_throttled_and_access_logged(dev: Synth, prod: Synth) -> None:
    for synth in (dev, prod):
        stage = synth.one("AWS::ApiGateway::Stage")["Properties"]
        assert stage["StageName"] == synth.stage
        assert "DestinationArn" in stage["AccessLogSetting"]
        settings = stage["MethodSettings"][0]
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    prod_limit = prod.one("AWS::ApiGateway::Stage")["Properties"]["MethodSettings"][0]
    dev_limit = dev.one("AWS::ApiGateway::Stage")["Properties"]["MethodSettings"][0]
    assert prod_limit["ThrottlingRateLimit"] > dev_limit["ThrottlingRateLimit"]


def test_identity_role_is_assumable_only_by_authenticated_pool_identities(dev: Synth) -> None:
    _, role = _identity_role(dev)
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    (pool_id,) = dev.of_type("AWS::Cognito::IdentityPool")
    assert statement["Condition"] == {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": pool_id}},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
    }
    pool = dev.resources[pool_id]["Properties"]
    assert pool["AllowUnauthenticatedIdentities"] is False
    tags = dev.one("AWS::Cognito::IdentityPoolPrincipalTag")["Properties"]
    assert tags["PrincipalTags"] == {"sub": "sub"} and tags["UseDefaults"] is False
    attachment = dev.one("AWS::Cognito::IdentityPoolRoleAttachment")["Properties"]
    assert set(attachment["Roles"]) == {"authenticated"}


def test_identity_role_s3_rights_stop_at_the_callers_own_folder(dev: Synth) -> None:
    role_id, role = _identity_role(dev)
    bucket_id, _ = _user_files_bucket(dev)
    assert "ManagedPolicyArns" not in role
    # No separate AWS::IAM::Policy may widen the role.
    for policy in dev.of_type("AWS::IAM::Policy").values():
        assert {"Ref": role_id} not in policy["Properties"].get("Roles", [])
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    by_action = {json.dumps(s["Action"]): s for s in statements}
    assert set(by_action) == {
        json.dumps(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]),
        json.dumps("s3:ListBucket"),
    }
    objects = by_action[json.dumps(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"])]
    assert objects["Effect"] == "Allow" and "Condition" not in objects
    assert objects["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{OWN_PREFIX}/*"]]
    }
    listing = by_action[json.dumps("s3:ListBucket")]
    assert listing["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": [f"{OWN_PREFIX}/*", f"{OWN_PREFIX}/"]}
    }


def test_user_files_bucket_is_private_encrypted_and_versioned(dev: Synth) -> None:
    _, props = _user_files_bucket(dev)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    lifecycle = props["LifecycleConfiguration"]["Rules"]
    assert any(
        r.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 1} for r in lifecycle
    )
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert {"PUT", "GET"} <= set(cors["AllowedMethods"])
    assert "https://127.0.0.1:4443" in cors["AllowedOrigins"]
    assert cors["ExposedHeaders"] == ["ETag"]


def test_user_files_bucket_policy_denies_requests_without_tls(dev: Synth) -> None:
    bucket_id, _ = _user_files_bucket(dev)
    (policy,) = [
        p["Properties"]
        for p in dev.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    denies = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(
        s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*"
        for s in denies
    )


def test_dax_cluster_and_vpc_exist_in_prod_only(dev: Synth, prod: Synth) -> None:
    cluster = prod.one("AWS::DAX::Cluster")["Properties"]
    assert cluster["SSESpecification"] == {"SSEEnabled": True}
    assert cluster["ClusterEndpointEncryptionType"] == "TLS"
    assert cluster["ReplicationFactor"] == 3
    params = prod.one("AWS::DAX::ParameterGroup")["Properties"]["ParameterNameValues"]
    assert params == {"query-ttl-millis": "300000", "record-ttl-millis": "300000"}
    prod.one("AWS::EC2::VPC")
    assert not prod.of_type("AWS::EC2::NatGateway")
    assert not prod.of_type("AWS::EC2::InternetGateway")
    endpoints = [e["Properties"] for e in prod.of_type("AWS::EC2::VPCEndpoint").values()]
    kinds = {(e.get("VpcEndpointType", "Gateway"), json.dumps(e["ServiceName"])) for e in endpoints}
    assert any(k == "Gateway" and "dynamodb" in s for k, s in kinds)
    assert any(k == "Gateway" and ".s3" in s for k, s in kinds)
    assert any(k == "Interface" and "secretsmanager" in s for k, s in kinds)
    for fn in _functions(prod).values():
        assert "VpcConfig" in fn
    for kind in ("AWS::DAX::Cluster", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint"):
        assert not dev.of_type(kind)
    for fn in _functions(dev).values():
        assert "VpcConfig" not in fn


def test_todos_function_gets_the_dax_endpoint_only_when_dax_is_on(dev: Synth, prod: Synth) -> None:
    (cluster_id,) = prod.of_type("AWS::DAX::Cluster")
    todos = _functions(prod)["stratus.todo.handlers.todos.lambda_handler"]
    env = todos["Environment"]["Variables"]
    assert env[config.ENV_DAX_ENDPOINT] == {
        "Fn::GetAtt": [cluster_id, "ClusterDiscoveryEndpointURL"]
    }
    assert env[config.ENV_QUERY_CACHE_TTL] == "300"
    for fn in _functions(dev).values():
        assert config.ENV_DAX_ENDPOINT not in fn["Environment"]["Variables"]


def test_functions_read_their_settings_from_todo_config_names(dev: Synth) -> None:
    functions = _functions(dev)
    assert set(functions) == {
        "stratus.todo.handlers.todos.lambda_handler",
        "stratus.todo.handlers.files.lambda_handler",
    }
    required = {
        config.ENV_TODO_TABLE,
        config.ENV_IDEMPOTENCY_TABLE,
        config.ENV_FILES_BUCKET,
        config.ENV_CURSOR_SECRET_ARN,
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "LOG_LEVEL",
    }
    for fn in functions.values():
        assert required <= set(fn["Environment"]["Variables"])
        assert fn["Runtime"] == "python3.11"
        assert fn["Architectures"] == ["x86_64"]
        assert fn["TracingConfig"] == {"Mode": "Active"}
        assert fn["MemorySize"] == 512 and fn["Timeout"] == 10
        assert "LoggingConfig" in fn  # explicit log group, no LogRetention custom resource
    assert not dev.of_type("Custom::LogRetention")
    assert not [r for r in dev.resources.values() if r["Type"].startswith("Custom::")]


def test_function_roles_have_no_wildcard_actions(prod: Synth) -> None:
    for policy in prod.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, action


def test_mobile_client_is_public_with_code_grant_and_sensible_token_lifetimes(dev: Synth) -> None:
    client = dev.one("AWS::Cognito::UserPoolClient")["Properties"]
    assert client["ClientName"] == "MobileClient"
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert "myapp://callback" in client["CallbackURLs"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["IdTokenValidity"] == 60 and client["AccessTokenValidity"] == 60
    assert client["RefreshTokenValidity"] == 30 * 24 * 60
    pool = dev.one("AWS::Cognito::UserPool")["Properties"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12


def test_all_outputs_exist(dev: Synth, prod: Synth) -> None:
    for synth in (dev, prod):
        assert set(OUTPUTS) <= set(synth.template["Outputs"])


def _physical_names(synth: Synth) -> set[str]:
    # Names scoped inside a parent resource (a pool's client, a role's inline policy) may repeat.
    scoped = {"ClientName", "PolicyName", "AttributeName", "StageName"}
    names = set()
    for resource in synth.resources.values():
        for key, value in resource.get("Properties", {}).items():
            # Intrinsics (Ref/GetAtt) point inside the stack; only literal names can collide.
            if key.endswith("Name") and key not in scoped and isinstance(value, str):
                names.add(value)
    return names


def test_stacks_of_different_stages_share_no_names(dev: Synth, prod: Synth) -> None:
    assert dev.template_path.name != prod.template_path.name
    assert _physical_names(dev)
    assert not _physical_names(dev) & _physical_names(prod)


def test_cfn_lint_reports_no_errors(dev: Synth, prod: Synth) -> None:
    from cfnlint.api import lint

    for synth in (dev, prod):
        matches = lint(synth.template_path.read_text(), regions=["us-east-1"])
        errors = [str(m) for m in matches if m.rule.id.startswith("E")]
        assert errors == [], f"{synth.stage}: {errors}"


def test_cfn_lint_check_is_live() -> None:
    from cfnlint.api import lint

    broken = {"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"Nope": 1}}}}
    matches = lint(json.dumps(broken), regions=["us-east-1"])
    assert [m for m in matches if m.rule.id.startswith("E")]
