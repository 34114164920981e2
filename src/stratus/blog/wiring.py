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
from stratus.runtime import clients


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

    @functools.cache
    def publisher() -> Publisher:
        return Publisher(
            posts(),
            clients.s3_client(config),
            config.site_bucket,
            site_url=config.site_url,
            cloudfront=cloudfront,
            distribution_id=config.distribution_id,
            clock=utc_now,
            logger=logger,
        )

    return Dependencies(
        posts=posts,
        comments=comments,
        subscriptions=subscriptions,
        publisher=publisher,
        cursors=Cursors(signer),
        public_base_url=config.public_base_url,
        logger=logger,
    )
