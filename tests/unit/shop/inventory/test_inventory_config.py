"""Settings from the task's environment: the RDS secret's JSON as ECS injects it."""

from __future__ import annotations

import json

import pytest

from stratus.shop.inventory.config import ConfigError, DbSettings, Settings

SECRET = {
    "engine": "postgres",
    "host": "db.example",
    "port": 5432,
    "username": "app",
    "password": "p@ss w'rd",
    "dbname": "inventory",
    "dbClusterIdentifier": "x",
}


def test_settings_come_from_the_rds_secret() -> None:
    settings = Settings.from_env(
        {"INVENTORY_DB_SECRET": json.dumps(SECRET), "INVENTORY_QUEUE_URL": "https://sqs/q"}
    )
    assert settings.db == DbSettings("db.example", 5432, "app", "p@ss w'rd", "inventory")
    assert settings.queue_url == "https://sqs/q"
    info = settings.db.conninfo()
    assert "password='p@ss w\\'rd'" in info and "sslmode=prefer" in info


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "is not set"),
        ({"INVENTORY_DB_SECRET": "{"}, "not JSON"),
        ({"INVENTORY_DB_SECRET": "[]"}, "not a JSON object"),
        ({"INVENTORY_DB_SECRET": json.dumps({"host": "h"})}, "lacks username, password"),
        ({"INVENTORY_DB_SECRET": json.dumps({**SECRET, "port": "x"})}, "port"),
        ({"INVENTORY_DB_SECRET": json.dumps(SECRET), "INVENTORY_DB_SSLMODE": "yes"}, "SSLMODE"),
    ],
)
def test_a_bad_environment_names_the_variable_never_the_password(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        Settings.from_env(env)
    assert "p@ss" not in str(err.value)
