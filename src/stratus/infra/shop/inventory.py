"""`ShopInventory-<stage>`: the inventory container service, its load balancer and database.

- Network: its own VPC (two AZs; public subnets for the ALB, private ones with NAT egress for
  the tasks, isolated ones for the database) with flow logs.
- Database: Aurora PostgreSQL Serverless v2, encrypted, IAM auth enabled, credentials in a
  generated Secrets Manager secret attached to the cluster (so it holds host/port/dbname).
- Service: Fargate, desired count 2, one image (`ContainerImage.from_asset` of `src/` with
  `stratus/shop/inventory/Dockerfile`) in two containers: `migrate` (non-essential one-shot,
  `python -m stratus.shop.inventory.migrate`) and `app`, which ECS starts only once `migrate`
  exited 0 (`dependsOn` SUCCESS:
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDependency.html).
  So every deployment applies the migrations before new code serves, with no Lambda holding
  a PostgreSQL driver and no RunTask custom resource; the runner's advisory lock and version
  table make the second task's run a no-op. Both get the secret's JSON through `Secrets`.
  The deployment circuit breaker rolls back a deployment whose tasks never turn healthy.
- Load balancer: internet-facing ALB, HTTPS (TLS 1.3 policy) with the service's host and
  paths forwarded by a listener rule (anything else: a JSON 404 from the ALB itself), HTTP
  redirected to HTTPS, target health checks on `/health`, a short deregistration delay
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay),
  access logs to an S3 bucket.
- Events: one queue (service template: DLQ + alarm) fed by a rule for `OrderPlaced` on the
  shop's bus and by the `PaymentResults` topic filtered to `PaymentFailed`; the tasks poll
  it (see `stratus.shop.inventory.worker` for why no Lambda).
- Security groups least privilege: ALB <- 443/80 from anywhere; tasks <- 8080 from the ALB
  only; database <- 5432 from the tasks only; the tasks' egress is 443 (AWS APIs) and 5432
  to the database.

The HTTPS listener needs a certificate: context `inventoryCertificateArn` (imported), else
`inventoryDomain` (a DNS-validated ACM certificate); the `local` stage defaults to
`inventory.shop.local.localhost`, whose certificate the local ACM issues from the local CA.
Any other stage without a domain (a cloned environment, `make deploy STAGE=feature-x` or
`stratus up --stage feature-x`) still deploys: its load balancer listens on plain HTTP at
its own DNS name only, and synth warns that a domain gives it HTTPS.
"""

from __future__ import annotations

import json
import re

from aws_cdk import Annotations, CfnOutput, Duration, IgnoreMode, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.region_info import FactName
from constructs import Construct

from stratus.infra.shared.bundling import PROJECT_ROOT
from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.service import ServiceQueue, ServiceTemplate
from stratus.infra.shared.stage import StageConfig, StageConfigError
from stratus.infra.shop.platform import ShopBuild, shop_stack_name
from stratus.shop.inventory.config import ENV_DB_SECRET, ENV_QUEUE_URL
from stratus.shop.inventory.events import ORDER_PLACED, ORDERS_SOURCE, PAYMENT_FAILED

PORT = 8080
DB_PORT = 5432
DB_NAME = "inventory"
DESIRED_COUNT = 2
MAX_RECEIVE_COUNT = 5
VISIBILITY_SECONDS = 60
IMAGE_CONTEXT = PROJECT_ROOT / "src"
DOCKERFILE = "stratus/shop/inventory/Dockerfile"
# Only what the Dockerfile copies is part of the asset (and of its hash).
IMAGE_FILES = [
    "*",
    "!stratus/__init__.py",
    "!stratus/shop/__init__.py",
    "!stratus/shop/inventory",
    "stratus/shop/inventory/**/__pycache__",
]
MIGRATE_COMMAND = ["python", "-m", "stratus.shop.inventory.migrate"]
SERVICE_PATHS = ["/stock/*", "/health"]
ACCESS_LOG_PREFIX = "inventory"
DOMAIN_CONTEXT = "inventoryDomain"
CERTIFICATE_CONTEXT = "inventoryCertificateArn"
LOCAL_DOMAIN = "inventory.shop.local.localhost"
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def inventory_stack_name(stage: str) -> str:
    return shop_stack_name("inventory", stage)


