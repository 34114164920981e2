"""Production wiring: `Dependencies` from `BlogConfig`, every AWS client built lazily, once.

The public function never builds S3 or CloudFront clients and the authors' function never
builds an SES one; Secrets Manager is read only when a token or cursor is first signed or
checked. Settings are read when first needed, so each function's environment holds only
what it uses.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3

from stratus.blog.api import Dependencies
from stratus.blog.comments import CommentStore
from stratus.blog.config import (
    ENV_MAIL_CONFIGURATION_SET,
    ENV_MAIL_FROM,
    ENV_MAIL_TEMPLATE_PREFIX,
    BlogConfig,
)
from stratus.blog.domain import utc_now
from stratus.blog.posts import PostStore
from stratus.blog.publisher import Publisher
from stratus.blog.subscribers import MailSettings, SubscriberStore, Subscriptions
from stratus.blog.tokens import Cursors, Signer, secret_key_from_secrets_manager
from stratus.blog.uploads import PhotoUploads
from stratus.runtime import clients

# The edge's copies of the API's post reads (lists keyed by tag/lang/cursor, one post each):
# stale once a publish changed pages, so they go in the same invalidation.
API_INVALIDATION_PATHS = ("/api/posts*",)


class ParameterReader:
    """SSM String parameters read at run time, each kept once found (a value written after
    this function was deployed, so never in its environment); retried while missing."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._found: dict[str, str] = {}

    def read(self, name: str | None) -> str | None:
        if not name:
            return None
        if name not in self._found:
            ssm = boto3.client("ssm", region_name=self._region)
            try:
                self._found[name] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
            except ssm.exceptions.ParameterNotFound:
                return None
        return self._found[name]


def production_dependencies(config: BlogConfig, logger: Any = None) -> Dependencies:
    @functools.cache
    def dynamodb() -> Any:
        return clients.plain_dynamodb_client(config)

    @functools.cache
    def posts() -> PostStore:
        return PostStore(dynamodb(), config.posts_table, clock=utc_now)

    @functools.cache
    def comments() -> CommentStore:
        return CommentStore(dynamodb(), config.comments_table, clock=utc_now)

    def token_key() -> bytes:
        client = clients.secrets_client(config)
        return secret_key_from_secrets_manager(client, config.token_secret_arn)()

    signer = Signer(token_key, clock=utc_now)

    @functools.cache
    def subscriptions() -> Subscriptions:
        mail = MailSettings(
            sender=config.require(ENV_MAIL_FROM),
            template_prefix=config.require(ENV_MAIL_TEMPLATE_PREFIX),
            configuration_set=config.optional(ENV_MAIL_CONFIGURATION_SET),
        )
        store = SubscriberStore(dynamodb(), config.subscribers_table, clock=utc_now)
        ses = boto3.client("ses", region_name=config.region)
        return Subscriptions(store, ses, signer, mail)

    @functools.cache
    def cloudfront() -> Any:
        return boto3.client("cloudfront", region_name=config.region)

    parameter = ParameterReader(config.region)

    def distribution_id() -> str | None:
        """The env var, else the SSM parameter (kept once found; retried while missing)."""
        return config.distribution_id or parameter.read(config.distribution_parameter)

    def public_base_url() -> str | None:
        """Where readers reach the site (mail links): the env var (a custom domain), else the
        SSM parameter written once the distribution exists; None: derive it per request."""
        return config.public_base_url or parameter.read(config.site_url_parameter)

    def site_config() -> dict[str, str] | None:
        """The readers' sign-in settings for /config.json. `cognitoEndpoint` is where this
        function's own SDK sends Cognito calls: Cognito's regional endpoint on AWS, the
        local cloud's endpoint under `AWS_ENDPOINT_URL` (no endpoint logic here)."""
        ids = config.sign_in
        if ids is None:
            return None
        endpoint = boto3.client("cognito-idp", region_name=config.region).meta.endpoint_url
        return {
            "region": config.region,
            "userPoolId": ids[0],
            "clientId": ids[1],
            "cognitoEndpoint": str(endpoint).rstrip("/") + "/",
        }

    def flush_api_cache() -> None:
        target = config.api_stage
        if target is not None:
            api = boto3.client("apigateway", region_name=config.region)
            api.flush_stage_cache(restApiId=target[0], stageName=target[1])

    @functools.cache
    def publisher() -> Publisher:
        return Publisher(
            posts(),
            clients.s3_client(config),
            config.site_bucket,
            site_url=config.site_url,
            cloudfront=cloudfront,
            distribution_id=distribution_id,
            api_paths=API_INVALIDATION_PATHS,
            flush_api_cache=flush_api_cache if config.api_stage else None,
            site_config=site_config,
            clock=utc_now,
            logger=logger,
        )

    @functools.cache
    def uploads() -> PhotoUploads:
        return PhotoUploads(
            clients.s3_client(config),
            upload_bucket=config.upload_bucket,
            photo_bucket=config.photo_bucket,
            max_bytes=config.photo_max_bytes,
        )

    return Dependencies(
        posts=posts,
        comments=comments,
        subscriptions=subscriptions,
        publisher=publisher,
        cursors=Cursors(signer),
        uploads=uploads if config.uploads_enabled else None,
        public_base_url=public_base_url,
        logger=logger,
    )
