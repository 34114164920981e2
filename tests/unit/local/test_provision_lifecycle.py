"""Lambda-backed custom resources (Create / Update / replacement / Delete through the
ResponseURL collector), removed resources deleted with their DeletionPolicy honoured, and
exports scoped to their region."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, serve
from stack_fixtures import write_assembly

from stratus.local.cloudformation.custom import CustomResourceResponses, CustomResourceServices
from stratus.local.core.clients import AwsClients
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.assembly import read_assembly
from stratus.local.provision.intrinsics import IntrinsicError
from stratus.local.provision.provisioner import PhysicalIdStore, ProvisionError, provision

TOKEN = "arn:aws:lambda:us-east-1:000000000000:function:greeter"


@dataclass
class Outcome:
    payload: bytes = b"null"
    function_error: str | None = None


class FakeLambda:
    """Runs a Python handler in-process; it answers on the ResponseURL as a Lambda would."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], dict[str, Any] | None] = greeter
        self.services: CustomResourceServices | None = None
        self.seen_stack_before_call = False

    def __call__(self, function_arn: str, payload: bytes) -> Outcome:
        event = json.loads(payload)
        assert function_arn == event["ServiceToken"]
        self.events.append(event)
        if self.services is not None and self.services.deployment is not None:
            stack = self.services.deployment.stacks.get("S")
            self.seen_stack_before_call |= stack is not None
        try:
            body = self.answer(event)
        except Exception as exc:
            return Outcome(json.dumps({"errorMessage": str(exc)}).encode(), "Unhandled")
        if body is not None:
            data = json.dumps(body).encode()
            request = urllib.request.Request(event["ResponseURL"], data=data, method="PUT")
            request.add_header("content-type", "")
            with urllib.request.urlopen(request) as response:
                assert response.status == 200
        return Outcome()


def greeter(event: dict[str, Any]) -> dict[str, Any]:
    props = event["ResourceProperties"]
    return {
        "Status": "SUCCESS",
        "PhysicalResourceId": f"greeting-{props['Name']}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Message": f"hello {props['Name']} x{props['Count']}"},
    }


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsClients]:
    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto)) as url:
        yield AwsClients(url, region="us-east-1", account="000000000000")


@pytest.fixture(scope="module")
def collector() -> Iterator[CustomResourceResponses]:
    responses = CustomResourceResponses()
    with serve(responses) as url:
        responses.base_url = f"{url}/cfn-response"
        yield responses


@pytest.fixture
def settings(tmp_path: Path) -> LocalSettings:
    return LocalSettings.for_project(tmp_path / "project")


def _template(name: str = "a", count: int = 3, *, extra: dict[str, Any] | None = None) -> Any:
    return {
        "Resources": {
            "Greeting": {
                "Type": "Custom::Greeting",
                "Properties": {"ServiceToken": TOKEN, "Name": name, "Count": count, "Loud": True},
            },
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            **(extra or {}),
        },
        "Outputs": {"Message": {"Value": {"Fn::GetAtt": ["Greeting", "Message"]}}},
    }


def _run(
    settings: LocalSettings,
    aws: AwsClients,
    path: Path,
    lam: FakeLambda,
    collector: CustomResourceResponses,
) -> Any:
    services = CustomResourceServices(invoke=lam, responses=collector, response_margin_s=2)
    lam.services = services
    store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
    return provision(settings, read_assembly(path), aws=aws, state=store, services=services)


