"""A phone on the LAN can use the local cloud: `stratus up --lan-ip ADDRESS`.

The "LAN" address here is 127.0.0.2 (another loopback address, so the test runs on any CI
machine): the cloud listens there and on 127.0.0.1, its certificate names it, outputs and
pre-signed URLs name it, the CA is downloadable from a page, and the AWS endpoint answers
over HTTPS as well.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import (
    ROOT,
    LocalCloudHandle,
    _free_port,
    start_local_cloud,
    stop_local_cloud,
    worker_state_dir,
)
from tests.integration.conftest import sign_up_and_login

LAN = "127.0.0.2"


@pytest.fixture(scope="module")
def lan_cloud() -> Iterator[tuple[LocalCloudHandle, dict[str, int]]]:
    ports = {name: _free_port() for name in ("aws", "aws_tls", "gateway", "dax")}
    proc, handle = start_local_cloud(
        worker_state_dir("device-access"),
        ports=ports,
        extra_args=["--lan-ip", LAN, "--system", "todo"],
    )
    try:
        yield handle, ports
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def cloud(lan_cloud: tuple[LocalCloudHandle, dict[str, int]]) -> LocalCloudHandle:
    return lan_cloud[0]


@pytest.fixture(scope="module")
def ports(lan_cloud: tuple[LocalCloudHandle, dict[str, int]]) -> dict[str, int]:
    return lan_cloud[1]


def _verifying(cloud: LocalCloudHandle) -> ssl.SSLContext:
    """Trusts the local CA only (not the system store): a pass proves the CA signed it."""
    return ssl.create_default_context(cafile=str(cloud.ca_pem))


def test_server_certificate_names_the_lan_address(cloud: LocalCloudHandle) -> None:
    cert = x509.load_pem_x509_certificate((cloud.state_dir / "keys" / "server.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert {LAN, "127.0.0.1"} <= ips


def test_gateway_over_https_by_the_lan_address_verifies(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    answer = httpx.get(f"https://{LAN}:{ports['gateway']}/", verify=_verifying(cloud))
    assert answer.status_code == 200
    # The loopback is still served, with the same certificate.
    assert httpx.get(f"{cloud.gateway_origin}/", verify=_verifying(cloud)).status_code == 200


def test_outputs_and_endpoints_name_the_lan_address(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    api_url = cloud.stack_output("TodoApiUrl")
    assert api_url.startswith(f"https://{LAN}:{ports['gateway']}/")
    recorded = json.loads((cloud.state_dir / "endpoints.json").read_text())
    assert recorded["aws"] == f"http://{LAN}:{ports['aws']}"
    assert recorded["aws_tls"] == f"https://{LAN}:{ports['aws_tls']}"
    log = cloud.log_path.read_text()
    assert f"http://{LAN}:{ports['aws']}/_stratus/ca" in log  # what a phone opens first


def test_presigned_urls_name_the_lan_address_and_work(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    """The function's pre-signed URLs name the HTTPS endpoint at the LAN address (a web
    page served over HTTPS may not use plain HTTP to a LAN address: mixed content)."""
    user = sign_up_and_login(cloud)
    api = httpx.Client(base_url=cloud.stack_output("TodoApiUrl"), verify=_verifying(cloud))
    body = b"from a phone"
    grant = api.post(
        "files/upload-url",
        headers=user.auth,
        json={"name": "phone.txt", "content_type": "text/plain", "size": len(body)},
    ).json()
    origin = f"https://{LAN}:{ports['aws_tls']}/"
    assert grant["url"].startswith(origin)
    upload = httpx.post(
        grant["url"],
        data=grant["fields"],
        files={"file": ("f", body, "text/plain")},
        verify=_verifying(cloud),
    )
    assert upload.status_code in (200, 201, 204), upload.text
    link = api.get("files/download-url", params={"name": "phone.txt"}, headers=user.auth)
    url = link.json()["url"]
    assert url.startswith(origin)
    assert httpx.get(url, verify=_verifying(cloud)).content == body
    tampered = url.replace("phone.txt", "other.txt")
    assert httpx.get(tampered, verify=_verifying(cloud)).status_code == 403


def test_web_client_config_and_cors_follow_the_lan_address(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    web = f"https://{LAN}:{ports['gateway']}"
    config = httpx.get(f"{web}/apps/todo/config.json", verify=_verifying(cloud)).json()
    assert config["apiUrl"].startswith(f"{web}/")
    assert config["cognitoEndpoint"] == f"https://{LAN}:{ports['aws_tls']}"
    # The page's origin (the LAN one) may call the API and upload to the files bucket.
    preflight = httpx.options(
        f"{config['apiUrl'].rstrip('/')}/todos",
        headers={
            "Origin": web,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        verify=_verifying(cloud),
    )
    assert preflight.status_code in (200, 204), preflight.text
    assert preflight.headers["access-control-allow-origin"] == web
    bucket_preflight = httpx.options(
        f"https://{LAN}:{ports['aws_tls']}/{config['bucket']}",
        headers={"Origin": web, "Access-Control-Request-Method": "POST"},
        verify=_verifying(cloud),
    )
    assert bucket_preflight.status_code == 200, bucket_preflight.text
    assert bucket_preflight.headers["access-control-allow-origin"] == web


def _ca(cloud: LocalCloudHandle) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cloud.ca_pem.read_bytes())


@pytest.mark.parametrize("origin", ["aws_http", "gateway_https"])
def test_ca_page_serves_pem_and_der_equal_to_the_ca(
    cloud: LocalCloudHandle, ports: dict[str, int], origin: str
) -> None:
    base = (
        f"http://{LAN}:{ports['aws']}"
        if origin == "aws_http"
        else f"https://{LAN}:{ports['gateway']}"
    )
    client = httpx.Client(verify=_verifying(cloud))
    page = client.get(f"{base}/_stratus/ca")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for system in ("iOS", "Android", "macOS", "Windows", "Linux"):
        assert system in page.text
    pem = client.get(f"{base}/_stratus/ca.pem")
    assert pem.headers["content-type"] == "application/x-pem-file"
    der = client.get(f"{base}/_stratus/ca.crt")
    assert der.headers["content-type"] == "application/x-x509-ca-cert"
    ca = _ca(cloud)
    assert x509.load_pem_x509_certificate(pem.content) == ca
    assert x509.load_der_x509_certificate(der.content) == ca
    assert der.content == ca.public_bytes(serialization.Encoding.DER)
    assert b"PRIVATE KEY" not in pem.content


def _s3(endpoint: str, verify: str | bool | None = None) -> object:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=verify,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def test_aws_endpoint_over_https_with_boto3(cloud: LocalCloudHandle, ports: dict[str, int]) -> None:
    s3 = _s3(f"https://{LAN}:{ports['aws_tls']}", verify=str(cloud.ca_pem))
    bucket = f"device-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"over tls")  # type: ignore[attr-defined]
    got = s3.get_object(Bucket=bucket, Key="a.txt")  # type: ignore[attr-defined]
    assert got["Body"].read() == b"over tls"
    # A URL pre-signed for the HTTPS endpoint verifies there (the host it signed is that one).
    url = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": bucket, "Key": "a.txt"}, ExpiresIn=300
    )
    assert url.startswith(f"https://{LAN}:{ports['aws_tls']}/")
    answer = httpx.get(url, verify=_verifying(cloud))
    assert answer.content == b"over tls", answer.text
    # The same URL with a changed signature is refused, so the check is real.
    forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert httpx.get(forged, verify=_verifying(cloud)).status_code == 403


def test_aws_endpoint_over_https_without_the_ca_is_refused(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://{LAN}:{ports['aws_tls']}/_stratus/ca", verify=True)


def test_trust_prints_the_steps_for_this_cloud(cloud: LocalCloudHandle) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("stratus")), "trust", "--state-dir",
         str(cloud.state_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert str(cloud.ca_pem) in result.stdout
    assert "NODE_EXTRA_CA_CERTS" in result.stdout


JS = ROOT / "tests" / "clients" / "js"  # `make clients` installs its node_modules


def _node(script: str, *args: str, ca: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"}
    if ca is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(ca)  # the only trust the client gets
    return subprocess.run(
        ["node", script, *args], cwd=JS, env=env, capture_output=True, text=True, timeout=120
    )


def _bucket(cloud: LocalCloudHandle, name: str) -> str:
    _s3(cloud.aws_endpoint).create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


def test_sdk_v3_s3_over_https_trusts_the_ca_from_node_extra_ca_certs(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    bucket = _bucket(cloud, f"js-{uuid.uuid4().hex[:10]}")
    endpoint = f"https://{LAN}:{ports['aws_tls']}"
    run = _node("s3_https.mjs", endpoint, bucket, "dir/a.txt", ca=cloud.ca_pem)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["got"] == result["sent"] == result["viaUrl"]
    assert result["presigned"].startswith(f"{endpoint}/{bucket}/dir/a.txt?")
    # Without the CA, Node refuses the certificate: the HTTPS is real.
    refused = _node("s3_https.mjs", endpoint, bucket, "dir/b.txt", ca=None)
    assert refused.returncode != 0
    assert "UNABLE_TO_VERIFY_LEAF_SIGNATURE" in refused.stderr


def test_amplify_storage_upload_and_download_at_a_custom_https_endpoint(
    cloud: LocalCloudHandle, ports: dict[str, int]
) -> None:
    # A dotted bucket name: Amplify then addresses it path-style (it has no switch for that
    # with a custom endpoint; a dotless name goes to `<bucket>.<endpoint host>`).
    bucket = _bucket(cloud, f"amplify.{uuid.uuid4().hex[:10]}")
    run = _node(
        "amplify_storage.mjs",
        f"{LAN}:{ports['aws_tls']}",
        bucket,
        "public/phone/photo.txt",
        ca=cloud.ca_pem,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["got"] == result["sent"]
    stored = _s3(cloud.aws_endpoint).get_object(  # type: ignore[attr-defined]
        Bucket=bucket, Key="public/phone/photo.txt"
    )
    assert stored["Body"].read().decode() == result["sent"]
