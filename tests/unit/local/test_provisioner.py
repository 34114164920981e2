"""Provisioning the fixture templates on moto: resources exist, ids are stable, reruns are cheap."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.assembly import read_assembly
from stratus.local.provision.model import Deployment
from stratus.local.provision.provisioner import (
    ASSET_DIR_KEY,
    PhysicalIdStore,
    ProvisionError,
    policies_for_role,
    provision,
)
from stratus.local.secretsmanager.providers import PUNCTUATION, generate_password

FIXTURE = Path(__file__).parent / "fixtures" / "templates" / "app"


@pytest.fixture(scope="module")
def aws() -> Iterator[Any]:
    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LocalSettings:
    root = tmp_path_factory.mktemp("project")
    return LocalSettings.for_project(root)


@pytest.fixture(scope="module")
def run(aws: Any, settings: LocalSettings) -> tuple[Deployment, list[tuple[str, str, str, str]]]:
    events: list[tuple[str, str, str, str]] = []
    store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
    deployment = provision(
        settings,
        read_assembly(FIXTURE),
        aws=aws,
        state=store,
        on_progress=lambda *e: events.append(e),
    )
    return deployment, events


def test_table_exists_with_ttl_and_generated_name(run: Any, aws: Any) -> None:
    deployment, _ = run
    table = deployment.get("TodoApp", "TodoTable")
    assert table.physical_id.startswith("TodoApp-TodoTable-")
    described = aws("dynamodb").describe_table(TableName=table.physical_id)["Table"]
    assert table.attributes["Arn"] == described["TableArn"]
    ttl = aws("dynamodb").describe_time_to_live(TableName=table.physical_id)[
        "TimeToLiveDescription"
    ]
    assert ttl["AttributeName"] == "expiresAt"


def test_bucket_is_lowercase_with_versioning_cors_and_policy(run: Any, aws: Any) -> None:
    deployment, _ = run
    bucket = deployment.get("TodoApp", "FilesBucket").physical_id
    assert bucket == bucket.lower() and bucket.startswith("todoapp-filesbucket-")
    s3 = aws("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["MaxAgeSeconds"] == 300
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Resource"][1] == f"arn:aws:s3:::{bucket}/*"


def test_user_pool_and_client_work_for_sign_in(run: Any, aws: Any) -> None:
    deployment, _ = run
    pool = deployment.get("TodoApp", "UserPool")
    client = deployment.get("TodoApp", "UserPoolClient").physical_id
    idp = aws("cognito-idp")
    described = idp.describe_user_pool(UserPoolId=pool.physical_id)["UserPool"]
    assert described["UsernameAttributes"] == ["email"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    idp.sign_up(ClientId=client, Username="a@example.com", Password="Passw0rdX")
    idp.admin_confirm_sign_up(UserPoolId=pool.physical_id, Username="a@example.com")
    tokens = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "a@example.com", "PASSWORD": "Passw0rdX"},
    )["AuthenticationResult"]
    assert tokens["IdToken"]
    identity_pool = deployment.get("TodoApp", "IdentityPool").physical_id
    providers = aws("cognito-identity").describe_identity_pool(IdentityPoolId=identity_pool)[
        "CognitoIdentityProviders"
    ]
    assert providers[0]["ClientId"] == client
    assert providers[0]["ProviderName"] == f"cognito-idp.us-east-1.amazonaws.com/{pool.physical_id}"


def test_role_policies_are_in_moto_and_readable_from_the_deployment(run: Any, aws: Any) -> None:
    deployment, _ = run
    role = deployment.get("TodoApp", "FnRole")
    assert aws("iam").get_role(RoleName=role.physical_id)["Role"]["Arn"] == role.attributes["Arn"]
    docs = policies_for_role(deployment, role.attributes["Arn"])
    actions = [s["Action"] for d in docs for s in d["Statement"]]
    table_arn = deployment.get("TodoApp", "TodoTable").attributes["Arn"]
    assert actions == ["sqs:SendMessage", ["dynamodb:GetItem", "dynamodb:PutItem"], "s3:GetObject"]
    assert docs[1]["Statement"][0]["Resource"] == table_arn
    assert policies_for_role(deployment, "arn:aws:iam::000000000000:role/nobody") == []


def test_generated_secret_follows_the_template(run: Any, aws: Any) -> None:
    deployment, _ = run
    arn = deployment.get("TodoApp", "ApiSecret").physical_id
    value = json.loads(aws("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert value["username"] == "svc"
    assert len(value["password"]) == 24 and value["password"].isalnum()
    assert not set("abc") & set(value["password"])


def test_lambda_is_recorded_with_arn_asset_dir_and_resolved_environment(run: Any) -> None:
    deployment, _ = run
    fn = deployment.get("TodoApp", "Fn")
    assert (
        fn.attributes["Arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{fn.physical_id}"
    )
    assert Path(fn.metadata[ASSET_DIR_KEY]) == (FIXTURE / "asset.abc123").resolve()
    env = fn.properties["Environment"]["Variables"]
    assert env["TABLE"] == deployment.get("TodoApp", "TodoTable").physical_id
    assert env["DAX"] == "http://127.0.0.1:8111"
    assert env["SUBNET"] == "unsupported:Shared/Subnet"
    assert "ONLY_PROD" not in env


def test_asset_found_through_asset_manifest_when_metadata_is_absent(run: Any) -> None:
    deployment, _ = run
    fn = deployment.get("TodoApp", "Fn2")
    assert fn.metadata["aws:asset:path"] == "asset.def456"
    assert Path(fn.metadata[ASSET_DIR_KEY]) == (FIXTURE / "asset.def456").resolve()


def test_rest_api_ids_and_stage(run: Any) -> None:
    deployment, _ = run
    api = deployment.get("TodoApp", "Api")
    assert len(api.physical_id) == 10 and api.physical_id.isalnum() and api.physical_id.islower()
    resource = deployment.get("TodoApp", "ApiTodos")
    assert resource.properties["ParentId"] == api.attributes["RootResourceId"]
    method = deployment.get("TodoApp", "ApiTodosGet")
    assert (
        method.properties["AuthorizerId"] == deployment.get("TodoApp", "ApiAuthorizer").physical_id
    )
    assert method.properties["Integration"]["Uri"].endswith(
        f"function:{deployment.get('TodoApp', 'Fn').physical_id}/invocations"
    )
    assert deployment.get("TodoApp", "ApiStage").physical_id == "local"


def test_dax_cluster_points_at_local_endpoint(run: Any) -> None:
    deployment, _ = run
    dax = deployment.get("TodoApp", "Dax")
    assert dax.attributes["ClusterDiscoveryEndpoint"] == "127.0.0.1:8111"
    assert dax.attributes["Arn"].startswith("arn:aws:dax:us-east-1:000000000000:cache/")


def test_unsupported_types_are_listed_and_conditions_and_metadata_skipped(run: Any) -> None:
    deployment, events = run
    assert deployment.unsupported == {
        "AWS::EC2::VPC": ["Shared/Vpc"],
        "AWS::EC2::Subnet": ["Shared/Subnet"],
        "AWS::EC2::SecurityGroup": ["TodoApp/SecurityGroup"],
        "Custom::Thing": ["TodoApp/CustomThing"],
    }
    assert "ProdOnly" not in deployment.stacks["TodoApp"].resources
    assert "CDKMetadata" not in deployment.stacks["TodoApp"].resources
    assert ("TodoApp", "Fn", "AWS::Lambda::Function", "create") in events


def test_cross_stack_import_and_sns_to_sqs_subscription(run: Any, aws: Any) -> None:
    deployment, _ = run
    topic = deployment.get("Shared", "SharedTopic").physical_id
    assert deployment.stacks["Shared"].outputs["TopicArn"] == topic
    queue_url = deployment.get("TodoApp", "Queue").physical_id
    aws("sns").publish(TopicArn=topic, Message="hello")
    body = json.loads(aws("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["Message"] == "hello"


def test_second_provision_reuses_everything_quickly(
    run: Any, aws: Any, settings: LocalSettings
) -> None:
    first, _ = run
    events: list[tuple[str, str, str, str]] = []
    store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
    started = time.monotonic()
    second = provision(
        settings,
        read_assembly(FIXTURE),
        aws=aws,
        state=store,
        on_progress=lambda *e: events.append(e),
    )
    assert time.monotonic() - started < 5
    actions = {e[3] for e in events}
    assert actions <= {"reuse", "unsupported", "skip-condition"}
    for stack in first.stacks.values():
        for res in stack.resources.values():
            assert second.get(stack.name, res.logical_id).physical_id == res.physical_id


def test_changed_table_keeps_data_and_deleted_queue_is_recreated(
    run: Any, aws: Any, settings: LocalSettings, tmp_path: Path
) -> None:
    first, _ = run
    table = first.get("TodoApp", "TodoTable").physical_id
    aws("dynamodb").put_item(TableName=table, Item={"pk": {"S": "u"}, "sk": {"S": "1"}})
    aws("sqs").delete_queue(QueueUrl=first.get("TodoApp", "Queue").physical_id)
    changed = tmp_path / "app"
    import shutil

    shutil.copytree(FIXTURE, changed)
    template = json.loads((changed / "App.template.json").read_text())
    template["Resources"]["TodoTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] = (
        "ttl2"
    )
    (changed / "App.template.json").write_text(json.dumps(template))
    events: list[tuple[str, str, str, str]] = []
    store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
    provision(
        settings,
        read_assembly(changed),
        aws=aws,
        state=store,
        on_progress=lambda *e: events.append(e),
    )
    by_id = {e[1]: e[3] for e in events}
    assert by_id["TodoTable"] == "update"
    assert by_id["Queue"] == "create"
    assert aws("dynamodb").get_item(TableName=table, Key={"pk": {"S": "u"}, "sk": {"S": "1"}})[
        "Item"
    ]


def _single_stack(tmp_path: Path, resources: dict[str, Any]) -> Path:
    (tmp_path / "S.template.json").write_text(json.dumps({"Resources": resources}))
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "S": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "S.template.json"},
                    }
                }
            }
        )
    )
    return tmp_path


def test_dependency_cycle_names_the_resources(
    aws: Any, settings: LocalSettings, tmp_path: Path
) -> None:
    path = _single_stack(
        tmp_path,
        {
            "A": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::GetAtt": ["B", "QueueName"]}},
            },
            "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"},
        },
    )
    with pytest.raises(
        ProvisionError,
        match=r"S: dependency cycle between (A, B|B, A)",
    ):
        provision(
            settings, read_assembly(path), aws=aws, state=PhysicalIdStore(tmp_path / "ids.json")
        )


def test_unknown_attribute_error_names_stack_resource_and_path(
    aws: Any, settings: LocalSettings, tmp_path: Path
) -> None:
    path = _single_stack(
        tmp_path,
        {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Role": {"Fn::GetAtt": ["Fn2", "Nope"]}},
            },
            "Fn2": {"Type": "AWS::Lambda::Function", "Properties": {}},
        },
    )
    with pytest.raises(Exception, match=r"S/Fn\.Properties\.Role\.Fn::GetAtt: GetAtt Fn2\.Nope"):
        provision(
            settings, read_assembly(path), aws=aws, state=PhysicalIdStore(tmp_path / "ids.json")
        )


def test_generated_password_honours_exclusions_and_includes_each_type() -> None:
    spec = {"PasswordLength": 40, "ExcludeCharacters": '0Oo/@"', "RequireEachIncludedType": True}
    for _ in range(20):
        password = generate_password(spec)
        assert len(password) == 40
        assert not set('0Oo/@"') & set(password)
        assert any(c.islower() for c in password) and any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password) and any(c in PUNCTUATION for c in password)
    assert generate_password({"PasswordLength": 8, "ExcludePunctuation": True}).isalnum()
    with pytest.raises(ValueError, match="excludes every character"):
        generate_password(
            {
                "ExcludeLowercase": True,
                "ExcludeUppercase": True,
                "ExcludeNumbers": True,
                "ExcludePunctuation": True,
            }
        )
