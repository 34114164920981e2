"""A real CDK app (fixtures/cdk_apps/platform_app.py, synthesized once per module) through
the provisioner on moto: CDK's custom resources done natively, two stacks in two regions
with a cross-region reference, and the whole EU stack deleted when it leaves the app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto_harness import MotoAsgi, serve

from stratus.local.core.clients import AwsClients
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.assembly import read_assembly
from stratus.local.provision.model import Deployment
from stratus.local.provision.provisioner import PhysicalIdStore, provision

APP = Path(__file__).parent / "fixtures" / "cdk_apps" / "platform_app.py"
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("platform") / "cdk.out"
    env = {
        **os.environ,
        "CDK_VALIDATION": "false",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    subprocess.run(
        [sys.executable, str(APP), str(out)], check=True, env=env, capture_output=True, timeout=240
    )
    return out


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsClients]:
    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto)) as url:
        yield AwsClients(url, region="us-east-1", account=ACCOUNT)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> LocalSettings:
    return LocalSettings.for_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def deployment(cdk_out: Path, aws: AwsClients, settings: LocalSettings) -> Deployment:
    return provision(settings, read_assembly(cdk_out), aws=aws, state=_store(settings))


def _store(settings: LocalSettings) -> PhysicalIdStore:
    return PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")


def _one(deployment: Deployment, stack: str, type_name: str) -> Any:
    found = [r for r in deployment.stacks[stack].resources.values() if r.type == type_name]
    assert len(found) == 1, found
    return found[0]


def test_stacks_live_in_their_own_regions(deployment: Deployment, aws: AwsClients) -> None:
    us, eu = deployment.stacks["PlatformUs"], deployment.stacks["PlatformEu"]
    assert (us.region, eu.region) == ("us-east-1", "eu-west-1")
    assert eu.stack_id.startswith(f"arn:aws:cloudformation:eu-west-1:{ACCOUNT}:stack/PlatformEu/")
    queue = _one(deployment, "PlatformUs", "AWS::SQS::Queue")
    assert queue.attributes["Arn"].startswith(f"arn:aws:sqs:us-east-1:{ACCOUNT}:")
    fn = deployment.get("PlatformUs", "OnUpload071E41C7")
    assert fn.attributes["Arn"].startswith(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:")
    assert deployment.changes["PlatformUs"].created and not deployment.changes["PlatformUs"].deleted


def test_cross_region_reference_goes_through_ssm_in_the_consumer_region(
    deployment: Deployment, aws: AwsClients
) -> None:
    topic = _one(deployment, "PlatformUs", "AWS::SNS::Topic").physical_id
    assert topic.startswith("arn:aws:sns:us-east-1:")
    eu_ssm = aws("ssm", region="eu-west-1")
    assert eu_ssm.get_parameter(Name="/platform/us-topic")["Parameter"]["Value"] == topic
    export = "/cdk/exports/PlatformEu/PlatformUsuseast1RefUploadTopicAF8BFC59C5730B8E"
    assert eu_ssm.get_parameter(Name=export)["Parameter"]["Value"] == topic
    tags = eu_ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=export)["TagList"]
    assert {"Key": "aws-cdk:strong-ref:PlatformEu", "Value": "true"} in tags
    with pytest.raises(Exception, match="ParameterNotFound"):
        aws("ssm").get_parameter(Name="/platform/us-topic")  # not in us-east-1


def test_bucket_notifications_are_put_into_s3(deployment: Deployment, aws: AwsClients) -> None:
    bucket = deployment.get("PlatformUs", "Uploads4F6EB0FD").physical_id
    config = aws("s3").get_bucket_notification_configuration(Bucket=bucket)
    queue = config["QueueConfigurations"][0]
    assert (
        queue["QueueArn"] == deployment.get("PlatformUs", "UploadQueueA4421744").attributes["Arn"]
    )
    assert queue["Events"] == ["s3:ObjectCreated:*"]
    rules = queue["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("prefix", "in/")]
    assert config["TopicConfigurations"][0]["Events"] == ["s3:ObjectRemoved:*"]
    fn_arn = deployment.get("PlatformUs", "OnUpload071E41C7").attributes["Arn"]
    assert config["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] == fn_arn


def test_bucket_deployment_unzips_assets_with_markers_and_metadata(
    deployment: Deployment, aws: AwsClients
) -> None:
    site = deployment.get("PlatformUs", "SiteE53D7754").physical_id
    uploads = deployment.get("PlatformUs", "Uploads4F6EB0FD").physical_id
    s3 = aws("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=site)["Contents"])
    assert keys == ["web/config.json", "web/css/app.css", "web/index.html"]
    index = s3.get_object(Bucket=site, Key="web/index.html")
    assert index["Body"].read() == b"<h1>from the asset</h1>\n"
    assert index["ContentType"] == "text/html"
    assert index["CacheControl"] == "max-age=60"
    config = json.loads(s3.get_object(Bucket=site, Key="web/config.json")["Body"].read())
    assert config == {"bucket": uploads}
    deploy = deployment.get("PlatformUs", "DeploySiteCustomResourceE47C9748")
    assert deploy.physical_id.startswith("aws.cdk.s3deployment.")
    assert deploy.attributes["DestinationBucketArn"] in (None, f"arn:aws:s3:::{site}")


def test_aws_custom_resource_calls_ssm_and_getatt_reads_the_flattened_response(
    deployment: Deployment, aws: AwsClients
) -> None:
    assert aws("ssm").get_parameter(Name="/platform/greeting")["Parameter"]["Value"] == "hello"
    assert deployment.get("PlatformUs", "PutGreeting389934F6").physical_id == "greeting"
    get = deployment.get("PlatformUs", "GetGreeting7AAB5A65")
    assert get.physical_id == "/platform/greeting"  # physicalResourceId.responsePath
    assert get.attributes == {"Parameter.Value": "hello", "Parameter.Version": 1}
    assert deployment.stacks["PlatformUs"].outputs["Greeting"] == "hello"


def test_log_retention_is_put_on_the_functions_log_group(
    deployment: Deployment, aws: AwsClients
) -> None:
    fn = deployment.get("PlatformUs", "OnUpload071E41C7").physical_id
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn}")["logGroups"]
    assert groups[0]["retentionInDays"] == 7
    retention = deployment.get("PlatformUs", "OnUploadLogRetentionC568D789")
    assert retention.attributes == {"LogGroupName": f"/aws/lambda/{fn}"}


def test_changed_deployment_prunes_and_removed_stack_is_deleted(
    deployment: Deployment, aws: AwsClients, settings: LocalSettings, cdk_out: Path, tmp_path: Path
) -> None:
    site = deployment.get("PlatformUs", "SiteE53D7754").physical_id
    aws("s3").put_object(Bucket=site, Key="web/stale.txt", Body=b"old")
    aws("s3").put_object(Bucket=site, Key="elsewhere.txt", Body=b"kept")
    changed = tmp_path / "cdk.out"
    shutil.copytree(cdk_out, changed)
    template_path = changed / "PlatformUs.template.json"
    template = json.loads(template_path.read_text())
    props = template["Resources"]["DeploySiteCustomResourceE47C9748"]["Properties"]
    props["SystemMetadata"] = {"cache-control": "max-age=120"}
    # PlatformEu leaves the app; the writer no longer exports to it.
    del template["Resources"]["ExportsWritereuwest142AF533A3E3B99E4"]
    template_path.write_text(json.dumps(template))
    manifest = json.loads((changed / "manifest.json").read_text())
    del manifest["artifacts"]["PlatformEu"]
    (changed / "manifest.json").write_text(json.dumps(manifest))
    events: list[tuple[str, str, str, str]] = []

    second = provision(
        settings,
        read_assembly(changed),
        aws=aws,
        state=_store(settings),
        on_progress=lambda *e: events.append(e),
    )

    s3 = aws("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=site)["Contents"])
    assert keys == ["elsewhere.txt", "web/config.json", "web/css/app.css", "web/index.html"]
    assert s3.get_object(Bucket=site, Key="web/index.html")["CacheControl"] == "max-age=120"
    us = second.changes["PlatformUs"]
    assert us.updated == ["DeploySiteCustomResourceE47C9748"]
    assert us.deleted == ["ExportsWritereuwest142AF533A3E3B99E4"]
    eu = second.changes["PlatformEu"]
    assert eu.stack_deleted and "UsTopic57841D76" in eu.deleted
    assert "PlatformEu" not in second.stacks
    eu_ssm = aws("ssm", region="eu-west-1")
    names = [p["Name"] for p in eu_ssm.describe_parameters()["Parameters"]]
    assert names == []  # the consumer's parameter, and the writer's export
    # the reader (dependant) went before what it read from
    order = [e[1] for e in events if e[0] == "PlatformEu" and e[3] == "delete"]
    assert order.index("UsTopic57841D76") < order.index("ExportsReader8B249524")
    assert ("PlatformUs", "DeploySiteCustomResourceE47C9748") in {(e[0], e[1]) for e in events}
