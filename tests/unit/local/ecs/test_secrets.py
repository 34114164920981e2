"""Task definition secrets: valueFrom forms ECS accepts, resolved from moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.ecs.secrets import SecretError, SecretRef, parse_value_from, resolve_secrets

ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf"


def test_secrets_manager_arn_with_json_key_version_stage_and_id() -> None:
    assert parse_value_from(f"{ARN}:password::") == SecretRef(
        "secretsmanager", ARN, "password", None, None
    )
    assert parse_value_from(f"{ARN}:password:AWSPREVIOUS:") == SecretRef(
        "secretsmanager", ARN, "password", "AWSPREVIOUS", None
    )
    assert parse_value_from(f"{ARN}::AWSCURRENT:v1") == SecretRef(
        "secretsmanager", ARN, None, "AWSCURRENT", "v1"
    )
    assert parse_value_from(ARN) == SecretRef("secretsmanager", ARN)


def test_ssm_arn_and_name() -> None:
    arn = "arn:aws:ssm:us-east-1:000000000000:parameter/app/flag"
    assert parse_value_from(arn) == SecretRef("ssm", "/app/flag")
    assert parse_value_from("plain-name") == SecretRef("ssm", "plain-name")


def test_other_services_are_refused() -> None:
    with pytest.raises(SecretError, match="Secrets Manager or SSM"):
        parse_value_from("arn:aws:s3:::bucket/key")


@pytest.fixture
def clients() -> Iterator[Callable[[str], Any]]:
    with mock_aws():
        made: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in made:
                made[service] = boto3.client(service, region_name="us-east-1")  # type: ignore[call-overload]
            return made[service]

        yield client


def test_resolves_json_keys_whole_secrets_and_parameters(clients: Callable[[str], Any]) -> None:
    arn = clients("secretsmanager").create_secret(
        Name="db", SecretString=json.dumps({"username": "app", "password": "s3cret", "port": 5432})
    )["ARN"]
    clients("ssm").put_parameter(Name="/app/flag", Value="on", Type="String")
    clients("ssm").put_parameter(Name="plain", Value="p", Type="SecureString")
    values = resolve_secrets(
        [
            {"name": "PASSWORD", "valueFrom": f"{arn}:password::"},
            {"name": "PORT", "valueFrom": f"{arn}:port::"},
            {"name": "WHOLE", "valueFrom": arn},
            {"name": "FLAG", "valueFrom": "arn:aws:ssm:us-east-1:000000000000:parameter/app/flag"},
            {"name": "PLAIN", "valueFrom": "arn:aws:ssm:us-east-1:000000000000:parameter/plain"},
        ],
        clients,
    )
    assert values["PASSWORD"] == "s3cret"
    assert values["PORT"] == "5432"
    assert json.loads(values["WHOLE"])["username"] == "app"
    assert values["FLAG"] == "on"
    assert values["PLAIN"] == "p"


def test_missing_secret_key_or_parameter_is_an_error(clients: Callable[[str], Any]) -> None:
    arn = clients("secretsmanager").create_secret(Name="db", SecretString='{"a": "b"}')["ARN"]
    with pytest.raises(SecretError, match="no JSON key 'password'"):
        resolve_secrets([{"name": "P", "valueFrom": f"{arn}:password::"}], clients)
    with pytest.raises(SecretError, match="ResourceNotFoundException"):
        resolve_secrets([{"name": "P", "valueFrom": ARN.replace("db-", "gone-")}], clients)
    with pytest.raises(SecretError, match="ParameterNotFound"):
        resolve_secrets([{"name": "P", "valueFrom": "/nope"}], clients)
