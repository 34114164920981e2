"""The registry is discovered from the service packages and derives what the cloud needs."""

from __future__ import annotations

import pytest

from stratus.local.core.discovery import create_services
from stratus.local.core.registry import EmulatedService, moto_backends_of, ports_of, providers_of
from stratus.local.provision.provider import Provider


def test_every_service_package_is_discovered_in_start_order() -> None:
    names = [s.name for s in create_services()]
    assert {"lambda", "s3", "cognito", "dynamodb", "apigateway", "dax", "iam"} <= set(names)
    assert names.index("iam") < names.index("lambda") < names.index("apigateway")


def test_registry_derives_providers_backends_and_ports() -> None:
    services = create_services()
    assert "AWS::DynamoDB::Table" in providers_of(services)
    assert "AWS::Lambda::Function" in providers_of(services)
    assert {"dynamodb", "s3", "cognito-idp", "sqs"} <= set(moto_backends_of(services))
    assert {p.name for p in ports_of(services)} == {"gateway", "dax", "edge", "dns", "alb", "xray"}


def test_a_resource_type_claimed_twice_is_an_error() -> None:
    class A(EmulatedService):
        name = "a"
        providers = {"AWS::X::Y": Provider()}  # noqa: RUF012

    class B(EmulatedService):
        name = "b"
        providers = {"AWS::X::Y": Provider()}  # noqa: RUF012

    with pytest.raises(ValueError, match="AWS::X::Y is provisioned by both a and b"):
        providers_of([A(), B()])
