"""The photo pipeline construct the blog stack instantiates: `PhotoPipeline(scope, id, ...)`.

- Upload bucket: private, TLS only, CORS for the browser's pre-signed PUT/POST, aborted
  multipart uploads cleaned after a day; every ObjectCreated runs the function.
- Photo bucket: private (CloudFront reads it through Origin Access Control, added by the
  blog's distribution); variants are immutable objects.
- Function (`stratus.blog.photos.handler.handler`): 2048 MB (about 1.2 vCPU and the memory
  a 12 MP decode with `draft()` needs many times over; at 2 vCPUs Lambda gives 3,538 MB:
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), 60 s, x86_64
  (the bundles' binary wheels are built for manylinux x86_64), optional reserved
  concurrency. Async invoke: 2 retries, then the event to the on-failure destination, an
  SQS DLQ whose depth alarms to `alarm_topic`; function errors alarm too.
- Role: read and tag objects in the upload bucket, write objects in the photo bucket,
  rekognition:Detect{ModerationLabels,Labels,Faces} only with `-c photoRekognition=true`
  (Rekognition's image operations take no resource ARN, hence `*`).
- Outputs `PhotoUploadBucketName` and `PhotoBucketName` (logical ids kept as named).

Context: `photoRekognition` (default false), `photoReservedConcurrency` (default 10 in
prod, none elsewhere: a new account's 10-execution quota leaves nothing to reserve),
`photoCorsOrigins` (default the local web origin). The bundle must ship Pillow: see
`stratus.blog.system.PHOTO_BUNDLE` and `requirements/lambda-blog-photos.txt`; OpenCV is
never bundled (only the local Rekognition uses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aws_cdk import CfnOutput, CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stratus.blog.photos.config import ENV_PHOTO_BUCKET, ENV_REKOGNITION
from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.stage import LOCAL_WEB_ORIGIN, flag, url_list

HANDLER = "stratus.blog.photos.handler.handler"
MEMORY_MB = 2048
TIMEOUT_S = 60
UPLOAD_OUTPUT = "PhotoUploadBucketName"
PHOTO_OUTPUT = "PhotoBucketName"
REKOGNITION_ACTIONS = (
    "rekognition:DetectModerationLabels",
    "rekognition:DetectLabels",
    "rekognition:DetectFaces",
)
# The CDK's singleton that applies S3 notifications (one per stack, created on first use).
_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


class PhotoStage(Protocol):
    """What the construct reads from a stage config (the shared StageConfig has it all)."""

    @property
    def name(self) -> str: ...

    @property
    def removal_policy(self) -> RemovalPolicy: ...

    @property
    def log_retention(self) -> logs.RetentionDays: ...

    @property
    def is_prod(self) -> bool: ...


@dataclass(frozen=True)
class PhotoSettings:
    rekognition: bool
    reserved_concurrency: int | None
    cors_origins: tuple[str, ...]

    @classmethod
    def from_context(cls, scope: Construct, cfg: PhotoStage) -> PhotoSettings:
        def context(key: str) -> Any:
            return scope.node.try_get_context(key)

        raw_rekognition = context("photoRekognition")
        raw_concurrency = context("photoReservedConcurrency")
        concurrency: int | None = 10 if cfg.is_prod else None
        if raw_concurrency not in (None, ""):
            concurrency = int(raw_concurrency) or None
        return cls(
            rekognition=False
            if raw_rekognition in (None, "")
            else flag(raw_rekognition, "photoRekognition"),
            reserved_concurrency=concurrency,
            cors_origins=url_list(
                context("photoCorsOrigins"), "photoCorsOrigins", (LOCAL_WEB_ORIGIN,)
            ),
        )


class PhotoPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: PhotoStage,
        code: lambda_.Code,
        alarm_topic: sns.ITopic,
        settings: PhotoSettings | None = None,
        access_logs_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings or PhotoSettings.from_context(self, cfg)
        self.upload_bucket = self._bucket(
            "UploadBucket", cfg, access_logs_bucket, "photo-uploads/", upload=True
        )
        self.photo_bucket = self._bucket("PhotoBucket", cfg, access_logs_bucket, "photos/")
        self.dlq = sqs.Queue(
            self,
            "Dlq",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dlq,
            "AwsSolutions-SQS3",
            "This queue is the photo function's dead-letter queue; it has no DLQ of its own.",
        )
        self.function = self._function(cfg, code)
        self.upload_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(self.function)
        )
        self._acknowledge_notifications_handler()
        self._alarms(alarm_topic)
        for output_id, bucket in (
            (UPLOAD_OUTPUT, self.upload_bucket),
            (PHOTO_OUTPUT, self.photo_bucket),
        ):
            output = CfnOutput(self, output_id, value=bucket.bucket_name)
            output.override_logical_id(output_id)

    def _acknowledge_notifications_handler(self) -> None:
        handler = Stack.of(self).node.try_find_child(_NOTIFICATIONS_HANDLER)
        role = handler.node.try_find_child("Role") if handler is not None else None
        if role is not None:
            acknowledge(
                role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "The CDK's own S3-notification custom resource; its role is not ours to shape.",
            )

    def _logical_id(self, construct: Construct) -> str:
        child = construct.node.default_child
        assert isinstance(child, CfnResource)
        return str(Stack.of(self).resolve(child.logical_id))

    def grant_upload(self, grantee: iam.IGrantable, prefix: str = "photos/") -> None:
        """Let `grantee` (e.g. the API that pre-signs uploads) put objects under `prefix`."""
        self.upload_bucket.grant_put(grantee, f"{prefix}*")

    def _bucket(
        self,
        construct_id: str,
        cfg: PhotoStage,
        access_logs: s3.IBucket | None,
        log_prefix: str,
        *,
        upload: bool = False,
    ) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            construct_id,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cfg.removal_policy,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=log_prefix if access_logs is not None else None,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.POST],
                    allowed_origins=list(self.settings.cors_origins),
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ]
            if upload
            else None,
            lifecycle_rules=[
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1))
            ],
        )
        if access_logs is None:
            acknowledge(
                bucket,
                "AwsSolutions-S1",
                "Access logs go to the blog's log bucket when the stack passes one; the "
                "pipeline on its own (fixture apps) has none to send them to.",
            )
        return bucket

    def _function(self, cfg: PhotoStage, code: lambda_.Code) -> lambda_.Function:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="photo pipeline: read/tag uploads, write variants",
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=cfg.log_retention,
            removal_policy=cfg.removal_policy,
        )
        function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler=HANDLER,
            code=code,
            role=role,
            memory_size=MEMORY_MB,
            timeout=Duration.seconds(TIMEOUT_S),
            reserved_concurrent_executions=self.settings.reserved_concurrency,
            log_group=log_group,
            environment={
                ENV_PHOTO_BUCKET: self.photo_bucket.bucket_name,
                ENV_REKOGNITION: "true" if self.settings.rekognition else "false",
                "POWERTOOLS_SERVICE_NAME": "photos",
                "POWERTOOLS_METRICS_NAMESPACE": "Stratus",
            },
            retry_attempts=2,
            max_event_age=Duration.hours(6),
            on_failure=destinations.SqsDestination(self.dlq),
        )
        log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:GetObjectTagging", "s3:PutObjectTagging"],
                resources=[self.upload_bucket.arn_for_objects("*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.photo_bucket.arn_for_objects("*")]
            )
        )
        if self.settings.rekognition:
            role.add_to_policy(
                iam.PolicyStatement(actions=list(REKOGNITION_ACTIONS), resources=["*"])
            )
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::*]",
                "Rekognition's DetectModerationLabels/DetectLabels/DetectFaces support no "
                "resource-level permissions; the actions are the three the pipeline calls.",
            )
        for bucket in (self.upload_bucket, self.photo_bucket):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{self._logical_id(bucket)}.Arn>/*]",
                "Object-level S3 actions need the bucket's objects (arn/*): uploads and "
                "variants have keys chosen by authors.",
            )
        acknowledge(
            function,
            "AwsSolutions-L1",
            "Pinned to Python 3.11: the bundle's binary wheels (Pillow) are built for cp311, "
            "and the local cloud runs the same bundle on the same interpreter.",
        )
        return function

    def _alarms(self, topic: sns.ITopic) -> None:
        action = cw_actions.SnsAction(topic)
        depth = cloudwatch.Alarm(
            self,
            "DlqDepthAlarm",
            alarm_description="Photo uploads failed every attempt and wait in the DLQ",
            metric=self.dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        depth.add_alarm_action(action)
        errors = cloudwatch.Alarm(
            self,
            "ErrorsAlarm",
            alarm_description="The photo function raised (it is retried, then dead-lettered)",
            metric=self.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        errors.add_alarm_action(action)
        self.dlq_alarm = depth
        self.errors_alarm = errors
