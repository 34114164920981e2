"""The catalog adapter against a real HTTP server that checks SigV4 the way the local
gateway does (stratus.local.iam.sigv4), so a badly signed request fails these tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.credentials import Credentials

from stratus.local.iam.credentials import CredentialStore
from stratus.local.iam.sigv4 import SignatureError, SignedRequest, verify_request
from stratus.shop.orders.prices import CatalogPriceSource, CatalogUnavailableError, parse_quote

REGION = "us-east-1"


class Catalog:
    """What the fake catalog answers, and what it saw."""

    def __init__(self) -> None:
        self.store = CredentialStore()
        self.principal = self.store.issue(kind="function", role_arn=None, policies=None,
                                          subject="orders-api")
        self.status = 200
        self.body: Any = None
        self.seen: list[dict[str, Any]] = []


@pytest.fixture
def catalog() -> Iterator[tuple[Catalog, str]]:
    state = Catalog()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            raw_path, _, query = self.path.partition("?")
            request = SignedRequest("GET", raw_path, query,
                                    {k.lower(): v for k, v in self.headers.items()}, b"")
            try:
                verify_request(request, state.store, service="execute-api", region=REGION,
                               now=time.time())
            except SignatureError as exc:
                return self._send(403, {"message": exc.message})
            ids = parse_qs(urlsplit(self.path).query).get("ids", [""])[0].split(",")
            state.seen.append({"path": raw_path, "ids": ids})
            body = state.body if state.body is not None else {
                "prices": {i: "4.13" for i in ids if i != "ghost"},
                "missing": [i for i in ids if i == "ghost"]}
            self._send(state.status, body)

        def _send(self, status: int, body: Any) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/restapis/abc/prod/"
    finally:
        server.shutdown()
        server.server_close()


def _source(state: Catalog, url: str, secret: str | None = None) -> CatalogPriceSource:
    p = state.principal
    creds = Credentials(p.access_key_id, secret or p.secret_access_key, p.session_token)
    return CatalogPriceSource(url, REGION, creds, timeout=2)


def test_signed_request_gets_prices(catalog: tuple[Catalog, str]) -> None:
    state, url = catalog
    quote = _source(state, url).quote(["mug", "ghost", "a:b"])
    assert quote.prices == {"mug": Decimal("4.13"), "a:b": Decimal("4.13")}
    assert list(quote.missing) == ["ghost"]
    assert state.seen == [{"path": "/restapis/abc/prod/v2/prices", "ids": ["mug", "ghost", "a:b"]}]


def test_wrong_secret_is_refused_by_the_signature_check(catalog: tuple[Catalog, str]) -> None:
    state, url = catalog
    with pytest.raises(CatalogUnavailableError, match="403"):
        _source(state, url, secret="not-the-secret").quote(["mug"])
    assert state.seen == []


@pytest.mark.parametrize("status, body", [
    (500, {"message": "boom"}),
    (200, b"<html>"),
    (200, {"prices": {"mug": 4.13}, "missing": []}),  # a float, not a decimal string
    (200, {"prices": ["mug"], "missing": []}),
])
def test_bad_answers_are_502(catalog: tuple[Catalog, str], status: int, body: Any) -> None:
    state, url = catalog
    state.status, state.body = status, body
    with pytest.raises(CatalogUnavailableError) as caught:
        _source(state, url).quote(["mug"])
    assert caught.value.status == 502


def test_unreachable_catalog_is_502() -> None:
    creds = Credentials("AKID", "secret")
    source = CatalogPriceSource("http://127.0.0.1:9/", REGION, creds, timeout=1)
    with pytest.raises(CatalogUnavailableError, match="unreachable"):
        source.quote(["mug"])


def test_ids_the_catalog_did_not_mention_count_as_missing() -> None:
    quote = parse_quote({"prices": {"a": "1.00"}, "missing": []}, ["a", "b"])
    assert list(quote.missing) == ["b"]
