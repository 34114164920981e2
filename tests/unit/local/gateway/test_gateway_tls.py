"""The local CA and server certificate, and the gateway served over real HTTPS with them."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import stat
from pathlib import Path

import httpx
import uvicorn
from cryptography import x509
from gateway_rig import API_ID, Rig, without_limits

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import ensure_tls


def test_first_run_creates_ca_and_server_cert_with_private_keys_0600(tmp_path: Path) -> None:
    settings = LocalSettings.for_project(tmp_path)
    files = ensure_tls(settings)
    assert files.ca_pem == tmp_path / ".stratus" / "ca.pem"
    assert stat.S_IMODE(files.key_pem.stat().st_mode) == 0o600
    assert stat.S_IMODE((settings.keys_dir / "ca-key.pem").stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(files.cert_pem.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(files.ca_pem.read_bytes()))


def test_second_run_reuses_the_same_ca_and_certificate(tmp_path: Path) -> None:
    settings = LocalSettings.for_project(tmp_path)
    first = ensure_tls(settings)
    ca, cert = first.ca_pem.read_bytes(), first.cert_pem.read_bytes()
    second = ensure_tls(settings)
    assert (second.ca_pem.read_bytes(), second.cert_pem.read_bytes()) == (ca, cert)


def test_expiring_server_cert_is_renewed_under_the_same_ca(tmp_path: Path) -> None:
    settings = LocalSettings.for_project(tmp_path)
    first = ensure_tls(settings)
    ca, cert = first.ca_pem.read_bytes(), first.cert_pem.read_bytes()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=380)
    renewed = ensure_tls(settings, now=later)
    assert renewed.ca_pem.read_bytes() == ca
    assert renewed.cert_pem.read_bytes() != cert


def test_gateway_over_real_https_verifies_with_the_local_ca(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)
    files = ensure_tls(rig.ctx.settings)

    async def scenario() -> tuple[int, str, int, str]:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            rig.app,
            ssl_certfile=str(files.cert_pem),
            ssl_keyfile=str(files.key_pem),
            log_level="warning",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            context = ssl.create_default_context(cafile=str(files.ca_pem))
            async with httpx.AsyncClient(verify=context) as client:
                url = f"https://127.0.0.1:{port}/restapis/{API_ID}/prod"
                ok = await client.get(f"{url}/public/hello?x=1")
                denied = await client.get(f"{url}/todos")
                return ok.status_code, ok.json()["path"], denied.status_code, denied.text
        finally:
            server.should_exit = True
            await task

    ok, path, denied, body = asyncio.run(scenario())
    assert (ok, path) == (200, "/public/hello")
    assert (denied, body) == (401, '{"message":"Unauthorized"}')


def test_https_with_an_untrusted_ca_fails_verification(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)
    files = ensure_tls(rig.ctx.settings)
    other_ca = ensure_tls(LocalSettings.for_project(tmp_path / "other")).ca_pem

    async def scenario() -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            rig.app,
            ssl_certfile=str(files.cert_pem),
            ssl_keyfile=str(files.key_pem),
            log_level="critical",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            context = ssl.create_default_context(cafile=str(other_ca))
            async with httpx.AsyncClient(verify=context) as client:
                try:
                    await client.get(f"https://127.0.0.1:{port}/restapis/{API_ID}/prod/public/x")
                except httpx.ConnectError as exc:
                    assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
                else:
                    raise AssertionError("an untrusted CA must not verify")
        finally:
            server.should_exit = True
            await task

    asyncio.run(scenario())
