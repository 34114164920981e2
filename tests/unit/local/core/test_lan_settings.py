"""`stratus up --lan`: where the cloud listens and what its URLs and certificate name.

127.0.0.2 stands for the LAN address (another loopback address: the tests run anywhere).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from stratus.cli.main import app
from stratus.local.core.lan import LanAddressError, check_lan_address, detect_lan_address
from stratus.local.core.settings import AWS_TLS_PORT, LocalSettings, Ports
from stratus.local.core.tls import ensure_tls

ROOT = Path(__file__).resolve().parents[4]


def _settings(tmp_path: Path, host: str = "127.0.0.1") -> LocalSettings:
    return LocalSettings.for_project(tmp_path, host=host, ports=Ports(aws=14566, gateway=14443))


def test_without_lan_only_the_loopback_is_served(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    assert not s.lan
    assert s.listen_hosts == ("127.0.0.1",)
    assert s.aws_endpoint == "http://127.0.0.1:14566"
    assert s.aws_tls_endpoint == f"https://127.0.0.1:{AWS_TLS_PORT}"


def test_with_lan_urls_name_the_lan_address_and_both_are_served(tmp_path: Path) -> None:
    s = _settings(tmp_path, "127.0.0.2")
    assert s.lan
    assert s.listen_hosts == ("127.0.0.1", "127.0.0.2")
    assert s.aws_endpoint == "http://127.0.0.2:14566"
    assert s.gateway_origin == "https://127.0.0.2:14443"
    assert s.aws_tls_endpoint.startswith("https://127.0.0.2:")


def _ips(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}


def test_certificate_names_the_lan_address_and_is_reissued_when_it_changes(
    tmp_path: Path,
) -> None:
    now = dt.datetime.now(dt.UTC)
    loopback = ensure_tls(_settings(tmp_path), now=now)
    assert "127.0.0.2" not in _ips(loopback.cert_pem)
    ca_before = loopback.ca_pem.read_bytes()
    lan = ensure_tls(_settings(tmp_path, "127.0.0.2"), now=now)
    assert {"127.0.0.1", "::1", "127.0.0.2"} == _ips(lan.cert_pem)
    assert lan.ca_pem.read_bytes() == ca_before  # the CA a phone trusts stays the same
    kept = lan.cert_pem.read_bytes()
    assert ensure_tls(_settings(tmp_path, "127.0.0.2"), now=now).cert_pem.read_bytes() == kept
    back = ensure_tls(_settings(tmp_path), now=now)
    assert "127.0.0.2" not in _ips(back.cert_pem)


def test_a_given_lan_address_must_be_this_machines() -> None:
    assert check_lan_address(" 127.0.0.2 ") == "127.0.0.2"
    with pytest.raises(LanAddressError, match="not an IP address"):
        check_lan_address("my-phone")
    with pytest.raises(LanAddressError, match="IPv4"):
        check_lan_address("0.0.0.0")
    with pytest.raises(LanAddressError, match="not an address of this machine"):
        check_lan_address("203.0.113.77")  # TEST-NET-3 (documentation): no host of ours has it


def test_detection_refuses_a_loopback_answer() -> None:
    # A peer reached over the loopback yields 127.0.0.1: not a LAN address.
    with pytest.raises(LanAddressError, match="no non-loopback"):
        detect_lan_address(("127.0.0.1", 9))


def test_up_refuses_a_foreign_lan_address_before_starting(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["up", "--lan-ip", "203.0.113.77", "--state-dir", str(tmp_path)],
        env={"COLUMNS": "200", "NO_COLOR": "1", "STRATUS_PROJECT_ROOT": str(ROOT)},
    )
    assert result.exit_code == 2
    assert "not an address of this machine" in result.output
    assert not (tmp_path / "up.pid").exists()
