"""The blog REST API under `/api`: public reads with the stage cache, comments and
subscriptions, and the authors' routes, all through two Lambda functions.

Caching (API Gateway stage cache, https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html):
the cache cluster is on, and only the public post reads enable it per method, keyed by
the query strings that change the answer (`tag`, `lang`, `cursor`, `limit`) and the slug.
Everything else (comments, subscriptions, authors, photo uploads) is never cached.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.shared.nag import acknowledge

LIST_CACHE_TTL = Duration.seconds(60)
POST_CACHE_TTL = Duration.seconds(300)
LIST_PARAMS = ("tag", "lang", "cursor", "limit")
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token")


class BlogApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: BlogStageConfig,
        user_pool: cognito.IUserPool,
        public_fn: lambda_.IFunction,
        admin_fn: lambda_.IFunction,
        uploads: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=cfg.log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        list_method = "/api/posts/GET"
        post_method = "/api/posts/{slug}/GET"
        self.api = apigw.RestApi(
            self,
            "BlogApi",
            rest_api_name=f"stratus-{cfg.name}-blog",
            description="stratus blog API (MyBlog.com): posts, comments, subscriptions, authors",
            endpoint_configuration=apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL]),
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
                metrics_enabled=True,
                tracing_enabled=True,
                cache_cluster_enabled=True,
                cache_cluster_size="0.5",
                method_options={
                    list_method: apigw.MethodDeploymentOptions(
                        caching_enabled=True, cache_ttl=LIST_CACHE_TTL, cache_data_encrypted=True
                    ),
                    post_method: apigw.MethodDeploymentOptions(
                        caching_enabled=True, cache_ttl=POST_CACHE_TTL, cache_data_encrypted=True
                    ),
                },
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=apigw.Cors.ALL_ORIGINS,
                allow_methods=["GET", "POST", "PUT", "OPTIONS"],
                allow_headers=list(CORS_ALLOW_HEADERS),
            ),
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool],
            identity_source="method.request.header.Authorization",
        )  # fmt: skip
        secured: dict[str, Any] = {
            "authorizer": authorizer,
            "authorization_type": apigw.AuthorizationType.COGNITO,
        }
        public = apigw.LambdaIntegration(public_fn, allow_test_invoke=False)
        admin = apigw.LambdaIntegration(admin_fn, allow_test_invoke=False)
        list_integration = apigw.LambdaIntegration(
            public_fn,
            allow_test_invoke=False,
            cache_key_parameters=[f"method.request.querystring.{p}" for p in LIST_PARAMS],
        )
        post_integration = apigw.LambdaIntegration(
            public_fn, allow_test_invoke=False, cache_key_parameters=["method.request.path.slug"]
        )
        root = self.api.root.add_resource("api")
        posts = root.add_resource("posts")
        list_params = {f"method.request.querystring.{p}": False for p in LIST_PARAMS}
        _open(posts, "GET", list_integration, request_parameters=list_params)
        post = posts.add_resource("{slug}")
        slug_param = {"method.request.path.slug": True}
        _open(post, "GET", post_integration, request_parameters=slug_param)
        comments = post.add_resource("comments")
        _open(comments, "GET", public)
        comments.add_method("POST", public, **secured)
        subscriptions = root.add_resource("subscriptions")
        _open(subscriptions, "POST", public)
        for leaf in ("confirm", "unsubscribe"):
            _open(subscriptions.add_resource(leaf), "GET", public)

        admin_root = root.add_resource("admin")
        admin_root.add_resource("preview").add_method("POST", admin, **secured)
        admin_posts = admin_root.add_resource("posts")
        admin_posts.add_method("GET", admin, **secured)
        admin_posts.add_method("POST", admin, **secured)
        admin_post = admin_posts.add_resource("{slug}")
        admin_post.add_method("GET", admin, **secured)
        admin_post.add_method("PUT", admin, **secured)
        for action in ("publish", "unpublish"):
            admin_post.add_resource(action).add_method("POST", admin, **secured)
        if uploads:  # photo uploads: pre-signed POST, then the pipeline's outcome
            upload_root = root.add_resource("uploads")
            upload_root.add_method("POST", admin, **secured)
            upload_root.add_resource("{name}").add_method("GET", admin, **secured)

        for method in self.api.methods:
            if method.http_method == "OPTIONS":
                _acknowledge_open(method, "CORS preflight is sent by browsers without credentials.")
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
            "WAF belongs on the CloudFront distribution in front of /api/* (next slice of "
            "issue 9); the stage itself is throttled.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG2",
            "Bodies are validated by the functions against the same pydantic models that "
            "produce the OpenAPI document (400 naming the field), not by API Gateway models.",
        )

    @property
    def url(self) -> str:
        return self.api.url


def _acknowledge_open(method: apigw.Method, why: str) -> None:
    for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
        acknowledge(method, rule, why)


def _open(resource: apigw.IResource, verb: str, integration: apigw.Integration, **kw: Any) -> None:
    """A method anyone may call, acknowledged as public on purpose."""
    method = resource.add_method(verb, integration, **kw)
    _acknowledge_open(
        method,
        "Public by design: readers list and read posts, read comments, subscribe and follow "
        "mail links without an account.",
    )
