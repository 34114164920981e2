"""`ShopPayments-<stage>`: `OrderPlaced` events -> a queue -> the payments function -> the
`PaymentResults` topic.

- An EventBridge rule on the shop's bus (source `stratus.shop.orders`, detail-type
  `OrderPlaced`) targets the service's queue; CDK's target adds the queue policy that lets
  only this rule send (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions).
  An event EventBridge cannot deliver after its retries goes to the same DLQ (and alarm)
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
- The queue (template: DLQ after 3 receives, DLQ-depth alarm) feeds the `live` alias in
  batches with `ReportBatchItemFailures`. Its visibility timeout is six times the function's
  timeout, as Lambda's SQS guide advises
  (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig).
- An idempotency table (Powertools' layout, TTL on `expiration`).
- `PaymentResults`: encrypted with the AWS managed SNS key, TLS only; its ARN is an output
  and a property other stacks take to subscribe.
- The payment provider is a stub on every stage (see `stratus.shop.payments.domain`); the
  suffix it declines comes from context `shopPaymentDeclineSuffix` (default `.13`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from constructs import Construct

from stratus.infra.shared.service import ServiceTemplate
from stratus.infra.shared.stage import StageConfig
from stratus.infra.shop.platform import ShopBuild, shop_stack_name
from stratus.shop.payments.config import (
    DEFAULT_DECLINE_SUFFIX,
    ENV_IDEMPOTENCY_TABLE,
    ENV_RESULTS_TOPIC_ARN,
    ENV_STUB_DECLINE_SUFFIX,
)
from stratus.shop.payments.events import DETAIL_TYPE, SOURCE

HANDLER = "stratus.shop.payments.handler.lambda_handler"
TIMEOUT_SECONDS = 5
BATCH_SIZE = 10
MAX_RECEIVE_COUNT = 3
DECLINE_SUFFIX_CONTEXT = "shopPaymentDeclineSuffix"
# Powertools' DynamoDB idempotency layout (DynamoDBPersistenceLayer defaults).
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL = "expiration"


def payments_stack_name(stage: str) -> str:
    return shop_stack_name("payments", stage)


def idempotency_table(scope: Construct, construct_id: str, cfg: StageConfig) -> dynamodb.Table:
    """A table in Powertools' idempotency layout (shared by payments and notifications)."""
    return dynamodb.Table(
        scope,
        construct_id,
        partition_key=dynamodb.Attribute(name=IDEMPOTENCY_KEY, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=IDEMPOTENCY_TTL,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=cfg.deletion_protection,
        removal_policy=cfg.removal_policy,
    )


class ShopPaymentsStack(Stack):
    """The payments service for one stage."""

    def __init__(
        self,
        scope: Construct,
        *,
        cfg: StageConfig,
        code_path: Path,
        event_bus: events.IEventBus,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        name = payments_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus shop: payments ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        template = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="payments",
            description="Charges placed orders and publishes the outcome",
            alarm_topic=alarm_topic,
        )
        self.results_topic = sns.Topic(
            self,
            "PaymentResults",
            display_name=f"Payment results ({cfg.name})",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsManagedKey", "alias/aws/sns"),
        )
        table = idempotency_table(self, "Idempotency", cfg)
        orders = template.queue(
            "OrderPlaced",
            visibility_timeout=Duration.seconds(6 * TIMEOUT_SECONDS),
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        self.queue = orders.queue
        self.dlq = orders.dlq
        self.rule = events.Rule(
            self,
            "OrderPlacedRule",
            event_bus=event_bus,
            description="Every placed order goes to payments' queue",
            event_pattern=events.EventPattern(source=[SOURCE], detail_type=[DETAIL_TYPE]),
            targets=[targets.SqsQueue(orders.queue, dead_letter_queue=orders.dlq)],
        )
        decline = self.node.try_get_context(DECLINE_SUFFIX_CONTEXT)
        settle = template.function(
            "Settle",
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(code_path)),
            timeout_seconds=TIMEOUT_SECONDS,
            env={
                "POWERTOOLS_SERVICE_NAME": "shop-payments",
                "LOG_LEVEL": "INFO",
                ENV_RESULTS_TOPIC_ARN: self.results_topic.topic_arn,
                ENV_IDEMPOTENCY_TABLE: table.table_name,
                ENV_STUB_DECLINE_SUFFIX: DEFAULT_DECLINE_SUFFIX
                if decline is None
                else str(decline),
            },
        )
        self.function = settle.function
        settle.alias.add_event_source(
            sources.SqsEventSource(
                orders.queue, batch_size=BATCH_SIZE, report_batch_item_failures=True
            )
        )
        table.grant_read_write_data(settle.function)
        self.results_topic.grant_publish(settle.function)
        CfnOutput(
            self,
            "PaymentResultsTopicArn",
            value=self.results_topic.topic_arn,
            description="SNS topic of payment outcomes (attributes outcome, eventType)",
        )
        CfnOutput(self, "PaymentsQueueUrl", value=orders.queue.queue_url)
        CfnOutput(self, "PaymentsDlqUrl", value=orders.dlq.queue_url)
        CfnOutput(self, "PaymentsDlqAlarmName", value=orders.dlq_alarm.alarm_name)


def build(ctx: ShopBuild) -> Stack:
    return ShopPaymentsStack(
        ctx.app,
        cfg=ctx.cfg,
        code_path=ctx.code_path,
        event_bus=ctx.platform.bus,
        alarm_topic=ctx.platform.alarm_topic,
    )
