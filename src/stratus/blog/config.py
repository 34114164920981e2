"""The blog functions' typed configuration, read once from the environment.

Env-var names are constants here, so infra (which sets them) and handlers (which read them)
cannot drift apart. A function reads only what it needs: the settings are read lazily by the
wiring, and a missing one raises ConfigError naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.blog.photos.config import DEFAULT_MAX_BYTES
from stratus.runtime.config import integer, region, require

ENV_POSTS_TABLE = "POSTS_TABLE_NAME"
ENV_COMMENTS_TABLE = "COMMENTS_TABLE_NAME"
ENV_SUBSCRIBERS_TABLE = "SUBSCRIBERS_TABLE_NAME"
ENV_TOKEN_SECRET_ARN = "TOKEN_SECRET_ARN"
ENV_SITE_BUCKET = "SITE_BUCKET_NAME"
ENV_SITE_URL = "SITE_URL"
ENV_DISTRIBUTION_ID = "SITE_DISTRIBUTION_ID"
# The SSM parameter holding the distribution id, read at run time: the distribution depends
# (through its /api/* origin) on the API stage, which depends on the authors' function, so
# the function cannot name the distribution in its environment without a dependency loop.
ENV_DISTRIBUTION_PARAMETER = "SITE_DISTRIBUTION_PARAMETER"
ENV_API_ID = "BLOG_API_ID"
ENV_API_STAGE = "BLOG_API_STAGE"
ENV_MAIL_FROM = "MAIL_FROM"
ENV_MAIL_TEMPLATE_PREFIX = "MAIL_TEMPLATE_PREFIX"
ENV_MAIL_CONFIGURATION_SET = "MAIL_CONFIGURATION_SET"
ENV_PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
# The SSM parameter holding the site's public URL (the distribution's domain, or the custom
# domain), read at run time for the welcome mail's links: the distribution's /api/* origin
# depends on the API stage, which depends on the public function, so the function cannot name
# the distribution in its environment (the same loop as ENV_DISTRIBUTION_PARAMETER).
ENV_SITE_URL_PARAMETER = "SITE_URL_PARAMETER"
# What the reader site's /config.json tells the browser: the pool and app client readers
# sign in with to comment (written by the publishers, so AWS and the local cloud get the
# same file from the same code).
ENV_USER_POOL_ID = "USER_POOL_ID"
ENV_USER_POOL_CLIENT_ID = "USER_POOL_CLIENT_ID"
# Photo uploads (the authors' function): where browsers POST originals, where the pipeline
# writes variants, and the pipeline's size limit (`stratus.blog.photos.config`'s names).
ENV_UPLOAD_BUCKET = "PHOTO_UPLOAD_BUCKET"
ENV_PHOTO_BUCKET = "PHOTO_BUCKET"
ENV_PHOTO_MAX_BYTES = "PHOTO_MAX_BYTES"
DEFAULT_SITE_URL = "https://myblog.example"


@dataclass(frozen=True)
class BlogConfig:
    env: Mapping[str, str]
    region: str
    dax_endpoint: str | None = None  # the shared client factories ask; the blog has no DAX

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BlogConfig:
        env = dict(os.environ if env is None else env)
        return cls(env=env, region=region(env))

    def require(self, name: str) -> str:
        return require(self.env, name)

    def optional(self, name: str) -> str | None:
        return self.env.get(name, "").strip() or None

    @property
    def posts_table(self) -> str:
        return self.require(ENV_POSTS_TABLE)

    @property
    def comments_table(self) -> str:
        return self.require(ENV_COMMENTS_TABLE)

    @property
    def subscribers_table(self) -> str:
        return self.require(ENV_SUBSCRIBERS_TABLE)

    @property
    def token_secret_arn(self) -> str:
        return self.require(ENV_TOKEN_SECRET_ARN)

    @property
    def site_bucket(self) -> str:
        return self.require(ENV_SITE_BUCKET)

    @property
    def site_url(self) -> str:
        return self.optional(ENV_SITE_URL) or DEFAULT_SITE_URL

    @property
    def distribution_id(self) -> str | None:
        return self.optional(ENV_DISTRIBUTION_ID)

    @property
    def distribution_parameter(self) -> str | None:
        return self.optional(ENV_DISTRIBUTION_PARAMETER)

    @property
    def api_stage(self) -> tuple[str, str] | None:
        """(rest API id, stage name) whose cache a publish flushes, when both are set."""
        api, stage = self.optional(ENV_API_ID), self.optional(ENV_API_STAGE)
        return (api, stage) if api and stage else None

    @property
    def public_base_url(self) -> str | None:
        return self.optional(ENV_PUBLIC_BASE_URL)

    @property
    def site_url_parameter(self) -> str | None:
        return self.optional(ENV_SITE_URL_PARAMETER)

    @property
    def sign_in(self) -> tuple[str, str] | None:
        """(user pool id, app client id) readers sign in with, when both are set."""
        pool, client = self.optional(ENV_USER_POOL_ID), self.optional(ENV_USER_POOL_CLIENT_ID)
        return (pool, client) if pool and client else None

    @property
    def uploads_enabled(self) -> bool:
        return self.optional(ENV_UPLOAD_BUCKET) is not None

    @property
    def upload_bucket(self) -> str:
        return self.require(ENV_UPLOAD_BUCKET)

    @property
    def photo_bucket(self) -> str:
        return self.require(ENV_PHOTO_BUCKET)

    @property
    def photo_max_bytes(self) -> int:
        return integer(self.env, ENV_PHOTO_MAX_BYTES, DEFAULT_MAX_BYTES)
