"""The blog's stack `Stratus-{stage}-Blog`: storage, sign-in, mail, four functions, REST API,
the CloudFront distribution in front of site and API (with Lambda@Edge, WAF and, given a
domain, ACM and Route 53), and the sample content seeded on first deploy.

The stack is pinned to us-east-1: CloudFront takes its ACM certificate, its CLOUDFRONT web
ACL and its Lambda@Edge versions from us-east-1 only. Pinning the one stack keeps them in
one template with plain references (no cross-region SSM readers or `EdgeFunction` support
stacks); a blog's readers are global anyway, and the regional parts (API, tables) gain
nothing from another region. Only the region is fixed: synth still needs no account.

The authors' function learns the distribution id from an SSM parameter at run time (see
`stratus.blog.config.ENV_DISTRIBUTION_PARAMETER` for why not an env var), may invalidate that
distribution only (a policy the function does not depend on, for the same loop), and may
flush this API's stage cache. The public function reads the site's URL (for mail links) from
another parameter the same way. The publishers write `/config.json` (the readers' sign-in
settings) into the site bucket from their environment.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, CustomResource, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stratus.blog.config import (
    ENV_API_ID,
    ENV_API_STAGE,
    ENV_COMMENTS_TABLE,
    ENV_DISTRIBUTION_PARAMETER,
    ENV_MAIL_CONFIGURATION_SET,
    ENV_MAIL_FROM,
    ENV_MAIL_TEMPLATE_PREFIX,
    ENV_POSTS_TABLE,
    ENV_PUBLIC_BASE_URL,
    ENV_SITE_BUCKET,
    ENV_SITE_URL,
    ENV_SITE_URL_PARAMETER,
    ENV_SUBSCRIBERS_TABLE,
    ENV_TOKEN_SECRET_ARN,
    ENV_USER_POOL_CLIENT_ID,
    ENV_USER_POOL_ID,
)
from stratus.blog.samples import SAMPLES
from stratus.infra.blog.constructs.api import BlogApi
from stratus.infra.blog.constructs.auth import BlogAuth
from stratus.infra.blog.constructs.edge import BlogEdge
from stratus.infra.blog.constructs.mail import WELCOME, BlogMail
from stratus.infra.blog.constructs.monitoring import BlogMonitoring
from stratus.infra.blog.constructs.storage import BlogStorage
from stratus.infra.blog.constructs.waf import BlogWaf
from stratus.infra.blog.photos import PhotoPipeline
from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.blog.uploads import grant_photo_uploads
from stratus.infra.shared.functions import python_function
from stratus.infra.shared.nag import acknowledge

PUBLIC_HANDLER = "stratus.blog.handlers.public.lambda_handler"
ADMIN_HANDLER = "stratus.blog.handlers.admin.lambda_handler"
MAIL_EVENTS_HANDLER = "stratus.blog.handlers.mail_events.lambda_handler"
SEED_HANDLER = "stratus.blog.handlers.seed.lambda_handler"
# Bump to re-run the sample-content resource (an Update re-renders every page).
SAMPLE_CONTENT_VERSION = "2"
EDGE_REGION = "us-east-1"


def distribution_parameter_name(stage: str) -> str:
    return f"/stratus/{stage}/blog/distribution-id"


def site_url_parameter_name(stage: str) -> str:
    return f"/stratus/{stage}/blog/site-url"


def blog_stack_name(stage: str) -> str:
    return f"Stratus-{stage}-Blog"


class BlogStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        cfg: BlogStageConfig,
        code_path: Path,
        photo_code_path: Path | None = None,
    ) -> None:
        name = blog_stack_name(cfg.name)
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"stratus blog MyBlog.com ({cfg.name})",
            termination_protection=cfg.is_prod,
            env=Environment(region=EDGE_REGION),
        )
        self.cfg = cfg
        storage = BlogStorage(self, "Storage", cfg=cfg)
        auth = BlogAuth(self, "Auth", cfg=cfg)
        mail = BlogMail(self, "Mail", cfg=cfg)
        code = lambda_.Code.from_asset(str(code_path))
        base_env = {
            "POWERTOOLS_SERVICE_NAME": "blog",
            "POWERTOOLS_METRICS_NAMESPACE": "Stratus",
            "LOG_LEVEL": "INFO",
        }
        posts_env = {ENV_POSTS_TABLE: storage.posts.table_name}
        parameter_name = distribution_parameter_name(cfg.name)
        site_env = {
            **posts_env,
            ENV_SITE_BUCKET: storage.site.bucket_name,
            ENV_SITE_URL: cfg.site_url,
            ENV_DISTRIBUTION_PARAMETER: parameter_name,
            # /config.json for the readers' comment sign-in, written by the publishers.
            ENV_USER_POOL_ID: auth.user_pool.user_pool_id,
            ENV_USER_POOL_CLIENT_ID: auth.client.user_pool_client_id,
        }
        site_url_parameter = site_url_parameter_name(cfg.name)
        public_fn = self._function("PublicApiFunction", PUBLIC_HANDLER, code, {
            **base_env,
            **posts_env,
            ENV_COMMENTS_TABLE: storage.comments.table_name,
            ENV_SUBSCRIBERS_TABLE: storage.subscribers.table_name,
            ENV_TOKEN_SECRET_ARN: storage.token_secret.secret_arn,
            ENV_MAIL_FROM: mail.sender,
            ENV_MAIL_TEMPLATE_PREFIX: mail.template_prefix,
            ENV_MAIL_CONFIGURATION_SET: mail.configuration_set.configuration_set_name,
            ENV_SITE_URL_PARAMETER: site_url_parameter,
        })  # fmt: skip
        if cfg.domain:
            # Mail links on the site's own domain, known at synth. Without one the links
            # name the distribution's domain, read at run time from the site-url parameter
            # (naming the distribution here would loop: distribution -> API stage -> this
            # function).
            public_fn.add_environment(ENV_PUBLIC_BASE_URL, f"https://{cfg.domain}")
        admin_fn = self._function("AdminApiFunction", ADMIN_HANDLER, code, {**base_env, **site_env})
        seed_fn = self._function(
            "SampleContentFunction", SEED_HANDLER, code, {**base_env, **site_env}, timeout=60
        )
        mail_fn = self._function("MailEventsFunction", MAIL_EVENTS_HANDLER, code, {
            **base_env, ENV_SUBSCRIBERS_TABLE: storage.subscribers.table_name,
        })  # fmt: skip

        storage.posts.grant_read_data(public_fn)
        posts_indexes = f"AwsSolutions-IAM5[Resource::<{self._logical(storage.posts)}.Arn>/index/*]"
        for fn in (public_fn, admin_fn, seed_fn):
            acknowledge(
                fn.role,  # type: ignore[arg-type]
                posts_indexes,
                "Lists query the posts table's own GSIs (ByLanguage, ByDate, ByTranslation); "
                "the wildcard covers only that table's indexes.",
            )
        storage.comments.grant_read_write_data(public_fn)
        storage.subscribers.grant_read_write_data(public_fn)
        storage.token_secret.grant_read(public_fn)
        self._grant_send_welcome(public_fn, mail)
        for fn in (admin_fn, seed_fn):
            storage.posts.grant_read_write_data(fn)
            role = fn.role
            assert role is not None
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[storage.site.arn_for_objects("*")],
            ))  # fmt: skip
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[storage.site.bucket_arn])
            )
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{self._logical(storage.site)}.Arn>/*]",
                "Publishing writes and deletes any page of the site: the whole bucket is the "
                "site, and nothing else is in it.",
            )
        storage.subscribers.grant_read_write_data(mail_fn)
        mail.events.add_subscription(subscriptions.LambdaSubscription(mail_fn))

        # Alarms (the photo pipeline's DLQ depth and errors) notify this topic; subscribe an
        # address or a chat webhook to it per stage.
        alarm_topic = sns.Topic(self, "AlarmTopic", enforce_ssl=True)
        photos: PhotoPipeline | None = None
        if photo_code_path is not None:
            photos = PhotoPipeline(
                self,
                "Photos",
                cfg=cfg,
                code=lambda_.Code.from_asset(str(photo_code_path)),
                alarm_topic=alarm_topic,
                access_logs_bucket=storage.access_logs,
            )
            grant_photo_uploads(admin_fn, photos)

        api = BlogApi(
            self,
            "Api",
            cfg=cfg,
            user_pool=auth.user_pool,
            public_fn=public_fn,
            admin_fn=admin_fn,
            uploads=photos is not None,
        )
        seed = CustomResource(
            self,
            "SampleContent",
            service_token=seed_fn.function_arn,
            resource_type="Custom::BlogSampleContent",
            properties={
                "ContentVersion": SAMPLE_CONTENT_VERSION,
                "Posts": ",".join(sample.slug for sample in SAMPLES),
                # A new pool or client rewrites /config.json.
                "SignIn": f"{auth.user_pool.user_pool_id}/{auth.client.user_pool_client_id}",
            },
        )
        seed.node.add_dependency(storage.site, storage.posts)

        waf = BlogWaf(self, "Waf", cfg=cfg)
        edge = BlogEdge(
            self,
            "Edge",
            cfg=cfg,
            site=storage.site,
            api=api.api,
            web_acl_arn=waf.arn,
            photos=photos.photo_bucket if photos is not None else None,
        )
        distribution = edge.distribution
        ssm.StringParameter(
            self,
            "DistributionIdParameter",
            parameter_name=parameter_name,
            string_value=distribution.distribution_id,
            description="The blog distribution's id, read by the publisher at run time",
        )
        site_url = f"https://{cfg.domain}/" if cfg.domain else edge.site_url
        ssm.StringParameter(
            self,
            "SiteUrlParameter",
            parameter_name=site_url_parameter,
            string_value=site_url,
            description="Where readers reach the blog, read by the API for mail links",
        )
        public_fn.add_to_role_policy(iam.PolicyStatement(
            actions=["ssm:GetParameter"],
            resources=[self.format_arn(
                service="ssm", resource="parameter",
                resource_name=site_url_parameter.lstrip("/"),
            )],
        ))  # fmt: skip
        publishers = (admin_fn, seed_fn)
        parameter_arn = self.format_arn(
            service="ssm", resource="parameter", resource_name=parameter_name.lstrip("/")
        )
        invalidate = iam.Policy(self, "InvalidateSitePolicy", statements=[
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation"],
                resources=[self.format_arn(
                    service="cloudfront", region="", resource="distribution",
                    resource_name=distribution.distribution_id,
                )],
            ),
        ])  # fmt: skip
        for fn in publishers:
            role = fn.role
            assert role is not None
            # Env and grants naming the parameter and the API (no loop), not the distribution.
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter_arn])
            )
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=["apigateway:DELETE"],
                # API Gateway ARNs have a path after the empty account: "::/restapis/..."
                # (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html).
                resources=[self.format_arn(
                    service="apigateway", account="", resource="/restapis",
                    resource_name=f"{api.api.rest_api_id}/stages/{cfg.name}/cache/data",
                )],
            ))  # fmt: skip
            fn.add_environment(ENV_API_ID, api.api.rest_api_id)
            fn.add_environment(ENV_API_STAGE, cfg.name)
            invalidate.attach_to_role(role)

        BlogMonitoring(
            self,
            "Monitoring",
            stage=cfg.name,
            topic=alarm_topic,
            api=api.api,
            distribution=distribution,
            functions=(public_fn, admin_fn, mail_fn),
        )

        outputs = {
            "AlarmTopicArn": alarm_topic.topic_arn,
            "BlogApiUrl": api.url,
            "BlogUserPoolId": auth.user_pool.user_pool_id,
            "BlogUserPoolClientId": auth.client.user_pool_client_id,
            "SiteBucketName": storage.site.bucket_name,
            "SiteUrl": site_url,
            "DistributionId": distribution.distribution_id,
            "DistributionDomainName": distribution.distribution_domain_name,
            "BlogMailEventsTopicArn": mail.events.topic_arn,
            "BlogRegion": Aws.REGION,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)

    def _grant_send_welcome(self, fn: lambda_.Function, mail: BlogMail) -> None:
        role = fn.role
        assert role is not None
        arn = self.format_arn
        templates = [f"{mail.template_prefix}-welcome-{lang}" for lang in WELCOME]
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:SendTemplatedEmail"],
            resources=[
                arn(service="ses", resource="identity", resource_name=mail.identity_name),
                arn(service="ses", resource="configuration-set",
                    resource_name=mail.configuration_set.configuration_set_name),
                *(arn(service="ses", resource="template", resource_name=t) for t in templates),
            ],
        ))  # fmt: skip

    def _logical(self, construct: Construct) -> str:
        return self.get_logical_id(construct.node.default_child)  # type: ignore[arg-type]

    def _function(
        self,
        construct_id: str,
        handler: str,
        code: lambda_.Code,
        env: dict[str, str],
        timeout: int = 15,
    ) -> lambda_.Function:
        return python_function(
            self,
            construct_id,
            cfg=self.cfg,
            handler=handler,
            code=code,
            env=env,
            timeout_seconds=timeout,
        )
