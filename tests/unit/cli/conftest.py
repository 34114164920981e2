"""Fixtures for the to-do CLI tests (the doubles themselves live in cli_fakes.py).

The stub API is a real HTTP server on an ephemeral port answering canned JSON, so requests
go through the generated SDK and httpx exactly as in production.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_fakes import CliWorld, FakeClock, FakeCognito, StubApi, handler_for

from stratus.cli.todo.commands import Deps
from stratus.cli.todo.settings import TodoSettings
from stratus.cli.todo.tokens import TokenStore


@pytest.fixture
def stub_api() -> Iterator[StubApi]:
    stub = StubApi(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(stub))
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def world(tmp_path: Path, stub_api: StubApi) -> CliWorld:
    settings = TodoSettings(
        api_url=stub_api.url,
        region="us-east-1",
        user_pool_id="pool",
        client_id="client",
        ca_bundle=None,
        cognito_endpoint=None,
    )
    store, cognito, clock = TokenStore(tmp_path / "config"), FakeCognito(), FakeClock()
    deps = Deps(
        settings=lambda: settings, store=lambda: store, cognito=lambda s: cognito, clock=clock
    )
    return CliWorld(deps, store, cognito, clock)
