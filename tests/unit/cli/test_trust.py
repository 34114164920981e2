"""`stratus trust`: the printed steps for every store, the combined bundle (system roots +
the local CA) and the install steps, run against temp directories (never the real store)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from stratus.cli import trust_steps
from stratus.cli.main import app

ROOT = Path(__file__).resolve().parents[3]


def _trust(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["trust", "--state-dir", str(tmp_path), *args],
        env={"COLUMNS": "200", "NO_COLOR": "1", "STRATUS_PROJECT_ROOT": str(ROOT)},
    )
    return result.exit_code, result.output


def test_prints_every_store_and_writes_the_combined_bundle(tmp_path: Path) -> None:
    code, output = _trust(tmp_path)
    assert code == 0, output
    ca = tmp_path / "ca.pem"  # created as `stratus up` would, so it can be trusted first
    assert ca.is_file()
    for needle in (
        "update-ca-certificates",
        "update-ca-trust",
        "security add-trusted-cert",
        "SSL_CERT_FILE=",
        "REQUESTS_CA_BUNDLE=",
        "AWS_CA_BUNDLE=",
        f"NODE_EXTRA_CA_CERTS={ca}",
        "certutil -d sql:",
        "REPLACES the system store",
        trust_steps.fingerprint(ca),
    ):
        assert needle in output, needle
    bundle = tmp_path / "ca-bundle.pem"
    text = bundle.read_text()
    assert text.count(ca.read_text().strip()) == 1
    roots = trust_steps.system_bundle()
    assert roots is not None and text.startswith(roots.read_text()[:200])
    # The bundle loads, holds the system's roots and the local CA.
    context = ssl.create_default_context(cafile=str(bundle))
    names = [c["subject"] for c in context.get_ca_certs()]
    assert any(("commonName", "stratus local CA") in [kv for rdn in n for kv in rdn] for n in names)
    assert len(names) > 10


def test_running_again_does_not_add_the_ca_twice(tmp_path: Path) -> None:
    _trust(tmp_path)
    first = (tmp_path / "ca-bundle.pem").read_bytes()
    _trust(tmp_path)
    assert (tmp_path / "ca-bundle.pem").read_bytes() == first


def test_bundle_from_a_bundle_that_already_holds_the_ca(tmp_path: Path) -> None:
    _trust(tmp_path)
    ca = tmp_path / "ca.pem"
    roots = tmp_path / "roots.pem"
    roots.write_bytes(b"# roots\n" + ca.read_bytes())  # e.g. after `update-ca-certificates`
    out = trust_steps.write_bundle(ca, tmp_path / "b.pem", roots)
    pems = out.read_text().count("BEGIN CERTIFICATE")
    assert pems == 1
    x509.load_pem_x509_certificates(out.read_bytes())


def test_json_lists_the_steps(tmp_path: Path) -> None:
    code, output = _trust(tmp_path, "--json")
    assert code == 0, output
    data = json.loads(output)
    titles = [step["title"] for step in data["steps"]]
    assert any(t.startswith("Python") for t in titles)
    assert any(t.startswith("Node") for t in titles)
    assert data["bundle"] == str(tmp_path / "ca-bundle.pem")


def test_install_into_an_anchors_directory_runs_the_refresh(tmp_path: Path) -> None:
    _trust(tmp_path)
    anchors = tmp_path / "anchors"
    marker = tmp_path / "refreshed"
    done = trust_steps.install_anchor(
        tmp_path / "ca.pem", anchors, "stratus-local-ca.crt", ["touch", str(marker)]
    )
    assert (anchors / "stratus-local-ca.crt").read_bytes() == (tmp_path / "ca.pem").read_bytes()
    assert marker.exists() and "copied to" in done


def test_a_failing_refresh_is_reported(tmp_path: Path) -> None:
    _trust(tmp_path)
    with pytest.raises(RuntimeError, match="failed"):
        trust_steps.install_anchor(tmp_path / "ca.pem", tmp_path / "a", "x.crt", ["false"])


def test_the_system_step_needs_root_and_never_escalates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(tmp_path)
    monkeypatch.setattr(trust_steps.os, "geteuid", lambda: 1000)
    calls: list[object] = []
    monkeypatch.setattr(trust_steps.subprocess, "run", lambda *a, **k: calls.append(a))
    done = trust_steps.install_system(tmp_path / "ca.pem")
    assert done.startswith("NOT done") and "sudo stratus trust --install" in done
    assert calls == []  # nothing run, no sudo


def test_install_as_root_uses_the_debian_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(tmp_path)
    anchors = tmp_path / "anchors"
    marker = tmp_path / "refreshed"
    monkeypatch.setattr(trust_steps.os, "geteuid", lambda: 0)
    monkeypatch.setattr(trust_steps.platform, "system", lambda: "Linux")
    monkeypatch.setattr(trust_steps, "linux_family", lambda: "debian")
    monkeypatch.setattr(trust_steps, "DEBIAN_ANCHORS", anchors)
    monkeypatch.setattr(trust_steps, "DEBIAN_REFRESH", ("touch", str(marker)))
    done = trust_steps.install_system(tmp_path / "ca.pem")
    assert (anchors / "stratus-local-ca.crt").is_file() and marker.exists(), done
