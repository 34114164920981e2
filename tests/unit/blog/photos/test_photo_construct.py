"""The PhotoPipeline construct: buckets, function sizing, async failure path, alarms,
least-privilege role (Rekognition only when enabled), outputs, and cdk-nag clean."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from stratus.infra.blog.photos import (
    PHOTO_OUTPUT,
    REKOGNITION_ACTIONS,
    UPLOAD_OUTPUT,
    PhotoPipeline,
)
from stratus.infra.shared.nag import enable_nag
from stratus.infra.shared.stage import stage_config


def _synth(context: dict[str, Any]) -> Template:
    app = cdk.App(context=context)
    enable_nag(app)
    stack = cdk.Stack(
        app, "PhotoTest", env=cdk.Environment(account="111111111111", region="eu-west-1")
    )
    PhotoPipeline(
        stack,
        "Photos",
        cfg=stage_config({"stage": str(context.get("stage", "dev"))}),
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        alarm_topic=sns.Topic(stack, "Alarms", enforce_ssl=True),
    )
    app.synth()  # raises when cdk-nag has an unacknowledged finding
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def plain() -> Template:
    return _synth({"stage": "dev"})


@pytest.fixture(scope="module")
def prod_with_rekognition() -> Template:
    return _synth({"stage": "prod", "photoRekognition": "true"})


def _statements(template: Template) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _actions(template: Template) -> set[str]:
    out: set[str] = set()
    for statement in _statements(template):
        actions = statement["Action"]
        out.update([actions] if isinstance(actions, str) else actions)
    return out


def test_buckets_are_private_with_upload_cors_and_multipart_cleanup(plain: Template) -> None:
    plain.resource_count_is("AWS::S3::Bucket", 2)
    plain.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
                        )
                    ]
                )
            },
        },
    )
    plain.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "CorsConfiguration": {
                "CorsRules": [Match.object_like({"AllowedMethods": ["PUT", "POST"]})]
            }
        },
    )


def test_function_is_sized_for_12_mp_and_dead_letters_failures(plain: Template) -> None:
    plain.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "stratus.blog.photos.handler.handler",
            "MemorySize": 2048,
            "Timeout": 60,
            "Architectures": ["x86_64"],
            "Runtime": "python3.11",
        },
    )
    plain.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        },
    )
    plain.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1},
    )
    plain.resource_count_is("Custom::S3BucketNotifications", 1)
    outputs = plain.to_json()["Outputs"]
    assert UPLOAD_OUTPUT in outputs and PHOTO_OUTPUT in outputs


def test_role_is_least_privilege_and_rekognition_only_when_enabled(
    plain: Template, prod_with_rekognition: Template
) -> None:
    actions = _actions(plain)
    assert {"s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:PutObject"} <= actions
    assert not any(a.startswith("rekognition:") for a in actions)
    assert "s3:*" not in actions and "s3:DeleteObject*" not in actions
    enabled = _actions(prod_with_rekognition)
    assert set(REKOGNITION_ACTIONS) <= enabled
    assert not any(a == "rekognition:*" for a in enabled)


def test_reserved_concurrency_in_prod_only_by_default(
    plain: Template, prod_with_rekognition: Template
) -> None:
    plain.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "stratus.blog.photos.handler.handler",
            "ReservedConcurrentExecutions": Match.absent(),
        },
    )
    prod_with_rekognition.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "stratus.blog.photos.handler.handler", "ReservedConcurrentExecutions": 10},
    )
