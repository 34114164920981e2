"""A console over moto (mock_aws) for the messaging pages' tests: boto3 clients in-process,
the account and Region moto uses by default, a TestClient on the loopback address."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from moto import mock_aws
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.core.settings import LocalSettings

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


@contextmanager
def console(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """(client, aws) where `aws(service)` is a boto3 client of the same moto."""
    with mock_aws():
        settings = dataclasses.replace(
            LocalSettings.for_project(tmp_path), account_id=ACCOUNT, region=REGION
        )
        clients: dict[str, Any] = {}

        def aws(service: str) -> Any:
            if service not in clients:
                clients[service] = boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
            return clients[service]

        cloud = SimpleNamespace(settings=settings, deployment=None, aws=aws)
        gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
        with TestClient(gateway, client=("127.0.0.1", 50000), follow_redirects=False) as client:
            yield client, aws


def csrf_of(html: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', html)
    assert found is not None
    return found.group(1)
