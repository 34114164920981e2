"""Custom domain names: longest-base-path matching, Host routing through the gateway app,
403 for an unmapped path, the domains' read calls and certificates chosen by SNI."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

import httpx
from gateway_rig import API_ID, Rig

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import DomainCertificates, ensure_tls
from stratus.local.gateway.domains import (
    ApiMapping,
    CustomDomain,
    compile_domains,
    host_name,
    split_alias,
)
from stratus.local.provision.model import Deployment, Resource

DOMAIN = "api.example.test"


def _domain(*mappings: ApiMapping) -> CustomDomain:
    found = CustomDomain(DOMAIN, sorted(mappings, key=lambda m: len(m.base_path), reverse=True))
    return found


def test_the_longest_matching_base_path_wins_and_is_stripped() -> None:
    domain = _domain(
        ApiMapping(("orders",), "api1", "prod"),
        ApiMapping(("orders", "v2"), "api2", "live"),
        ApiMapping((), "root", "prod"),
    )
    mapping, stage, rest = domain.resolve(["orders", "v2", "items", "7"]) or (None, "", [])
    assert (mapping and mapping.api_id, stage, rest) == ("api2", "live", ["items", "7"])
    mapping, stage, rest = domain.resolve(["orders", "v1", "items"]) or (None, "", [])
    assert (mapping and mapping.api_id, rest) == ("api1", ["v1", "items"])
    # whole segments only: "ordersx" is not under "orders"; it falls to (none)
    mapping, _, rest = domain.resolve(["ordersx"]) or (None, "", [])
    assert (mapping and mapping.api_id, rest) == ("root", ["ordersx"])


def test_without_an_empty_mapping_an_unmatched_path_has_no_target() -> None:
    domain = _domain(ApiMapping(("orders", "v1"), "api1", "prod"))
    assert domain.resolve(["orders"]) is None
    assert domain.resolve(["other", "v1"]) is None


def test_a_mapping_without_a_stage_takes_the_stage_from_the_path() -> None:
    domain = _domain(ApiMapping(("shop",), "api1", None))
    _, stage, rest = domain.resolve(["shop", "beta", "hats"]) or (None, "", [])
    assert (stage, rest) == ("beta", ["hats"])
    assert domain.resolve(["shop"]) is None


def _resource(logical: str, rtype: str, props: dict[str, Any], physical: str = "") -> Resource:
    return Resource("S", logical, rtype, props, physical or logical.lower())


def _with_domain(deployment: Deployment, *mappings: Resource) -> None:
    stack = next(iter(deployment.stacks.values()))
    for res in (
        _resource("Domain", "AWS::ApiGateway::DomainName", {"DomainName": DOMAIN}, DOMAIN),
        *mappings,
    ):
        stack.resources[res.logical_id] = res


def test_every_mapping_resource_type_compiles() -> None:
    deployment = Deployment(stacks={})
    from stratus.local.provision.model import Stack

    deployment.stacks["S"] = Stack(name="S", template_path=Path("t.json"))
    arn = f"arn:aws:apigateway:us-east-1:000000000000:/domainnames/{DOMAIN}+abc123"
    _with_domain(
        deployment,
        _resource(
            "M1",
            "AWS::ApiGateway::BasePathMapping",
            {"DomainName": DOMAIN, "RestApiId": "r1", "Stage": "prod"},
        ),
        _resource(
            "M2",
            "AWS::ApiGatewayV2::ApiMapping",
            {"DomainName": DOMAIN, "ApiId": "h1", "Stage": "$default", "ApiMappingKey": "a/b"},
        ),
        _resource(
            "M3",
            "AWS::ApiGateway::BasePathMappingV2",
            {"DomainNameArn": arn, "RestApiId": "r2", "Stage": "s", "BasePath": "c"},
        ),
    )
    found = compile_domains(deployment, {"h1"})[DOMAIN]
    assert [(m.base_path, m.api_id, m.kind) for m in found.mappings] == [
        (("a", "b"), "h1", "http"),
        (("c",), "r2", "rest"),
        ((), "r1", "rest"),
    ]


def test_host_name_drops_the_port_and_case() -> None:
    assert host_name("API.Example.test:4443") == DOMAIN
    assert host_name("[::1]:443") == "[::1]"


# -- through the gateway app -------------------------------------------------------------
def _rig(tmp_path: Path, base_path: str | None) -> Rig:
    mapping = {"DomainName": DOMAIN, "RestApiId": API_ID, "Stage": "prod"}
    if base_path is not None:
        mapping["BasePath"] = base_path
    return Rig(
        tmp_path,
        tweak=lambda d: _with_domain(
            d, _resource("Map", "AWS::ApiGateway::BasePathMapping", mapping)
        ),
    )


def _get(rig: Rig, path: str, host: str = DOMAIN) -> httpx.Response:
    async def go() -> httpx.Response:
        async with rig.client() as client:
            return await client.post(path, headers={"Host": host}, json={})

    return asyncio.run(go())


def test_the_host_header_reaches_the_mapped_stage_with_the_base_path_stripped(
    tmp_path: Path,
) -> None:
    rig = _rig(tmp_path, "orders")
    resp = _get(rig, "/orders/public/x")
    assert resp.status_code == 200, resp.text
    event = resp.json()
    assert event["resource"] == "/public/{proxy+}"
    assert event["pathParameters"] == {"proxy": "x"}
    # the event's path is the one the client called, base path included (as AWS sends it)
    assert event["path"] == "/orders/public/x"
    assert event["requestContext"]["domainName"] == DOMAIN
    assert event["requestContext"]["stage"] == "prod"


def test_a_path_no_mapping_matches_is_403_forbidden(tmp_path: Path) -> None:
    rig = _rig(tmp_path, "orders")
    resp = _get(rig, "/other/public/x")
    assert resp.status_code == 403
    assert resp.json() == {"message": "Forbidden"}
    assert resp.headers["x-amzn-errortype"] == "ForbiddenException"


def test_an_unknown_host_is_served_by_path_as_before(tmp_path: Path) -> None:
    rig = _rig(tmp_path, "orders")
    resp = _get(rig, f"/restapis/{API_ID}/prod/public/x", host="127.0.0.1:4443")
    assert resp.status_code == 200
    assert resp.json()["path"] == "/public/x"


def test_the_alias_path_serves_the_domain_as_its_host_would(tmp_path: Path) -> None:
    rig = _rig(tmp_path, "orders")
    resp = _get(rig, f"/_stratus/domains/{DOMAIN.upper()}/orders/public/x", host="127.0.0.1")
    assert resp.status_code == 200, resp.text
    event = resp.json()
    assert event["path"] == "/orders/public/x"  # what AWS sends for https://<domain>/orders/...
    assert event["pathParameters"] == {"proxy": "x"}
    unmapped = _get(rig, f"/_stratus/domains/{DOMAIN}/other/x", host="127.0.0.1")
    assert (unmapped.status_code, unmapped.json()) == (403, {"message": "Forbidden"})


def test_an_alias_of_an_unknown_domain_is_not_a_domain() -> None:
    assert split_alias("/_stratus/domains/a.example.test/v1/x") == ("a.example.test", "/v1/x")
    assert split_alias("/_stratus/domains/a.example.test") == ("a.example.test", "/")
    assert split_alias("/_stratus/domains/") is None
    assert split_alias("/restapis/x/prod/") is None


# -- certificates by SNI -------------------------------------------------------------------
def test_sni_presents_a_certificate_for_the_domain_signed_by_the_local_ca(
    tmp_path: Path,
) -> None:
    settings = LocalSettings.for_project(tmp_path)
    files = ensure_tls(settings)
    certificates = DomainCertificates(settings, lambda: {DOMAIN})
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(str(files.cert_pem), str(files.key_pem))
    server_ctx.sni_callback = certificates.sni_callback
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_ctx = ssl.create_default_context(cafile=str(settings.ca_pem))
    for name in (DOMAIN, "localhost"):  # the domain's certificate; the default one
        raw = socket.create_connection(("127.0.0.1", port))
        with client_ctx.wrap_socket(raw, server_hostname=name) as tls:
            cert = tls.getpeercert()
            assert ("DNS", name) in cert["subjectAltName"]
            tls.sendall(b"x")
    thread.join(5)
    listener.close()
    # issued once, reused from disk while valid
    assert certificates.files_for(DOMAIN).cert_pem.exists()
    assert certificates.context_for("unknown.example.test") is None
