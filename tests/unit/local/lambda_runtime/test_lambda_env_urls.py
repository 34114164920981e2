"""A Python function's environment locally: other REST APIs' URLs point at the local
gateway, and the AWS SDKs' CA variable names the local CA, so a service can call another
service's API over HTTPS exactly as it would on AWS."""

from __future__ import annotations

from pathlib import Path

from stratus.local.core.settings import LocalSettings
from stratus.local.lambda_runtime.function import FunctionConfig, worker_environment


def _config(variables: dict[str, str], runtime: str = "python3.11") -> FunctionConfig:
    return FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:000000000000:function:f",
                          handler="h.handler", runtime=runtime, timeout_s=3, memory_mb=128,
                          asset_dir=Path("/tmp/asset"), variables=variables)


def test_rest_api_urls_in_variables_point_at_the_local_gateway(tmp_path: Path) -> None:
    settings = LocalSettings.for_project(tmp_path)
    env = worker_environment(_config({
        "CATALOG_API_URL": "https://abc123.execute-api.us-east-1.amazonaws.com/local/",
        "OTHER": "https://example.com/x",
        "QUEUE_URL": "http://127.0.0.1:4566/000000000000/q",
    }), settings, None, "stream")
    assert env["CATALOG_API_URL"] == f"{settings.gateway_origin}/restapis/abc123/local/"
    assert env["OTHER"] == "https://example.com/x"
    assert env["QUEUE_URL"] == "http://127.0.0.1:4566/000000000000/q"


def test_python_functions_trust_the_local_ca_when_there_is_one(tmp_path: Path) -> None:
    settings = LocalSettings.for_project(tmp_path)
    assert "AWS_CA_BUNDLE" not in worker_environment(_config({}), settings, None, "s")
    settings.ca_pem.parent.mkdir(parents=True, exist_ok=True)
    settings.ca_pem.write_text("-----BEGIN CERTIFICATE-----\n")
    env = worker_environment(_config({}), settings, None, "s")
    assert env["AWS_CA_BUNDLE"] == str(settings.ca_pem)
