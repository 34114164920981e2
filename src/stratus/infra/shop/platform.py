"""`ShopPlatform-<stage>`: what the shop's services share.

- the customers' Cognito user pool (e-mail sign-in, self sign-up, verified e-mail) and a
  public app client allowing SRP and USER_PASSWORD_AUTH, whose ID token carries `email`;
- the EventBridge bus `stratus-shop-<stage>` the services publish domain events to;
- the alarm topic every service's alarms notify.

Service stacks receive these as constructor props (cross-stack references in one app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.users import self_sign_up_pool
from stratus.infra.shop.stage import ShopStageConfig


def shop_stack_name(service: str, stage: str) -> str:
    """`Shop<Service>-<stage>`, e.g. `ShopCatalog-dev`."""
    return f"Shop{service[:1].upper()}{service[1:]}-{stage}"


def bus_name(stage: str) -> str:
    return f"stratus-shop-{stage}"


class ShopPlatformStack(Stack):
    def __init__(self, scope: Construct, *, cfg: ShopStageConfig) -> None:
        super().__init__(
            scope,
            shop_stack_name("platform", cfg.name),
            description=f"stratus shop ({cfg.name}): customers' user pool, event bus, alarms",
        )
        self.user_pool = self_sign_up_pool(
            self,
            "Customers",
            name=f"stratus-{cfg.name}-shop-customers",
            deletion_protection=cfg.deletion_protection,
            removal_policy=cfg.removal_policy,
            why_mfa_optional="Customers sign up themselves to shop; MFA is offered (TOTP) but "
            "not forced on them at checkout.",
            why_no_threat_protection="Threat protection needs the paid Plus feature plan; the "
            "shop's pool stays on Essentials like the other systems' pools.",
        )
        # The ID token carries every readable standard attribute, `email` among them (no
        # read_attributes restriction), which orders and notifications rely on.
        self.client = self.user_pool.add_client(
            "ShopClient",
            user_pool_client_name="ShopWebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name(cfg.name))
        self.alarm_topic = sns.Topic(
            self, "AlarmTopic", display_name=f"shop alarms ({cfg.name})", enforce_ssl=True
        )
        acknowledge(
            self.alarm_topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry only alarm names and states, no customer data; SSE "
            "with a KMS key would also need CloudWatch granted on that key.",
        )
        CfnOutput(self, "ShopUserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "ShopUserPoolClientId", value=self.client.user_pool_client_id)
        CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)
        CfnOutput(self, "EventBusArn", value=self.bus.event_bus_arn)
        CfnOutput(self, "ShopAlarmTopicArn", value=self.alarm_topic.topic_arn)
        CfnOutput(self, "ShopRegion", value=self.region)


@dataclass
class ShopBuild:
    """What a service's `build(ctx)` receives: the app, the stage, the shop bundle, the
    platform stack and the service stacks built before it (by service name)."""

    app: App
    cfg: ShopStageConfig
    code_path: Path
    platform: ShopPlatformStack
    stacks: dict[str, Stack] = field(default_factory=dict)
