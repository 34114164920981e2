"""The orders service's stack `ShopOrders-<stage>`, built on the shared `ServiceTemplate`.

What it holds (each function behind `live`, released by CodeDeploy, see the template):
- the orders table (pk = customer sub, sk = `order#<ULID>`), its stream (NEW_IMAGE) feeding
  the outbox function, which puts `OrderPlaced` on the shop's bus;
- the REST API `POST /orders`, `GET /orders`, `GET /orders/{id}` behind the shop's Cognito
  user pool, whose function may call one route of catalog's: `GET /v2/prices` (SigV4);
- orders' own queue subscribed to payments' `PaymentResults` topic (when that stack exists)
  and its consumer; the fulfilment stand-in's queue and consumer (see shop/orders/results.py).

Stream failures: the outbox retries (bisecting the batch) and, after `OUTBOX_RETRIES`, sends
the failed batch's description to an on-failure queue that raises an alarm, so no event is
silently dropped. AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
Least privilege: each function gets exactly the table actions it calls.
"""

from __future__ import annotations

from typing import Protocol

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.service import Auth, ServiceFunction, ServiceTemplate
from stratus.infra.shared.stage import StageConfig
from stratus.infra.shop.platform import ShopBuild, shop_stack_name
from stratus.shop.orders import domain
from stratus.shop.orders.config import (
    ENV_CATALOG_API_URL,
    ENV_EVENT_BUS,
    ENV_FULFILMENT_DELAY,
    ENV_FULFILMENT_QUEUE_URL,
    ENV_ORDERS_TABLE,
)

HANDLERS = "stratus.shop.orders.handlers"
OUTBOX_RETRIES = 10
FULFILMENT_DELAY_SECONDS = 5  # the stand-in warehouse "ships" a paid order after this


def orders_stack_name(stage: str) -> str:
    return shop_stack_name("orders", stage)


class Catalog(Protocol):
    """What orders needs of catalog's stack: its base URL (no version) and a grant to call
    `GET /v2/prices` with SigV4."""

    @property
    def url(self) -> str: ...

    def grant_prices(self, grantee: iam.IGrantable) -> None: ...


class OrdersStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        cfg: StageConfig,
        code: lambda_.Code,
        user_pool: cognito.IUserPool,
        event_bus: events.IEventBus,
        catalog: Catalog,
        alarm_topic: sns.ITopic | None = None,
        payment_results: sns.ITopic | None = None,
    ) -> None:
        name = orders_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus shop: orders service ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        self.cfg = cfg
        self.service = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="orders",
            description="shop orders API",
            alarm_topic=alarm_topic,
            user_pool=user_pool,
        )
        self.table = self._table()
        table_env = {ENV_ORDERS_TABLE: self.table.table_name}

        self.api_fn = self.service.function(
            "ApiFunction",
            handler=f"{HANDLERS}.api.lambda_handler",
            code=code,
            env={**table_env, ENV_CATALOG_API_URL: catalog.url},
        )
        self._grant_table(self.api_fn, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query")
        catalog.grant_prices(self.api_fn.function)
        self._routes()

        self.outbox_fn = self._outbox(code, event_bus)

        fulfilment = self.service.queue("FulfilmentQueue", visibility_timeout=Duration.seconds(60))
        self.fulfilment_fn = self.service.function(
            "FulfilmentFunction",
            handler=f"{HANDLERS}.fulfilment.lambda_handler",
            code=code,
            env=table_env,
        )
        self._grant_table(self.fulfilment_fn, "dynamodb:GetItem", "dynamodb:UpdateItem")
        self._consume(self.fulfilment_fn, fulfilment.queue)

        self.results_queue = self.service.queue(
            "PaymentResultsQueue", visibility_timeout=Duration.seconds(60)
        )
        self.payments_fn = self.service.function(
            "PaymentResultsFunction",
            handler=f"{HANDLERS}.payments.lambda_handler",
            code=code,
            env={
                **table_env,
                ENV_FULFILMENT_QUEUE_URL: fulfilment.queue.queue_url,
                ENV_FULFILMENT_DELAY: str(FULFILMENT_DELAY_SECONDS),
            },
        )
        self._grant_table(self.payments_fn, "dynamodb:GetItem", "dynamodb:UpdateItem")
        fulfilment.queue.grant_send_messages(self.payments_fn.function)
        self._consume(self.payments_fn, self.results_queue.queue)
        if payment_results is not None:
            self.subscribe(payment_results)

        CfnOutput(self, "OrdersApiUrl", value=self.service.api.url)
        CfnOutput(self, "OrdersTableName", value=self.table.table_name)
        CfnOutput(
            self,
            "OrdersPaymentResultsQueueUrl",
            value=self.results_queue.queue.queue_url,
            description="orders' queue on PaymentResults (to inspect or replay)",
        )

    def subscribe(self, payment_results: sns.ITopic) -> None:
        """Orders' queue on payments' topic (envelope kept: results.py reads both shapes)."""
        payment_results.add_subscription(subscriptions.SqsSubscription(self.results_queue.queue))

    # -- parts ------------------------------------------------------------------------------
    def _routes(self) -> None:
        """The API with its models declared, so the stage's export (and the SDK generated
        from it, sdk/stratus_orders_client) documents bodies and responses."""
        for name, model in (
            ("PlaceOrder", domain.PlaceOrder),
            ("Order", domain.Order),
            ("OrderPage", domain.OrderPage),
            ("OrdersError", domain.ErrorBody),
        ):
            self.service.model(name, model)
        errors = {400: "OrdersError", 404: "OrdersError"}
        self.service.route(
            "/orders",
            "POST",
            self.api_fn,
            auth=Auth.COGNITO,
            operation_name="place_order",
            body="PlaceOrder",
            responses={201: "Order", 400: "OrdersError"},
        )
        self.service.route(
            "/orders",
            "GET",
            self.api_fn,
            auth=Auth.COGNITO,
            operation_name="list_orders",
            responses={200: "OrderPage"},
        )
        self.service.route(
            "/orders/{id}",
            "GET",
            self.api_fn,
            auth=Auth.COGNITO,
            operation_name="get_order",
            responses={200: "Order", **errors},
        )

    def _table(self) -> dynamodb.Table:
        cfg = self.cfg
        return dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            stream=dynamodb.StreamViewType.NEW_IMAGE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=cfg.removal_policy,
            deletion_protection=cfg.deletion_protection,
        )

    def _grant_table(self, target: ServiceFunction, *actions: str) -> None:
        self.table.grant(target.function, *actions)

    def _consume(self, target: ServiceFunction, queue: sqs.IQueue) -> None:
        """SQS -> the function's `live` alias, reporting failed messages one by one."""
        target.alias.add_event_source(
            sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True)
        )

    def _outbox(self, code: lambda_.Code, event_bus: events.IEventBus) -> ServiceFunction:
        outbox = self.service.function(
            "OutboxFunction",
            handler=f"{HANDLERS}.outbox.lambda_handler",
            code=code,
            env={ENV_EVENT_BUS: event_bus.event_bus_name},
        )
        event_bus.grant_put_events_to(outbox.function)
        failures = sqs.Queue(
            self,
            "OutboxFailures",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=Duration.days(14),
        )
        acknowledge(
            failures,
            "AwsSolutions-SQS3",
            "The outbox stream's on-failure destination: it only holds descriptions of "
            "batches that failed every retry, watched by an alarm; nothing consumes it.",
        )
        self.service.alarm(
            "OutboxFailuresDepth",
            failures.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "orders outbox gave up on a stream batch: OrderPlaced events need a replay",
        )
        outbox.alias.add_event_source(
            sources.DynamoEventSource(
                self.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=10,
                bisect_batch_on_error=True,
                retry_attempts=OUTBOX_RETRIES,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(failures),
            )
        )
        return outbox


def build(ctx: ShopBuild) -> Stack:
    """The orders stack from the platform, catalog's stack and (once built before orders)
    payments' stack, whose `results_topic` is PaymentResults."""
    from stratus.shop.system import SERVICES

    if "payments" in SERVICES and "payments" not in ctx.stacks:
        # Built after orders, payments' topic would silently get no orders subscription.
        raise ValueError("the shop's SERVICES must list payments before orders")
    catalog: Catalog = ctx.stacks["catalog"]  # type: ignore[assignment]
    payment_results = getattr(ctx.stacks.get("payments"), "results_topic", None)
    return OrdersStack(
        ctx.app,
        cfg=ctx.cfg,
        code=lambda_.Code.from_asset(str(ctx.code_path)),
        user_pool=ctx.platform.user_pool,
        event_bus=ctx.platform.bus,
        catalog=catalog,
        alarm_topic=ctx.platform.alarm_topic,
        payment_results=payment_results,
    )
