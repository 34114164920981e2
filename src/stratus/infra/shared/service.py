"""`ServiceTemplate`: what every serverless service repeats, declared once.

A service built on it gets, with one call each:
- `function(...)`: a Python function (`functions.python_function`: own log group, own role,
  active tracing) published as a version behind a `live` alias, with a CodeDeploy
  `LambdaDeploymentGroup` that shifts the alias by the stage's configuration and rolls back
  automatically when the alias's errors alarm fires
  (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html);
- `queue(...)`: an encrypted, TLS-only SQS queue with its own dead-letter queue and an
  alarm as soon as one message sits in the DLQ;
- `route(...)`: a REST API method (the API is created on first use: regional, throttled,
  JSON access logs, X-Ray, CORS) on the function's alias, public, Cognito (ID token in
  `Authorization`) or IAM (SigV4) authorized. A service usually has one API; `api=NAME`
  (on `route`, `model`, `register_builtin`, `execute_api_arn`, `grant_invoke`) puts a route
  on a further API of its own (`rest_api(NAME)`, e.g. one per major version behind base
  path mappings of one custom domain); the unnamed API keeps its construct ids;
- an alarm topic (given, or its own) every alarm notifies, and a dashboard of its API,
  functions and queues.

The rollback alarm watches the `live` alias's `Errors` (dimensions FunctionName + Resource
'name:live', CDK's `alias.metric_errors()`): only traffic through the alias the deployment
shifts counts, not direct calls of a version, as AWS's own examples do
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html,
`AliasErrorMetricGreaterThanZeroAlarm`). The local cloud records Lambda's metrics with
the same dimensions (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html),
so a canary rolls back there as on AWS.
Generic on purpose: no system is named here; each system's stacks call it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from pydantic import BaseModel

from stratus.infra.shared.functions import python_function
from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.stage import StageConfig

LIVE_ALIAS = "live"
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Amz-Date",
    "X-Amz-Security-Token",
)
FIVE_MINUTES = Duration.minutes(5)
API_5XX_PER_5_MIN = 5

# How `live` moves to a new version, per stage (predefined CodeDeploy configurations,
# https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda).
# The local cloud shifts on the same schedule, compressed by `--deploy-time-scale`.
_RELEASES: dict[str, codedeploy.ILambdaDeploymentConfig] = {
    "prod": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
    "test": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "local": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
}


def release_config(stage: str) -> codedeploy.ILambdaDeploymentConfig:
    """The stage's deployment configuration; dev and feature stages switch all at once."""
    return _RELEASES.get(stage, codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE)


