"""Inventory's settings, read once from the environment the task definition gives.

The database connection comes from the RDS secret as AWS shapes it: ECS `Secrets` injects the
whole Secrets Manager secret (no JSON key) as one variable holding its JSON, with the keys an
attached RDS secret has — `host`, `port`, `username`, `password`, `dbname`
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html#reference_secret_json_structure_rds,
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_DB_SECRET = "INVENTORY_DB_SECRET"
ENV_DB_SSLMODE = "INVENTORY_DB_SSLMODE"
ENV_POOL_MAX = "INVENTORY_DB_POOL_MAX"
ENV_QUEUE_URL = "INVENTORY_QUEUE_URL"
ENV_SCHEMA_WAIT = "INVENTORY_SCHEMA_WAIT_SECONDS"
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class ConfigError(ValueError):
    """The environment does not describe a usable service (the message names the variable)."""


@dataclass(frozen=True)
class DbSettings:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    sslmode: str = "prefer"

    @classmethod
    def from_secret(cls, text: str, sslmode: str = "prefer") -> DbSettings:
        """From the secret's JSON; ConfigError names what is missing (never the password)."""
        try:
            secret = json.loads(text)
        except ValueError:
            raise ConfigError(f"{ENV_DB_SECRET} is not JSON") from None
        if not isinstance(secret, dict):
            raise ConfigError(f"{ENV_DB_SECRET} is not a JSON object")
        missing = [k for k in ("host", "username", "password") if not secret.get(k)]
        if missing:
            raise ConfigError(f"{ENV_DB_SECRET} lacks {', '.join(missing)}")
        try:
            port = int(secret.get("port") or 5432)
        except (TypeError, ValueError):
            raise ConfigError(f"{ENV_DB_SECRET} has a port that is not a number") from None
        if sslmode not in SSL_MODES:
            raise ConfigError(f"{ENV_DB_SSLMODE} must be one of {', '.join(SSL_MODES)}")
        return cls(
            host=str(secret["host"]),
            port=port,
            user=str(secret["username"]),
            password=str(secret["password"]),
            dbname=str(secret.get("dbname") or "postgres"),
            sslmode=sslmode,
        )

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=self.dbname,
            sslmode=self.sslmode,
            connect_timeout=5,
            application_name="stratus-inventory",
        )


@dataclass(frozen=True)
class Settings:
    db: DbSettings
    queue_url: str | None  # None: no worker (the API alone)
    pool_max: int = 10
    schema_wait_seconds: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        secret = env.get(ENV_DB_SECRET)
        if not secret:
            raise ConfigError(f"{ENV_DB_SECRET} is not set (the RDS secret's JSON)")
        try:
            pool_max = int(env.get(ENV_POOL_MAX) or 10)
            wait = float(env.get(ENV_SCHEMA_WAIT) or 120)
        except ValueError:
            raise ConfigError(f"{ENV_POOL_MAX}/{ENV_SCHEMA_WAIT} must be numbers") from None
        return cls(
            db=DbSettings.from_secret(secret, env.get(ENV_DB_SSLMODE) or "prefer"),
            queue_url=env.get(ENV_QUEUE_URL) or None,
            pool_max=max(1, pool_max),
            schema_wait_seconds=max(0.0, wait),
        )
