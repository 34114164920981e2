"""The to-do REST API: routes, Cognito authorizer on every route, CORS, throttling, logs.

Every non-OPTIONS method carries the Cognito user-pools authorizer (ID token in the
`Authorization` header); only the CORS preflight methods are open, as browsers send them
without credentials.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.todo.stage import TodoStageConfig

CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Amz-Date",
    "X-Amz-Security-Token",
)
CORS_EXPOSE_HEADERS = ("ETag", "Location")
_JSON_OBJECT = apigw.JsonSchema(
    schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT
)


class TodoApi(Construct):
    """REST API `TodoApi` with the to-do and file routes."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: TodoStageConfig,
        user_pool: cognito.IUserPool,
        todos_fn: lambda_.IFunction,
        files_fn: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=cfg.log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.api = apigw.RestApi(
            self,
            "TodoApi",
            rest_api_name=f"stratus-{cfg.name}-todo",
            description="stratus to-do API for the mobile app",
            endpoint_configuration=apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL]),
            # Execution logs need the account-level CloudWatch role (one per account/region).
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
                allow_origins=list(cfg.cors_origins),
                allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
                allow_headers=list(CORS_ALLOW_HEADERS),
                expose_headers=list(CORS_EXPOSE_HEADERS),
            ),
        )
        self._add_cors_gateway_responses()
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Authorizer",
            cognito_user_pools=[user_pool],
            identity_source="method.request.header.Authorization",
        )
        body_validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        json_object = self.api.add_model(
            "JsonObject", content_type="application/json", schema=_JSON_OBJECT
        )
        secured: dict[str, Any] = {
            "authorizer": authorizer,
            "authorization_type": apigw.AuthorizationType.COGNITO,
        }
        with_body: dict[str, Any] = {
            **secured,
            "request_validator": body_validator,
            "request_models": {"application/json": json_object},
        }
        todos = apigw.LambdaIntegration(todos_fn, allow_test_invoke=False)
        files = apigw.LambdaIntegration(files_fn, allow_test_invoke=False)

        todos_res = self.api.root.add_resource("todos")
        todos_res.add_method("GET", todos, **secured)
        todos_res.add_method("POST", todos, **with_body)
        todo_res = todos_res.add_resource("{id}")
        todo_res.add_method("GET", todos, **secured)
        todo_res.add_method("PATCH", todos, **with_body)
        todo_res.add_method("DELETE", todos, **secured)

        files_res = self.api.root.add_resource("files")
        files_res.add_method("GET", files, **secured)
        files_res.add_method("DELETE", files, **secured)
        files_res.add_resource("upload-url").add_method("POST", files, **with_body)
        files_res.add_resource("download-url").add_method("GET", files, **secured)

        self._acknowledge_preflight()
        acknowledge(
            self.api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role: the AWS-maintained policy is the "
            "documented one and carries only CloudWatch Logs write rights.",
        )
        acknowledge(
            self.api.deployment_stage,
            "AwsSolutions-APIG3",
            "No WAF web ACL: the API is authenticated on every route and throttled per "
            "stage; a WAF can be associated per account without changing this stack.",
        )

    @property
    def url(self) -> str:
        return self.api.url

    def _add_cors_gateway_responses(self) -> None:
        # API Gateway's own 4xx/5xx (authorizer 401, throttling 429...) bypass the Lambda,
        # so they carry CORS headers here or the browser hides the status from the app.
        headers = {
            "Access-Control-Allow-Origin": "'*'",
            "Access-Control-Allow-Headers": "'" + ",".join(CORS_ALLOW_HEADERS) + "'",
        }
        for name, kind in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.api.add_gateway_response(name, type=kind, response_headers=headers)

    def _acknowledge_preflight(self) -> None:
        for method in self.api.methods:
            if method.http_method != "OPTIONS":
                continue
            reason = (
                "CORS preflight (OPTIONS) is sent by browsers without credentials; it is a "
                "mock integration that returns CORS headers and reaches no backend."
            )
            acknowledge(method, "AwsSolutions-APIG4", reason)
            acknowledge(method, "AwsSolutions-COG4", reason)