def json_schema(model: type[BaseModel], refs: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`model`'s JSON Schema as API Gateway models take it: draft 4, no `$defs`. A nested
    class named in `refs` (class name -> model URL) becomes a `$ref` to that API model; any
    other is inlined. The stage's export (and an SDK generated from it) then carries typed
    bodies that share their classes.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
    """
    refs = refs or {}
    schema = model.model_json_schema(mode="serialization")
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                return {"$ref": refs[name]} if name in refs else inline(defs[name])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"$schema": "http://json-schema.org/draft-04/schema#", **inline(schema)}


class Auth(Enum):
    """Who may call a route."""

    PUBLIC = "public"  # anyone: needs a reason (`public_reason`)
    COGNITO = "cognito"  # an ID token of the template's user pool
    IAM = "iam"  # a SigV4-signed request allowed execute-api:Invoke


@dataclass(frozen=True)
class ServiceFunction:
    function: lambda_.Function
    alias: lambda_.Alias
    deployment_group: codedeploy.LambdaDeploymentGroup
    errors_alarm: cloudwatch.Alarm


@dataclass
class _ServiceApi:
    """One REST API of the service and what is declared on it (models are per API)."""

    api: apigw.RestApi
    models: dict[str, tuple[apigw.CfnModel | None, apigw.IModel]] = field(default_factory=dict)
    model_classes: dict[str, str] = field(default_factory=dict)  # class name -> model name
    authorizer: apigw.CognitoUserPoolsAuthorizer | None = None


@dataclass(frozen=True)
class ServiceQueue:
    queue: sqs.Queue
    dlq: sqs.Queue
    dlq_alarm: cloudwatch.Alarm


class ServiceTemplate(Construct):
    """One service's API, functions, queues, alarms and dashboard (see the module doc)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: StageConfig,
        service: str,
        description: str,
        alarm_topic: sns.ITopic | None = None,
        user_pool: cognito.IUserPool | None = None,
        cors_origins: Sequence[str] = ("*",),
        deployment_config: codedeploy.ILambdaDeploymentConfig | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cfg = cfg
        self.service = service
        self.description = description
        self.user_pool = user_pool
        self.cors_origins = tuple(cors_origins) or ("*",)
        self.deployment_config = deployment_config or release_config(cfg.name)
        self.alarm_topic: sns.ITopic = alarm_topic or sns.Topic(
            self, "AlarmTopic", display_name=f"{service} alarms ({cfg.name})", enforce_ssl=True
        )
        if alarm_topic is None:
            acknowledge(
                self.alarm_topic,
                "AwsSolutions-SNS2",
                "Alarm notifications carry only alarm names and states, no customer data; "
                "SSE with a KMS key would also need CloudWatch granted on that key.",
            )
        self.alarms: list[cloudwatch.Alarm] = []
        self.functions: list[ServiceFunction] = []
        self.queues: list[ServiceQueue] = []
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"stratus-{cfg.name}-{service}"
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {service} ({cfg.name})", width=24, height=1)
        )
        self._apis: dict[str, _ServiceApi] = {}  # "" is the service's (first) API
        self._application: codedeploy.LambdaApplication | None = None
        self._preflight_done: set[str] = set()

    # -- alarms ----------------------------------------------------------------------------
    def alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: float, what: str
    ) -> cloudwatch.Alarm:
        """An alarm at `threshold` or above that notifies the alarm topic; no data is fine."""
        created = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=what,
        )
        created.add_alarm_action(actions.SnsAction(self.alarm_topic))
        self.alarms.append(created)
        return created

    # -- functions -------------------------------------------------------------------------
    @property
    def application(self) -> codedeploy.LambdaApplication:
        if self._application is None:
            self._application = codedeploy.LambdaApplication(
                self, "Application", application_name=f"stratus-{self.cfg.name}-{self.service}"
            )
        return self._application

    def function(
        self,
        construct_id: str,
        *,
        handler: str,
        code: lambda_.Code,
        env: dict[str, str] | None = None,
        timeout_seconds: int = 10,
        pre_hook: lambda_.IFunction | None = None,
        post_hook: lambda_.IFunction | None = None,
        **options: Any,
    ) -> ServiceFunction:
        """A function behind `live`, released by CodeDeploy, rolled back on its errors."""
        fn = python_function(
            self,
            construct_id,
            cfg=self.cfg,
            handler=handler,
            code=code,
            env={"SERVICE_NAME": self.service, "STAGE": self.cfg.name, **(env or {})},
            timeout_seconds=timeout_seconds,
            **options,
        )
        alias = lambda_.Alias(
            self, f"{construct_id}Live", alias_name=LIVE_ALIAS, version=fn.current_version
        )
        errors = self.alarm(
            f"{construct_id}Errors",
            alias.metric_errors(period=Duration.minutes(1), statistic="Sum"),
            1,
            f"{construct_id} ({self.service}) raised; rolls back a release in progress",
        )
        group = codedeploy.LambdaDeploymentGroup(
            self,
            f"{construct_id}Deployment",
            application=self.application,
            alias=alias,
            deployment_config=self.deployment_config,
            alarms=[errors],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
            pre_hook=pre_hook,
            post_hook=post_hook,
        )
        acknowledge(
            group,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSCodeDeployRoleForLambdaLimited]",
            "CodeDeploy's documented managed policy for Lambda deployments: it may only read "
            "and update aliases, invoke hooks named CodeDeployHook_* and read alarms.",
        )
        made = ServiceFunction(fn, alias, group, errors)
        self.functions.append(made)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"{construct_id}: invocations and errors",
                left=[fn.metric_invocations(period=FIVE_MINUTES)],
                right=[fn.metric_errors(period=FIVE_MINUTES)],
                width=12,
            )
        )
        return made

    # -- queues ----------------------------------------------------------------------------
    def queue(
        self,
        construct_id: str,
        *,
        visibility_timeout: Duration = Duration.seconds(60),
        max_receive_count: int = 3,
        **options: Any,
    ) -> ServiceQueue:
        """A queue whose messages go to its DLQ after `max_receive_count` receives
        (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html);
        one message in the DLQ raises the alarm."""
        dlq = sqs.Queue(
            self,
            f"{construct_id}Dlq",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=Duration.days(14),
        )
        acknowledge(
            dlq,
            "AwsSolutions-SQS3",
            f"This queue is {construct_id}'s dead-letter queue; it has no DLQ of its own.",
        )
        queue = sqs.Queue(
            self,
            construct_id,
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receive_count),
            **options,
        )
        depth = dlq.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(1), statistic="Maximum"
        )
        alarm = self.alarm(
            f"{construct_id}DlqDepth", depth, 1, f"{construct_id} ({self.service}) dead-lettered"
        )
        made = ServiceQueue(queue, dlq, alarm)
        self.queues.append(made)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"{construct_id}: visible messages (queue, DLQ)",
                left=[queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES)],
                right=[depth],
                width=12,
            )
        )
        return made

    # -- API -------------------------------------------------------------------------------
    @property
    def api(self) -> apigw.RestApi:
        """The service's API (created on first use)."""
        return self.rest_api()

    def rest_api(self, name: str = "", *, domain_only: bool = False) -> apigw.RestApi:
        """The service's API `name` ("" the default), created on first use; its construct
        ids and API name carry `name` (letters and digits). `domain_only`, when creating:
        the default `execute-api` endpoint is disabled, so clients reach the API only
        through a custom domain's base path mapping
        (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html).
        """
        return self._service_api(name, domain_only).api

    def _service_api(self, name: str = "", domain_only: bool = False) -> _ServiceApi:
        if name not in self._apis:
            if name and not name.isalnum():
                raise ValueError(f"API name {name!r}: letters and digits only")
            self._apis[name] = _ServiceApi(self._create_api(name, domain_only))
        return self._apis[name]

    def route(
        self,
        path: str,
        method: str,
        target: ServiceFunction | lambda_.IFunction,
        *,
        auth: Auth,
        public_reason: str = "",
        query: Mapping[str, bool] | None = None,
        responses: Mapping[int, str] | None = None,
        body: str | None = None,
        api: str = "",
        **options: Any,
    ) -> apigw.Method:
        """`method` on `path` (e.g. `/v1/items/{id}`) proxied to the target's `live` alias.

        `query`: query-string parameters (name -> required) and `responses`: status -> model
        name (see `model`), both declared on the method so the stage's export documents them;
        `body`: the JSON request body's model name (documented only: no request validator);
        `api`: which of the service's APIs (see `rest_api`).
        """
        declared = self._service_api(api)
        handler = target.alias if isinstance(target, ServiceFunction) else target
        integration = apigw.LambdaIntegration(handler, allow_test_invoke=False)
        resource = declared.api.root.resource_for_path(path)
        kw: dict[str, Any] = dict(options)
        if query:
            kw["request_parameters"] = {
                f"method.request.querystring.{name}": required for name, required in query.items()
            }
        named = [*(responses or {}).values(), *([body] if body else [])]
        used = [declared.models[name] for name in named]
        if body:
            kw["request_models"] = {"application/json": declared.models[body][1]}
        if responses:
            kw["method_responses"] = [
                apigw.MethodResponse(
                    status_code=str(status),
                    response_models={"application/json": declared.models[name][1]},
                )
                for status, name in sorted(responses.items())
            ]
        if auth is Auth.COGNITO:
            kw.update(
                authorizer=self._cognito(api), authorization_type=apigw.AuthorizationType.COGNITO
            )
        elif auth is Auth.IAM:
            kw.update(authorization_type=apigw.AuthorizationType.IAM)
        elif not public_reason:
            raise ValueError(f"public route {method} {path} needs a public_reason")
        made = resource.add_method(method.upper(), integration, **kw)
        for cfn_model, _ in used:
            if cfn_model is not None:
                made.node.add_dependency(cfn_model)
        if auth is Auth.IAM:
            acknowledge(
                made,
                "AwsSolutions-COG4",
                "IAM (SigV4) authorization: called by other services' roles, not by users "
                "holding Cognito tokens.",
            )
        elif auth is Auth.PUBLIC:
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(made, rule, public_reason)
        self._acknowledge_preflight(declared.api)
        return made

    def model(self, name: str, model: type[BaseModel], description: str = "", api: str = "") -> str:
        """Declare `model` as the API's JSON model `name` (letters and digits); returns the
        name, for `route(responses=...)`."""
        declared = self._service_api(api)
        if name in declared.models:
            return name
        # Classes declared earlier are referenced by URL, not copied
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html#api-gateway-request-validation-model-more-complex).
        rest_api_id = declared.api.rest_api_id
        base = f"https://apigateway.amazonaws.com/restapis/{rest_api_id}/models/"
        refs = {cls: base + api_name for cls, api_name in declared.model_classes.items()}
        schema = json_schema(model, refs)
        cfn = apigw.CfnModel(
            self,
            f"{api}{name}Model",
            rest_api_id=rest_api_id,
            name=name,
            content_type="application/json",
            description=description or (model.__doc__ or name).strip().splitlines()[0],
            schema=schema,
        )
        text = json.dumps(schema)
        for api_name in declared.model_classes.values():
            earlier = declared.models[api_name][0]
            if earlier is not None and f'/models/{api_name}"' in text:
                cfn.node.add_dependency(earlier)  # a referenced model must exist first
        ref = apigw.Model.from_model_name(self, f"{api}{name}Ref", name)
        declared.models[name] = (cfn, ref)
        declared.model_classes[model.__name__] = name
        return name

    def register_builtin(self, name: str, api: str = "") -> str:
        """Make API Gateway's built-in model `Empty` or `Error` usable in `responses`."""
        if name not in ("Empty", "Error"):
            raise ValueError(f"{name!r} is not a built-in API Gateway model")
        models = self._service_api(api).models
        if name not in models:
            builtin = apigw.Model.EMPTY_MODEL if name == "Empty" else apigw.Model.ERROR_MODEL
            models[name] = (None, builtin)
        return name

    def execute_api_arn(self, method: str, path: str, api: str = "") -> str:
        """The ARN an IAM policy names to allow calling `method` on `path` of this stage."""
        return self.rest_api(api).arn_for_execute_api(method.upper(), path, self.cfg.name)

    def grant_invoke(self, grantee: iam.IGrantable, method: str, path: str, api: str = "") -> None:
        """Let `grantee` call one IAM-authorized route (least privilege: one method, one path;
        a `{param}` segment becomes `*`, which cdk-nag then asks the caller to acknowledge)."""
        path = re.sub(r"\{[^}/]+\}", "*", path)
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                resources=[self.execute_api_arn(method, path, api)],
            )
        )

    def _acknowledge_preflight(self, api: apigw.RestApi) -> None:
        for method in api.methods:
            if method.http_method != "OPTIONS" or method.node.path in self._preflight_done:
                continue
            self._preflight_done.add(method.node.path)
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "CORS preflight (OPTIONS) is sent by browsers without credentials; a mock "
                    "integration that answers CORS headers and reaches no backend.",
                )

    def _cognito(self, api: str = "") -> apigw.CognitoUserPoolsAuthorizer:
        if self.user_pool is None:
            raise ValueError(f"{self.service}: a Cognito route needs the template's user_pool")
        declared = self._service_api(api)
        if declared.authorizer is None:
            declared.authorizer = apigw.CognitoUserPoolsAuthorizer(
                self,
                f"{api}Authorizer",
                cognito_user_pools=[self.user_pool],
                identity_source="method.request.header.Authorization",
            )
        return declared.authorizer

    def _create_api(self, name: str = "", domain_only: bool = False) -> apigw.RestApi:
        cfg = self.cfg
        access_logs = logs.LogGroup(
            self,
            f"{name}AccessLogs",
            retention=cfg.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        extra: dict[str, Any] = {"disable_execute_api_endpoint": True} if domain_only else {}
        api = apigw.RestApi(
            self,
            f"{name}Api",
            rest_api_name=f"stratus-{cfg.name}-{self.service}"
            + (f"-{name.lower()}" if name else ""),
            description=self.description + (f" ({name})" if name else ""),
            endpoint_configuration=apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL]),
            **extra,
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=cfg.name,
                throttling_rate_limit=cfg.throttling.rate_limit,
                throttling_burst_limit=cfg.throttling.burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(self.cors_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(CORS_ALLOW_HEADERS),
            ),
        )
        # API Gateway's own 4xx/5xx (authorizer 401, IAM 403, throttling 429) bypass the
        # functions, so they carry the CORS header here.
        origin = "'*'" if "*" in self.cors_origins else f"'{self.cors_origins[0]}'"
        for response_id, kind in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            api.add_gateway_response(
                response_id, type=kind, response_headers={"Access-Control-Allow-Origin": origin}
            )
        acknowledge(
            api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role: the AWS-maintained policy is the "
            "documented one and carries only CloudWatch Logs write rights.",
        )
        acknowledge(
            api.deployment_stage,
            "AwsSolutions-APIG3",
            "No WAF web ACL on a service API: every stage is throttled, and a web ACL can be "
            "associated per account without changing the service's stack.",
        )
        acknowledge(
            api,
            "AwsSolutions-APIG2",
            "Bodies and parameters are validated by the functions against their pydantic "
            "models (400 naming the field), not by API Gateway models.",
        )
        server_errors = api.metric_server_error(period=FIVE_MINUTES, statistic="Sum")
        what = f"{self.service} API{f' {name}' if name else ''} answered 5xx"
        self.alarm(f"{name}Api5xx", server_errors, API_5XX_PER_5_MIN, what)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=f"API{f' {name}' if name else ''} requests, 4xx and 5xx",
                left=[api.metric_count(period=FIVE_MINUTES)],
                right=[api.metric_client_error(period=FIVE_MINUTES), server_errors],
                width=12,
            )
        )
        return api