def test_custom_resource_create_update_replace_and_delete(
    settings: LocalSettings, aws: AwsClients, collector: CustomResourceResponses, tmp_path: Path
) -> None:
    lam = FakeLambda()
    first = _run(settings, aws, write_assembly(tmp_path / "v1", {"S": _template()}), lam, collector)
    create = lam.events[-1]
    assert create["RequestType"] == "Create"
    assert create["ResourceProperties"] == {
        "ServiceToken": TOKEN,
        "Name": "a",
        "Count": "3",
        "Loud": "true",  # stringified
    }
    assert create["StackId"].startswith("arn:aws:cloudformation:us-east-1:000000000000:stack/S/")
    assert create["ResponseURL"] == f"{collector.base_url}/{create['RequestId']}"
    assert first.get("S", "Greeting").physical_id == "greeting-a"
    assert lam.seen_stack_before_call  # the in-progress Deployment is visible to invoke
    assert first.stacks["S"].outputs["Message"] == "hello a x3"

    second = _run(
        settings, aws, write_assembly(tmp_path / "v2", {"S": _template(count=4)}), lam, collector
    )
    update = lam.events[-1]
    assert update["RequestType"] == "Update" and update["PhysicalResourceId"] == "greeting-a"
    assert update["OldResourceProperties"]["Count"] == "3"
    assert second.changes["S"].updated == ["Greeting"]
    assert second.stacks["S"].outputs["Message"] == "hello a x4"
    assert second.stacks["S"].status == "UPDATE_COMPLETE"

    third = _run(
        settings, aws, write_assembly(tmp_path / "v3", {"S": _template("b", 4)}), lam, collector
    )
    update, delete = lam.events[-2:]
    assert update["RequestType"] == "Update"
    assert (delete["RequestType"], delete["PhysicalResourceId"]) == ("Delete", "greeting-a")
    assert delete["ResourceProperties"]["Name"] == "a"  # the old resource's properties
    assert third.changes["S"].replaced == ["Greeting"]

    no_custom = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    fourth = _run(settings, aws, write_assembly(tmp_path / "v4", {"S": no_custom}), lam, collector)
    assert (lam.events[-1]["RequestType"], lam.events[-1]["PhysicalResourceId"]) == (
        "Delete",
        "greeting-b",
    )
    assert fourth.changes["S"].deleted == ["Greeting"]
    assert fourth.changes["S"].reused == ["Queue"]


