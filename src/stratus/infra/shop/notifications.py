"""`ShopNotifications-<stage>`: `PaymentResults` -> its own queue -> the notifications
function -> SES.

- The queue (template: DLQ, DLQ-depth alarm) is subscribed to the payments topic with raw
  message delivery (the body is the result itself) and a filter policy on the `eventType`
  attribute, so only the results it mails are delivered
  (https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html); CDK's subscription
  adds the queue policy that lets only that topic send. A message SNS cannot deliver goes
  to the same DLQ (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
- The function reads the queue through its `live` alias with `ReportBatchItemFailures`, is
  idempotent per (orderId, outcome) on its own table, and may send mail only as the shop's
  identity (`ses:SendEmail` on that identity's ARN).
- The sender, like the blog's: context `shopMailDomain` (a domain identity with Easy DKIM and
  a MAIL FROM subdomain) or else `shopMailFrom` (an address identity, verified by SES's
  link), default `shop@example.com`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stratus.infra.shared.service import ServiceTemplate
from stratus.infra.shared.stage import StageConfig, StageConfigError
from stratus.infra.shop.payments import ShopPaymentsStack, idempotency_table
from stratus.infra.shop.platform import ShopBuild, shop_stack_name
from stratus.shop.notifications.config import (
    ENV_CONFIGURATION_SET,
    ENV_IDEMPOTENCY_TABLE,
    ENV_MAIL_FROM,
)

HANDLER = "stratus.shop.notifications.handler.lambda_handler"
TIMEOUT_SECONDS = 10
BATCH_SIZE = 10
MAX_RECEIVE_COUNT = 3
# The results mailed to the customer: both outcomes (a filter keeps new event types out).
MAILED_EVENT_TYPES = ("PaymentSucceeded", "PaymentFailed")
MAIL_DOMAIN_CONTEXT = "shopMailDomain"
MAIL_FROM_CONTEXT = "shopMailFrom"
DEFAULT_MAIL_FROM = "shop@example.com"


def notifications_stack_name(stage: str) -> str:
    return shop_stack_name("notifications", stage)


@dataclass(frozen=True)
class MailSettings:
    domain: str | None
    sender: str

    @classmethod
    def from_context(cls, scope: Construct) -> MailSettings:
        domain = str(scope.node.try_get_context(MAIL_DOMAIN_CONTEXT) or "").strip().lower()
        domain = domain.rstrip(".") or ""
        sender = str(scope.node.try_get_context(MAIL_FROM_CONTEXT) or "").strip()
        if not sender:
            sender = f"shop@{domain}" if domain else DEFAULT_MAIL_FROM
        if "@" not in sender or (domain and not sender.endswith(f"@{domain}")):
            raise StageConfigError(
                f"context {MAIL_FROM_CONTEXT} {sender!r} must be an address at the mail domain"
            )
        return cls(domain=domain or None, sender=sender)

    @property
    def identity_name(self) -> str:
        return self.domain or self.sender


class ShopNotificationsStack(Stack):
    """The notifications service for one stage."""

    def __init__(
        self,
        scope: Construct,
        *,
        cfg: StageConfig,
        code_path: Path,
        results_topic: sns.ITopic,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        name = notifications_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus shop: notifications ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        mail = MailSettings.from_context(self)
        template = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="notifications",
            description="E-mails customers the outcome of their payments",
            alarm_topic=alarm_topic,
        )
        ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(mail.domain)
            if mail.domain
            else ses.Identity.email(mail.sender),
            dkim_signing=True,
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT)
            if mail.domain
            else None,
            mail_from_domain=f"mail.{mail.domain}" if mail.domain else None,
        )
        configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        table = idempotency_table(self, "Idempotency", cfg)
        results = template.queue(
            "Results",
            visibility_timeout=Duration.seconds(6 * TIMEOUT_SECONDS),
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        self.queue = results.queue
        self.dlq = results.dlq
        results_topic.add_subscription(
            subscriptions.SqsSubscription(
                results.queue,
                raw_message_delivery=True,
                dead_letter_queue=results.dlq,
                filter_policy={
                    "eventType": sns.SubscriptionFilter.string_filter(
                        allowlist=list(MAILED_EVENT_TYPES)
                    )
                },
            )
        )
        notify = template.function(
            "Notify",
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(code_path)),
            timeout_seconds=TIMEOUT_SECONDS,
            env={
                "POWERTOOLS_SERVICE_NAME": "shop-notifications",
                "LOG_LEVEL": "INFO",
                ENV_IDEMPOTENCY_TABLE: table.table_name,
                ENV_MAIL_FROM: mail.sender,
                ENV_CONFIGURATION_SET: configuration_set.configuration_set_name,
            },
        )
        self.function = notify.function
        notify.alias.add_event_source(
            sources.SqsEventSource(
                results.queue, batch_size=BATCH_SIZE, report_batch_item_failures=True
            )
        )
        table.grant_read_write_data(notify.function)
        # SendEmail is authorized on the identity and on the configuration set it names
        # (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html).
        notify.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[
                    self._ses_arn("identity", mail.identity_name),
                    self._ses_arn("configuration-set", configuration_set.configuration_set_name),
                ],
            )
        )
        CfnOutput(self, "NotificationsQueueUrl", value=results.queue.queue_url)
        CfnOutput(self, "NotificationsDlqUrl", value=results.dlq.queue_url)
        CfnOutput(self, "NotificationsDlqAlarmName", value=results.dlq_alarm.alarm_name)
        CfnOutput(self, "ShopMailFrom", value=mail.sender)

    def _ses_arn(self, resource: str, name: str) -> str:
        return self.format_arn(
            service="ses",
            resource=resource,
            resource_name=name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )


def build(ctx: ShopBuild) -> Stack:
    payments = ctx.stacks["payments"]
    assert isinstance(payments, ShopPaymentsStack), "payments is built before notifications"
    return ShopNotificationsStack(
        ctx.app,
        cfg=ctx.cfg,
        code_path=ctx.code_path,
        results_topic=payments.results_topic,
        alarm_topic=ctx.platform.alarm_topic,
    )
