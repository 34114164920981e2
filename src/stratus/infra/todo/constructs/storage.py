"""Where the to-do system keeps state: user-files bucket, DynamoDB tables, cursor secret.

No physical names are set: CloudFormation derives them from the stack name, so stages
never collide. No `autoDeleteObjects` (it needs a custom-resource Lambda the local cloud
cannot run): a non-empty bucket outside prod must be emptied before its stack is deleted.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.todo.stage import TodoStageConfig

# Powertools' DynamoDB idempotency layout (DynamoDBPersistenceLayer defaults).
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL = "expiration"
TODO_TTL = "expires_at"


class TodoStorage(Construct):
    """User-files bucket (+ its access-log bucket), to-do and idempotency tables, HMAC secret."""

    def __init__(self, scope: Construct, construct_id: str, *, cfg: TodoStageConfig) -> None:
        super().__init__(scope, construct_id)
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
        self.bucket = s3.Bucket(
            self,
            "UserFilesBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cfg.removal_policy,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="user-files/",
            cors=[
                s3.CorsRule(
                    allowed_methods=[
                        s3.HttpMethods.PUT,
                        s3.HttpMethods.POST,
                        s3.HttpMethods.GET,
                        s3.HttpMethods.HEAD,
                    ],
                    allowed_origins=list(cfg.cors_origins),
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
        )
        self.todo_table = dynamodb.Table(
            self,
            "TodoTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=cfg.deletion_protection,
            time_to_live_attribute=TODO_TTL,
            removal_policy=cfg.removal_policy,
        )
        self.idempotency_table = dynamodb.Table(
            self,
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(
                name=IDEMPOTENCY_KEY, type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=cfg.deletion_protection,
            time_to_live_attribute=IDEMPOTENCY_TTL,
            removal_policy=cfg.removal_policy,
        )
        self.cursor_secret = secretsmanager.Secret(
            self,
            "CursorSecret",
            description="HMAC key that signs the opaque pagination cursors of the to-do API",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=cfg.removal_policy,
        )
        acknowledge(
            self.cursor_secret,
            "AwsSolutions-SMG4",
            "HMAC key for pagination cursors only: rotating it merely invalidates cursors in "
            "flight, so it is rotated by redeploying, not by a rotation Lambda.",
        )
