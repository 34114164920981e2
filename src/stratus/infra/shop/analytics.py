"""`ShopAnalytics-<stage>`: the clickstream (Kinesis) -> per-product counters -> a daily
export to S3 -> a report.

- Into the stream: an EventBridge rule on the shop's bus (`OrderPlaced` from orders), partition
  key `$.detail.orderId`
  (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_KinesisParameters.html);
  payments' `PaymentResults` (an SNS subscription of a forwarder function, filter policy
  `eventType = PaymentFailed`), partition key the order id, so an order's failure lands on
  its `OrderPlaced`'s shard; and the public `POST /events/page-views` route, partition key the
  product id, throttled on its own below the stage's limits
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
- Out of it: the consumer function's event source mapping (one batch per shard at a time,
  so in order per shard; `ReportBatchItemFailures`, `BisectBatchOnFunctionError`,
  `MaximumRetryAttempts` 2, on-failure destination an SQS queue with an alarm)
  (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html).
- Counters table (all-time, products only), daily table (per product per UTC day, key
  `pk` + `productId`) and ledger table (claims, orders' products; TTL `expiresAt`); see
  `stratus.shop.analytics.counters` and `.daily`.
- A daily schedule (00:05 UTC) runs the export function, which writes the previous day's
  figures to `exports/YYYY-MM-DD.json` (or any day's, invoked with `{"day": ...}`); the
  bucket's ObjectCreated event under `exports/` runs the report function
  (`reports/YYYY-MM-DD.html`).
Outputs `ClickstreamName`, `AnalyticsExportBucketName`, `AnalyticsApiUrl`,
`ClickstreamFailuresQueueUrl`, `AnalyticsCountersTableName`, `AnalyticsDailyTableName`,
`AnalyticsExportRuleName`, `AnalyticsExportFunctionArn` (the live alias, for on-demand days).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, CfnResource, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.service import Auth, ServiceFunction, ServiceTemplate
from stratus.infra.shared.stage import StageConfig
from stratus.infra.shop.platform import ShopBuild, shop_stack_name
from stratus.shop.analytics.config import (
    ENV_CLICKSTREAM,
    ENV_COUNTERS_TABLE,
    ENV_DAILY_TABLE,
    ENV_EXPORT_BUCKET,
    ENV_LEDGER_TABLE,
)
from stratus.shop.analytics.counters import TTL_ATTRIBUTE
from stratus.shop.analytics.daily import SORT_KEY
from stratus.shop.analytics.domain import ORDER_PLACED, ORDERS_SOURCE
from stratus.shop.analytics.exports import EXPORT_PREFIX, REPORT_PREFIX

HANDLERS = "stratus.shop.analytics.handlers"
PAGE_VIEWS_PATH = "/events/page-views"
SHARDS = 2
BATCH_SIZE = 100
RETRY_ATTEMPTS = 2
# Page views are anonymous: their own limit, well below the stage's.
PAGE_VIEW_RATE = 50
PAGE_VIEW_BURST = 100
PUBLIC_REASON = (
    "Page views come from anonymous shoppers' browsers; the route is throttled on its own "
    "and only appends a validated record to the clickstream."
)
_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


def analytics_stack_name(stage: str) -> str:
    return shop_stack_name("analytics", stage)


class ShopAnalyticsStack(Stack):
    """The analytics service for one stage."""

    def __init__(
        self,
        scope: Construct,
        *,
        cfg: StageConfig,
        code: lambda_.Code,
        event_bus: events.IEventBus,
        alarm_topic: sns.ITopic | None = None,
        payment_results: sns.ITopic | None = None,
    ) -> None:
        name = analytics_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus shop: analytics ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        self.cfg = cfg
        self.service = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="analytics",
            description="Shop events and page views into per-product counters and reports",
            alarm_topic=alarm_topic,
        )
        self.stream = kinesis.Stream(
            self,
            "Clickstream",
            shard_count=SHARDS,
            encryption=kinesis.StreamEncryption.MANAGED,
            retention_period=Duration.hours(24),
        )
        self.table = self._table("Counters", ttl=None)
        self.daily = self._table("DailyCounters", ttl=None, sort_key=SORT_KEY)
        self.ledger = self._table("Ledger", ttl=TTL_ATTRIBUTE)
        self.failures = self._failures_queue()
        self.rule = events.Rule(
            self,
            "OrdersToClickstream",
            event_bus=event_bus,
            description="Placed orders into the clickstream, keyed by order id",
            event_pattern=events.EventPattern(source=[ORDERS_SOURCE], detail_type=[ORDER_PLACED]),
            targets=[
                targets.KinesisStream(
                    self.stream,
                    partition_key_path="$.detail.orderId",
                    dead_letter_queue=self.failures,
                )
            ],
        )
        stream_env = {ENV_CLICKSTREAM: self.stream.stream_name}
        self.page_views = self.service.function(
            "PageViews", handler=f"{HANDLERS}.page_views.lambda_handler", code=code, env=stream_env
        )
        self.stream.grant_write(self.page_views.function)
        self.service.route(
            PAGE_VIEWS_PATH,
            "POST",
            self.page_views,
            auth=Auth.PUBLIC,
            public_reason=PUBLIC_REASON,
        )
        self._throttle_page_views()
        self.consumer = self._consumer(code)
        if payment_results is not None:
            self._forward_payments(code, payment_results, stream_env)
        self.bucket = self._export_bucket()
        self.exporter, self.reporter = self._exports(code)
        for output_id, value, what in (
            ("ClickstreamName", self.stream.stream_name, "Kinesis stream of shop events"),
            ("AnalyticsExportBucketName", self.bucket.bucket_name, "exports/ and reports/"),
            ("AnalyticsApiUrl", self.service.api.url, "POST events/page-views"),
            ("ClickstreamFailuresQueueUrl", self.failures.queue_url, "on-failure destination"),
            ("AnalyticsCountersTableName", self.table.table_name, "all-time counters"),
            ("AnalyticsDailyTableName", self.daily.table_name, "counters per product per day"),
            ("AnalyticsExportRuleName", self.schedule.rule_name, "the daily export schedule"),
            (
                "AnalyticsExportFunctionArn",
                self.exporter.alias.function_arn,
                'invoke with {"day": "YYYY-MM-DD"} to export that day',
            ),
        ):
            CfnOutput(self, output_id, value=value, description=what)

    def _table(
        self, construct_id: str, ttl: str | None, sort_key: str | None = None
    ) -> dynamodb.Table:
        text = dynamodb.AttributeType.STRING
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name="pk", type=text),
            sort_key=dynamodb.Attribute(name=sort_key, type=text) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=ttl,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=self.cfg.removal_policy,
            deletion_protection=self.cfg.deletion_protection,
        )

    def _failures_queue(self) -> sqs.Queue:
        failures = sqs.Queue(
            self,
            "ClickstreamFailures",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=Duration.days(14),
        )
        acknowledge(
            failures,
            "AwsSolutions-SQS3",
            "The clickstream's on-failure destination (and the bus rule's DLQ): it holds "
            "records given up on, watched by an alarm; nothing consumes it.",
        )
        self.service.alarm(
            "ClickstreamFailuresDepth",
            failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "analytics gave up on clickstream records (bad or undeliverable)",
        )
        return failures

    def _throttle_page_views(self) -> None:
        """A method override of the stage's throttling for the public route (MethodSettings
        entry after the stage's own `/*/*` one)."""
        stage = self.service.api.deployment_stage.node.default_child
        assert isinstance(stage, apigw.CfnStage)
        # "/" then the path with "/" escaped as "~1" (AWS::ApiGateway::Stage MethodSetting).
        resource_path = "/" + PAGE_VIEWS_PATH.replace("/", "~1")
        stage.add_property_override(
            "MethodSettings.1",
            {
                "ResourcePath": resource_path,
                "HttpMethod": "POST",
                "ThrottlingRateLimit": PAGE_VIEW_RATE,
                "ThrottlingBurstLimit": PAGE_VIEW_BURST,
                "MetricsEnabled": True,
                "LoggingLevel": "ERROR",
                "DataTraceEnabled": False,
            },
        )

    def _consumer(self, code: lambda_.Code) -> ServiceFunction:
        consumer = self.service.function(
            "Consumer",
            handler=f"{HANDLERS}.consume.lambda_handler",
            code=code,
            env={
                ENV_COUNTERS_TABLE: self.table.table_name,
                ENV_LEDGER_TABLE: self.ledger.table_name,
                ENV_DAILY_TABLE: self.daily.table_name,
            },
            timeout_seconds=30,
        )
        for table in (self.table, self.ledger, self.daily):
            table.grant_read_write_data(consumer.function)
        consumer.alias.add_event_source(
            sources.KinesisEventSource(
                self.stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=RETRY_ATTEMPTS,
                report_batch_item_failures=True,
                parallelization_factor=1,
                on_failure=sources.SqsDlq(self.failures),
            )
        )
        return consumer

    def _forward_payments(self, code: lambda_.Code, topic: sns.ITopic, env: dict[str, str]) -> None:
        forwarder = self.service.function(
            "PaymentFailures", handler=f"{HANDLERS}.payments.lambda_handler", code=code, env=env
        )
        self.stream.grant_write(forwarder.function)
        # SNS invokes asynchronously: after Lambda's retries the event goes to the failures
        # queue (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
        forwarder.alias.configure_async_invoke(
            on_failure=destinations.SqsDestination(self.failures), retry_attempts=2
        )
        topic.add_subscription(
            subscriptions.LambdaSubscription(
                forwarder.alias,
                filter_policy={
                    "eventType": sns.SubscriptionFilter.string_filter(allowlist=["PaymentFailed"])
                },
            )
        )

    def _export_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Exports",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=self.cfg.removal_policy,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
        )
        acknowledge(
            bucket,
            "AwsSolutions-S1",
            "Written only by the service's own export and report functions (their roles are "
            "in CloudTrail); no reader outside the account, so no access-log bucket.",
        )
        return bucket

    def _allow_objects(self, target: ServiceFunction, action: str, prefix: str) -> None:
        """One S3 action on the keys under one prefix (narrower than the bucket grants, which
        add `s3:Abort*`, `s3:List*` and whole-bucket wildcards)."""
        target.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[action], resources=[self.bucket.arn_for_objects(f"{prefix}*")]
            )
        )
        acknowledge(
            target.function.role,  # type: ignore[arg-type]
            f"AwsSolutions-IAM5[Resource::<{self._logical_id(self.bucket)}.Arn>/{prefix}*]",
            f"Daily objects are named by date under {prefix}; the prefix is the narrowest "
            "resource that still covers tomorrow's key.",
        )

    def _logical_id(self, construct: Construct) -> str:
        child = construct.node.default_child
        assert isinstance(child, CfnResource)
        return str(Stack.of(self).resolve(child.logical_id))

    def _exports(self, code: lambda_.Code) -> tuple[ServiceFunction, ServiceFunction]:
        exporter = self.service.function(
            "Export",
            handler=f"{HANDLERS}.export.export_handler",
            code=code,
            env={
                ENV_DAILY_TABLE: self.daily.table_name,
                ENV_EXPORT_BUCKET: self.bucket.bucket_name,
            },
            timeout_seconds=60,
        )
        self.daily.grant_read_data(exporter.function)
        self._allow_objects(exporter, "s3:PutObject", EXPORT_PREFIX)
        # HeadObject (is this export there already?) needs s3:GetObject, and s3:ListBucket
        # to answer 404 rather than 403 for a day not exported yet
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
        self._allow_objects(exporter, "s3:GetObject", EXPORT_PREFIX)
        exporter.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        self.schedule = events.Rule(
            self,
            "DailyExport",
            description="Export the previous day's counters every day at 00:05 UTC",
            schedule=events.Schedule.cron(minute="5", hour="0"),
            targets=[targets.LambdaFunction(exporter.alias, retry_attempts=2)],
        )
        reporter = self.service.function(
            "Report", handler=f"{HANDLERS}.export.report_handler", code=code, timeout_seconds=30
        )
        self._allow_objects(reporter, "s3:GetObject", EXPORT_PREFIX)
        self._allow_objects(reporter, "s3:PutObject", REPORT_PREFIX)
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(reporter.alias),
            s3.NotificationKeyFilter(prefix=EXPORT_PREFIX, suffix=".json"),
        )
        handler = Stack.of(self).node.try_find_child(_NOTIFICATIONS_HANDLER)
        role = handler.node.try_find_child("Role") if handler is not None else None
        if role is not None:
            acknowledge(
                role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "The CDK's own S3-notification custom resource; its role is not ours to shape.",
            )
        return exporter, reporter


def build(ctx: ShopBuild) -> Stack:
    """The analytics stack from the platform (bus, alarms) and payments' `PaymentResults`."""
    from stratus.shop.system import SERVICES

    if "payments" in SERVICES and "payments" not in ctx.stacks:
        raise ValueError("the shop's SERVICES must list payments before analytics")
    return ShopAnalyticsStack(
        ctx.app,
        cfg=ctx.cfg,
        code=lambda_.Code.from_asset(str(ctx.code_path)),
        event_bus=ctx.platform.bus,
        alarm_topic=ctx.platform.alarm_topic,
        payment_results=getattr(ctx.stacks.get("payments"), "results_topic", None),
    )