def listener_domain(scope: Construct, stage: str) -> tuple[str | None, str | None]:
    """(the service's host name, a certificate ARN to import or None) from context; no host
    name (None) on a stage other than `local` that names none: plain HTTP then."""
    domain = str(scope.node.try_get_context(DOMAIN_CONTEXT) or "").strip().lower().rstrip(".")
    cert = str(scope.node.try_get_context(CERTIFICATE_CONTEXT) or "").strip() or None
    if not domain and stage == "local":
        domain = LOCAL_DOMAIN
    if not domain:
        if cert is not None:
            raise StageConfigError(f"context {CERTIFICATE_CONTEXT} needs {DOMAIN_CONTEXT} too")
        return None, None
    if not _DOMAIN_RE.match(domain):
        raise StageConfigError(f"context {DOMAIN_CONTEXT} {domain!r} is not a domain name")
    if cert is not None and not cert.startswith("arn:"):
        raise StageConfigError(f"context {CERTIFICATE_CONTEXT} {cert!r} is not an ARN")
    return domain, cert


class ShopInventoryStack(Stack):
    """The inventory service for one stage."""

    def __init__(
        self,
        scope: Construct,
        *,
        cfg: StageConfig,
        event_bus: events.IEventBus,
        results_topic: sns.ITopic,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        name = inventory_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus shop: inventory ({cfg.name})",
            termination_protection=cfg.is_prod,
        )
        self.domain, certificate_arn = listener_domain(self, cfg.name)
        template = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="inventory",
            description="Stock per product, reserved for placed orders",
            alarm_topic=alarm_topic,
        )
        self.vpc = self._vpc(cfg)
        self.cluster_sg, self.task_sg, self.alb_sg = self._security_groups()
        self.database = self._database(cfg)
        self.queue = self._events(template, event_bus, results_topic)
        self.service = self._service(cfg, template)
        self.load_balancer = self._load_balancer(cfg, template, certificate_arn)

        CfnOutput(
            self,
            "InventoryUrl",
            value=self._url(cfg),
            description="The inventory API (GET /stock/{product_id}, GET /health)",
        )
        CfnOutput(
            self,
            "InventoryLoadBalancerDns",
            value=self.load_balancer.load_balancer_dns_name,
            description=(
                f"Point {self.domain} (CNAME/alias) at this name"
                if self.domain
                else "The load balancer's own name (plain HTTP: no inventoryDomain given)"
            ),
        )
        CfnOutput(self, "InventoryQueueUrl", value=self.queue.queue.queue_url)
        CfnOutput(self, "InventoryDlqUrl", value=self.queue.dlq.queue_url)
        CfnOutput(self, "InventoryDlqAlarmName", value=self.queue.dlq_alarm.alarm_name)
        CfnOutput(self, "InventoryDbSecretArn", value=self.secret.secret_arn)
        CfnOutput(self, "InventoryClusterName", value=self.cluster.cluster_name)
        CfnOutput(self, "InventoryServiceName", value=self.service.service_name)

    def _url(self, cfg: StageConfig) -> str:
        """`https://<domain>/`; on the `local` stage the load balancer's DNS name, whose URL
        the local cloud gives the HTTPS listener's local port (and whose certificate its
        local CA issues), so the output works as is."""
        if self.domain is None:
            return f"http://{self.load_balancer.load_balancer_dns_name}/"
        if cfg.name == "local":
            return f"https://{self.load_balancer.load_balancer_dns_name}/"
        return f"https://{self.domain}/"

    # -- network ---------------------------------------------------------------------------
    def _vpc(self, cfg: StageConfig) -> ec2.Vpc:
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=2 if cfg.is_prod else 1,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="tasks", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                logs.LogGroup(
                    self, "FlowLogs", retention=cfg.log_retention, removal_policy=cfg.removal_policy
                )
            ),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        return vpc

    def _security_groups(self) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup, ec2.SecurityGroup]:
        db = ec2.SecurityGroup(
            self,
            "DatabaseSg",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="inventory database: 5432 from the tasks only",
        )
        tasks = ec2.SecurityGroup(
            self,
            "TaskSg",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="inventory tasks: 8080 from the load balancer",
        )
        alb = ec2.SecurityGroup(
            self,
            "LoadBalancerSg",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="inventory load balancer: HTTPS and HTTP in",
        )
        db.add_ingress_rule(tasks, ec2.Port.tcp(DB_PORT), "PostgreSQL from the tasks")
        tasks.add_egress_rule(db, ec2.Port.tcp(DB_PORT), "PostgreSQL")
        tasks.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "AWS APIs (SQS, Secrets Manager, ECR, CloudWatch Logs)",
        )
        alb.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
        alb.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP (redirected)")
        acknowledge(
            alb,
            "AwsSolutions-EC23",
            "The load balancer is the service's public entry: HTTPS from anywhere, and "
            "HTTP only to be redirected to HTTPS.",
        )
        return db, tasks, alb

    # -- database --------------------------------------------------------------------------
    def _database(self, cfg: StageConfig) -> rds.DatabaseCluster:
        cluster_id = f"stratus-{cfg.name}-inventory"
        # The group RDS exports to, made here with the stage's retention (rather than CDK's
        # LogRetention custom resource, a Lambda with a managed policy).
        log_group = logs.LogGroup(
            self,
            "DatabaseLogs",
            log_group_name=f"/aws/rds/cluster/{cluster_id}/postgresql",
            retention=cfg.log_retention,
            removal_policy=cfg.removal_policy,
        )
        cluster = rds.DatabaseCluster(
            self,
            "Database",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_17_9
            ),
            writer=rds.ClusterInstance.serverless_v2("writer"),
            readers=[rds.ClusterInstance.serverless_v2("reader", scale_with_writer=True)]
            if cfg.is_prod
            else [],
            serverless_v2_min_capacity=0.5,
            serverless_v2_max_capacity=4 if cfg.is_prod else 2,
            credentials=rds.Credentials.from_generated_secret("inventory"),
            default_database_name=DB_NAME,
            port=DB_PORT,
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[self.cluster_sg],
            storage_encrypted=True,
            iam_authentication=True,
            backup=rds.BackupProps(retention=Duration.days(7 if cfg.is_prod else 1)),
            cluster_identifier=cluster_id,
            cloudwatch_logs_exports=["postgresql"],
            deletion_protection=cfg.deletion_protection,
            removal_policy=cfg.removal_policy,
        )
        cluster.node.add_dependency(log_group)
        assert cluster.secret is not None
        self.secret = cluster.secret
        acknowledge(
            cluster,
            "AwsSolutions-RDS11",
            "PostgreSQL's default port: the database is reachable only from the "
            "tasks' security group in isolated subnets, so another port hides nothing.",
        )
        acknowledge(
            cluster.node.find_child("Secret"),
            "AwsSolutions-SMG4",
            "Tasks read the secret once at start; rotation needs a rolling restart "
            "of the service wired to it, which is not built yet.",
        )
        if not cfg.deletion_protection:
            acknowledge(
                cluster,
                "AwsSolutions-RDS10",
                "Stages other than prod are disposable copies (environment cloning); "
                "prod has deletion protection.",
            )
        return cluster

    # -- events ----------------------------------------------------------------------------
    def _events(
        self, template: ServiceTemplate, bus: events.IEventBus, results: sns.ITopic
    ) -> ServiceQueue:
        made = template.queue(
            "Events",
            visibility_timeout=Duration.seconds(VISIBILITY_SECONDS),
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        events.Rule(
            self,
            "OrderPlacedRule",
            event_bus=bus,
            description="Every placed order goes to inventory's queue (stock is reserved)",
            event_pattern=events.EventPattern(source=[ORDERS_SOURCE], detail_type=[ORDER_PLACED]),
            targets=[targets.SqsQueue(made.queue, dead_letter_queue=made.dlq)],
        )
        results.add_subscription(
            subscriptions.SqsSubscription(
                made.queue,
                raw_message_delivery=True,
                dead_letter_queue=made.dlq,
                filter_policy={
                    "eventType": sns.SubscriptionFilter.string_filter(allowlist=[PAYMENT_FAILED])
                },
            )
        )
        return made

    # -- service ---------------------------------------------------------------------------
    def _service(self, cfg: StageConfig, template: ServiceTemplate) -> ecs.FargateService:
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        task = ecs.FargateTaskDefinition(self, "Task", cpu=512, memory_limit_mib=1024)
        image = ecs.ContainerImage.from_asset(
            str(IMAGE_CONTEXT),
            file=DOCKERFILE,
            exclude=IMAGE_FILES,
            ignore_mode=IgnoreMode.DOCKER,
        )
        log_group = logs.LogGroup(
            self, "Logs", retention=cfg.log_retention, removal_policy=cfg.removal_policy
        )
        secrets = {ENV_DB_SECRET: ecs.Secret.from_secrets_manager(self.secret)}
        environment = {"POWERTOOLS_SERVICE_NAME": "shop-inventory", "LOG_LEVEL": "INFO"}
        migrate = task.add_container(
            "migrate",
            image=image,
            command=MIGRATE_COMMAND,
            essential=False,
            secrets=secrets,
            environment=environment,
            logging=ecs.LogDriver.aws_logs(stream_prefix="migrate", log_group=log_group),
        )
        app = task.add_container(
            "app",
            image=image,
            essential=True,
            secrets=secrets,
            environment={**environment, ENV_QUEUE_URL: self.queue.queue.queue_url},
            port_mappings=[ecs.PortMapping(container_port=PORT)],
            logging=ecs.LogDriver.aws_logs(stream_prefix="app", log_group=log_group),
            stop_timeout=Duration.seconds(30),
        )
        app.add_container_dependencies(
            ecs.ContainerDependency(
                container=migrate, condition=ecs.ContainerDependencyCondition.SUCCESS
            )
        )
        self.queue.queue.grant_consume_messages(task.task_role)
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The environment holds only the queue URL and log settings; the database "
            "credentials come through `Secrets` from Secrets Manager.",
        )
        assert task.execution_role is not None
        acknowledge(
            task.execution_role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only ecr:GetAuthorizationToken is on `*`: it has no resource-level "
            "permission, and the execution role needs it to pull the image.",
        )
        service = ecs.FargateService(
            self,
            "Fargate",
            cluster=self.cluster,
            task_definition=task,
            desired_count=DESIRED_COUNT,
            min_healthy_percent=100,
            max_healthy_percent=200,
            security_groups=[self.task_sg],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=Duration.seconds(60),
            enable_execute_command=False,
        )
        service.node.add_dependency(self.database)
        return service

    # -- load balancer ---------------------------------------------------------------------
    def _access_logs(self, alb: elbv2.ApplicationLoadBalancer, bucket: s3.Bucket) -> None:
        """Access logs for a stack without a fixed region (CDK's `log_access_logs` needs one).

        Who writes them depends on the region: Elastic Load Balancing's account in regions
        older than August 2022 (looked up per region through a mapping of CDK's region
        facts), the `logdelivery.elasticloadbalancing.amazonaws.com` principal in newer ones
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
        """
        objects = bucket.arn_for_objects(f"{ACCESS_LOG_PREFIX}/AWSLogs/{self.account}/*")
        elb_account = self.regional_fact(FactName.ELBV2_ACCOUNT, self.account)
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[objects],
                principals=[
                    iam.AccountPrincipal(elb_account),
                    iam.ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com"),
                ],
            )
        )
        alb.set_attribute("access_logs.s3.enabled", "true")
        alb.set_attribute("access_logs.s3.bucket", bucket.bucket_name)
        alb.set_attribute("access_logs.s3.prefix", ACCESS_LOG_PREFIX)
        if bucket.policy is not None:
            alb.node.add_dependency(bucket.policy)

    def _load_balancer(
        self, cfg: StageConfig, template: ServiceTemplate, certificate_arn: str | None
    ) -> elbv2.ApplicationLoadBalancer:
        logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # ALB access logs need SSE-S3
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
            removal_policy=cfg.removal_policy,
            auto_delete_objects=not cfg.is_prod,
        )
        acknowledge(
            logs_bucket,
            "AwsSolutions-S1",
            "This bucket holds the load balancer's access logs; logging access to "
            "the logs bucket itself would need yet another bucket.",
        )
        alb = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=self.vpc,
            internet_facing=True,
            security_group=self.alb_sg,
            drop_invalid_header_fields=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )
        self._access_logs(alb, logs_bucket)
        not_found = elbv2.ListenerAction.fixed_response(
            404,
            content_type="application/json",
            message_body=json.dumps({"error": "NotFound", "message": "no such route"}),
        )
        if self.domain is None:
            Annotations.of(self).add_warning_v2(
                "stratus:inventory-http",
                f"no context {DOMAIN_CONTEXT}: the inventory's load balancer listens on plain "
                "HTTP; give the stage a domain for HTTPS",
            )
            listener = alb.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False,
                default_action=not_found,
            )  # fmt: skip
            hosts = [alb.load_balancer_dns_name]
        else:
            listener = self._https_listener(alb, certificate_arn, not_found)
            alb.add_redirect(source_port=80, target_port=443, open=False)
            hosts = [self.domain, alb.load_balancer_dns_name]
        self._forward(template, alb, listener, hosts)
        return alb

    def _https_listener(
        self,
        alb: elbv2.ApplicationLoadBalancer,
        certificate_arn: str | None,
        not_found: elbv2.ListenerAction,
    ) -> elbv2.ApplicationListener:
        assert self.domain is not None
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn
            else acm.Certificate(
                self,
                "Certificate",
                domain_name=self.domain,
                validation=acm.CertificateValidation.from_dns(),
            )
        )
        return alb.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=not_found,
        )

    def _forward(
        self,
        template: ServiceTemplate,
        alb: elbv2.ApplicationLoadBalancer,
        listener: elbv2.ApplicationListener,
        hosts: list[str],
    ) -> None:
        target_group = elbv2.ApplicationTargetGroup(
            self,
            "Targets",
            vpc=self.vpc,
            port=PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            targets=[self.service.load_balancer_target(container_name="app", container_port=PORT)],
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path="/health",
                healthy_http_codes="200",
                interval=Duration.seconds(10),
                timeout=Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        listener.add_target_groups(
            "Service",
            priority=10,
            conditions=[
                # The service's name, and the LB's own DNS name (what the local ALB serves).
                elbv2.ListenerCondition.host_headers(hosts),
                elbv2.ListenerCondition.path_patterns(SERVICE_PATHS),
            ],
            target_groups=[target_group],
        )
        template.alarm(
            "UnhealthyTargets",
            target_group.metrics.unhealthy_host_count(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "inventory: a target fails its health check",
        )
        template.alarm(
            "Target5xx",
            target_group.metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=Duration.minutes(5)
            ),
            10,
            "inventory: targets answer 5xx",
        )


def build(ctx: ShopBuild) -> Stack:
    from stratus.infra.shop.payments import ShopPaymentsStack

    payments = ctx.stacks["payments"]
    assert isinstance(payments, ShopPaymentsStack), "payments is built before inventory"
    return ShopInventoryStack(
        ctx.app,
        cfg=ctx.cfg,
        event_bus=ctx.platform.bus,
        results_topic=payments.results_topic,
        alarm_topic=ctx.platform.alarm_topic,
    )