def test_failed_or_missing_answer_fails_the_stack_with_the_reason(
    settings: LocalSettings, aws: AwsClients, collector: CustomResourceResponses, tmp_path: Path
) -> None:
    lam = FakeLambda()
    path = write_assembly(tmp_path / "f", {"S": _template()})

    def refuse(event: dict[str, Any]) -> dict[str, Any]:
        return {**greeter(event), "Status": "FAILED", "Reason": "no greetings today"}

    lam.answer = refuse
    with pytest.raises(ProvisionError, match=r"S/Greeting .*no greetings today"):
        _run(settings, aws, path, lam, collector)

    def crash(event: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    lam.answer = crash
    with pytest.raises(ProvisionError, match=r"did not answer the Create request.*boom"):
        _run(settings, aws, path, lam, collector)

    lam.answer = lambda event: {**greeter(event), "PhysicalResourceId": ""}
    with pytest.raises(ProvisionError, match="Invalid PhysicalResourceId"):
        _run(settings, aws, path, lam, collector)


def test_response_over_4096_bytes_is_a_failure(collector: CustomResourceResponses) -> None:
    collector.url_for("r1", stack_id="s", logical_id="L")
    body = {
        "Status": "SUCCESS",
        "PhysicalResourceId": "p",
        "StackId": "s",
        "RequestId": "r1",
        "LogicalResourceId": "L",
        "Data": {"big": "x" * 5000},
    }
    assert collector.submit("r1", json.dumps(body).encode()) == 200
    answer = collector.wait("r1", 1)
    assert answer is not None and not answer.ok and "too long" in answer.reason
    assert collector.submit("r1", b"{}") == 403  # a used (or unknown) URL


def test_removed_resources_are_deleted_unless_retained(
    settings: LocalSettings, aws: AwsClients, collector: CustomResourceResponses, tmp_path: Path
) -> None:
    def bucket(name: str, policy: str | None) -> dict[str, Any]:
        spec: dict[str, Any] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}
        if policy:
            spec["DeletionPolicy"] = spec["UpdateReplacePolicy"] = policy
        return spec

    resources = {
        "Keep": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "Properties": {
                "TableName": "kept-table",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            },
        },
        "Drop": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Delete",
            "Properties": {
                "TableName": "dropped-table",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            },
        },
        "Empty": bucket("empty-bucket", "Delete"),
        "Full": bucket("full-bucket", "Delete"),
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "gone-topic"}},
        "Sub": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "gone-queue"}},
    }
    lam = FakeLambda()
    _run(
        settings,
        aws,
        write_assembly(tmp_path / "v1", {"R": {"Resources": resources}}),
        lam,
        collector,
    )
    aws("s3").put_object(Bucket="full-bucket", Key="k", Body=b"x")
    events: list[tuple[str, str, str, str]] = []
    services = CustomResourceServices(invoke=lam, responses=collector)
    store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
    only = {"Resources": {"Other": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    after = provision(
        settings,
        read_assembly(write_assembly(tmp_path / "v2", {"R": only})),
        aws=aws,
        state=store,
        services=services,
        on_progress=lambda *e: events.append(e),
    )

    changes = after.changes["R"]
    assert sorted(changes.deleted) == ["Drop", "Empty", "Queue", "Sub", "Topic"]
    assert sorted(changes.retained) == ["Full", "Keep"]
    tables = aws("dynamodb").list_tables()["TableNames"]
    assert "kept-table" in tables and "dropped-table" not in tables
    buckets = {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    assert "full-bucket" in buckets and "empty-bucket" not in buckets
    assert aws("sns").list_topics()["Topics"] == []
    assert not any("gone-queue" in u for u in aws("sqs").list_queues().get("QueueUrls", []))
    deleted = [e[1] for e in events if e[3] == "delete"]
    assert deleted.index("Sub") < deleted.index("Topic")  # dependants first
    assert deleted.index("Sub") < deleted.index("Queue")
    assert PhysicalIdStore(settings.snapshot_dir / "physical_ids.json").logical_ids("R") == [
        "Other"
    ]


def test_exports_and_pseudo_parameters_follow_the_stack_region(
    settings: LocalSettings, aws: AwsClients, tmp_path: Path, collector: CustomResourceResponses
) -> None:
    producer = {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}},
        "Outputs": {
            "Arn": {"Value": {"Fn::GetAtt": ["Q", "Arn"]}, "Export": {"Name": "QueueArn"}},
            "Where": {"Value": {"Fn::Sub": "${AWS::Region}/${AWS::AccountId}"}},
        },
    }
    consumer = {
        "Resources": {},
        "Outputs": {"Imported": {"Value": {"Fn::ImportValue": "QueueArn"}}},
    }
    envs = {"Eu": "aws://111111111111/eu-west-1", "Far": "aws://111111111111/ap-south-1"}
    path = write_assembly(
        tmp_path / "x",
        {"Eu": producer, "Near": dict(consumer)},
        envs={"Eu": envs["Eu"], "Near": envs["Eu"]},
        depends={"Near": ["Eu"]},
    )
    deployment = _run(settings, aws, path, FakeLambda(), collector)
    arn = deployment.stacks["Eu"].outputs["Arn"]
    assert arn.startswith("arn:aws:sqs:eu-west-1:111111111111:")
    assert deployment.stacks["Eu"].outputs["Where"] == "eu-west-1/111111111111"
    assert deployment.stacks["Near"].outputs["Imported"] == arn
    url = deployment.get("Eu", "Q").physical_id
    attrs = aws("sqs", region="eu-west-1", account="111111111111").get_queue_attributes(
        QueueUrl=url, AttributeNames=["QueueArn"]
    )
    assert attrs["Attributes"]["QueueArn"] == arn  # moto filed it under that account

    far = write_assembly(
        tmp_path / "y", {"Eu": producer, "Far": consumer}, envs=envs, depends={"Far": ["Eu"]}
    )
    with pytest.raises(IntrinsicError, match="no stack exports 'QueueArn'"):
        _run(settings, aws, far, FakeLambda(), collector)
