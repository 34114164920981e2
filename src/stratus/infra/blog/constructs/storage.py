"""Where the blog keeps state: posts, comments and subscribers tables, the site bucket (and
its access-log bucket), and the HMAC secret that signs tokens and cursors.

The posts table's keys and indexes are the ones `stratus.blog.posts` documents; the GSIs
project only the summary fields a list returns (INCLUDE), so lists never read bodies.
The site bucket is private (BlockPublicAccess, SSL only, owner-enforced), versioned and
encrypted: CloudFront reads it through Origin Access Control (the distribution is the next
slice), nobody reads it directly.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stratus.blog.comments import TTL_ATTRIBUTE
from stratus.blog.posts import (
    BY_DATE,
    BY_LANGUAGE,
    BY_TRANSLATION,
    SUMMARY_FIELDS,
    TRANSLATION_FIELDS,
)
from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.shared.nag import acknowledge

_S = dynamodb.AttributeType.STRING


def _pitr() -> dynamodb.PointInTimeRecoverySpecification:
    return dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)


class BlogStorage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: BlogStageConfig) -> None:
        super().__init__(scope, construct_id)
        common: dict[str, Any] = {
            "billing_mode": dynamodb.BillingMode.PAY_PER_REQUEST,
            "point_in_time_recovery_specification": _pitr(),
            "deletion_protection": cfg.deletion_protection,
            "removal_policy": cfg.removal_policy,
        }
        self.posts = dynamodb.Table(
            self,
            "PostsTable",
            partition_key=dynamodb.Attribute(name="pk", type=_S),
            sort_key=dynamodb.Attribute(name="sk", type=_S),
            **common,
        )
        summary = [f for f in SUMMARY_FIELDS if f not in ("translation_key",)]
        for name, pk, sk in ((BY_LANGUAGE, "gsi1pk", "gsi1sk"), (BY_DATE, "gsi2pk", "gsi2sk")):
            self.posts.add_global_secondary_index(
                index_name=name,
                partition_key=dynamodb.Attribute(name=pk, type=_S),
                sort_key=dynamodb.Attribute(name=sk, type=_S),
                projection_type=dynamodb.ProjectionType.INCLUDE,
                non_key_attributes=[*summary, "translation_key"],
            )
        self.posts.add_global_secondary_index(
            index_name=BY_TRANSLATION,
            partition_key=dynamodb.Attribute(name="translation_key", type=_S),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=list(TRANSLATION_FIELDS),
        )
        self.comments = dynamodb.Table(
            self,
            "CommentsTable",
            partition_key=dynamodb.Attribute(name="pk", type=_S),
            sort_key=dynamodb.Attribute(name="sk", type=_S),
            time_to_live_attribute=TTL_ATTRIBUTE,
            **common,
        )
        self.subscribers = dynamodb.Table(
            self,
            "SubscribersTable",
            partition_key=dynamodb.Attribute(name="email", type=_S),
            **common,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cfg.removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(expiration=Duration.days(365 if cfg.is_prod else 30))
            ],
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the server-access-log bucket itself; logging it into itself would loop.",
        )
        self.site = s3.Bucket(
            self,
            "SiteBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cfg.removal_policy,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="site/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
        )
        self.token_secret = secretsmanager.Secret(
            self,
            "TokenSecret",
            description="HMAC key of the blog's subscription links and pagination cursors",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=cfg.removal_policy,
        )
        acknowledge(
            self.token_secret,
            "AwsSolutions-SMG4",
            "HMAC key for subscription links and cursors: rotating it only invalidates links "
            "in flight, so it is rotated by redeploying, not by a rotation Lambda.",
        )
