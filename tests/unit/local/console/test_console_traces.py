"""The traces pages over a store the test fills: the list names each trace's request, the
timeline draws every segment nested, filters and bad input answer as pages."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from tests.unit.local.xray.docs import TRACE, gateway, whole_trace

from stratus.local.console import app as console_app
from stratus.local.core.settings import LocalSettings
from stratus.local.xray.header import new_trace_id
from stratus.local.xray.service import XrayService


@pytest.fixture
def xray() -> XrayService:
    service = XrayService()
    for doc in whole_trace():
        service.store.put_document(doc)
    failed = new_trace_id()
    service.store.put_document(gateway(failed, status=502, fault=True))
    return service


@pytest.fixture
def client(tmp_path: Path, xray: XrayService) -> TestClient:
    def service(kind: type) -> object:
        if kind is XrayService:
            return xray
        raise LookupError(kind.__name__)

    settings = LocalSettings.for_project(tmp_path)
    cloud = SimpleNamespace(settings=settings, deployment=None, aws=None, service=service)
    app = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(app, client=("127.0.0.1", 50000))


def test_list_names_each_trace_with_status_and_services(client: TestClient) -> None:
    page = client.get("/console/traces")
    assert page.status_code == 200
    assert f'href="/console/traces/{TRACE}"' in page.text
    assert "https://x/todos" in page.text and "502" in page.text
    assert "AWS::Lambda::Function" in page.text and "fault" in page.text


def test_filters_by_status_class_and_url(client: TestClient) -> None:
    assert TRACE not in client.get("/console/traces?status=5xx").text
    assert TRACE in client.get("/console/traces?status=2xx&url=TODOS").text
    assert TRACE not in client.get("/console/traces?url=nowhere").text
    assert TRACE not in client.get("/console/traces?status=fault").text


def test_timeline_draws_every_segment_with_offsets(client: TestClient) -> None:
    page = client.get(f"/console/traces/{TRACE}")
    assert page.status_code == 200
    for name in ("todo-api/prod", "Initialization", "## lambda_handler", "DynamoDB"):
        assert f'class="tl-name">{name}<' in page.text
    assert 'data-depth="4" data-kind="aws"' in page.text
    assert "left: 50.0%; width: 10.0%" in page.text  # DynamoDB: +250 ms of 500, 50 ms long
    assert "table_name" in page.text and "Todos" in page.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/traces/1-nothex", 400),
        (f"/console/traces/{TRACE[:-1]}0", 404),
        ("/console/traces/..%2F..%2Fapp.py", 404),
        ("/console/traces?status=<script>", 400),
        ("/console/traces?url=" + "x" * 201, 400),
        ("/console/traces?page=0", 400),
        ("/console/traces?page=two", 400),
    ],
)
def test_bad_input_is_a_page_not_a_crash(client: TestClient, path: str, status: int) -> None:
    page = client.get(path)
    assert page.status_code == status
    assert "<script>" not in page.text and "Traceback" not in page.text


def test_names_are_escaped(client: TestClient, xray: XrayService) -> None:
    hostile = new_trace_id()
    xray.store.put_document({**gateway(hostile), "name": "<img src=x onerror=alert(1)>"})
    page = client.get(f"/console/traces/{hostile}")
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text


def test_a_trace_without_a_request_lists_its_entry_segment(
    client: TestClient, xray: XrayService
) -> None:
    queued = new_trace_id()
    doc = {**gateway(queued), "name": "orders-worker", "origin": "AWS::Lambda"}
    del doc["http"]
    xray.store.put_document(doc)
    page = client.get("/console/traces")
    assert "orders-worker AWS::Lambda" in page.text
