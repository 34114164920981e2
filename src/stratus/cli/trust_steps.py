"""What makes the local CA trusted, per trust store — the steps `stratus trust` prints and,
with `--install`, performs.

Each client reads its own store: the OS store (Debian/Ubuntu `update-ca-certificates`,
Fedora/RHEL `update-ca-trust`, macOS's System keychain), Python (OpenSSL's default bundle,
or the one `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE` / `AWS_CA_BUNDLE` name — a bundle that
*replaces* the store, so it must hold the system's roots plus the local CA), Node (
`NODE_EXTRA_CA_CERTS` *adds* to its roots) and NSS databases (Firefox profiles, Chromium on
Linux). Hand-written: no maintained Python library does this (mkcert, Go, does the same
steps; its truststore_*.go files are the model).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import ssl
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

CA_NAME = "stratus-local-ca"
NICKNAME = "stratus local CA"
# Where each Linux family keeps the bundle it builds from its anchors (the system store).
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, BSDs
)
DEBIAN_ANCHORS = Path("/usr/local/share/ca-certificates")
FEDORA_ANCHORS = Path("/etc/pki/ca-trust/source/anchors")
DEBIAN_REFRESH = ("update-ca-certificates",)
FEDORA_REFRESH = ("update-ca-trust",)


@dataclass
class Step:
    """One trust store: the commands that make it trust the CA, and a note."""

    title: str
    commands: list[str]
    note: str = ""
    done: str = ""  # what `--install` did (empty: not performed)


@dataclass
class TrustReport:
    ca_pem: Path
    fingerprint: str
    bundle: Path
    steps: list[Step] = field(default_factory=list)


def fingerprint(ca_pem: Path) -> str:
    """SHA-256 of the CA's DER, colon-separated (what a phone's settings show)."""
    der = x509.load_pem_x509_certificate(ca_pem.read_bytes()).public_bytes(
        serialization.Encoding.DER
    )
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def system_bundle() -> Path | None:
    """The bundle of the system's roots that OpenSSL reads (certifi's as a last resort)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, *SYSTEM_BUNDLES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import certifi

        return Path(certifi.where())
    except ImportError:
        return None


def write_bundle(ca_pem: Path, bundle: Path, roots: Path | None) -> Path:
    """`roots` (the system's bundle) followed by the local CA, at `bundle`: for tools whose
    CA-bundle setting replaces the system store. The CA is not added twice."""
    ca = ca_pem.read_bytes().strip() + b"\n"
    base = roots.read_bytes() if roots is not None and roots.is_file() else b""
    if ca.strip() in base:
        base = base.replace(ca.strip(), b"").rstrip() + b"\n"
    if base and not base.endswith(b"\n"):
        base += b"\n"
    tmp = bundle.with_suffix(".tmp")
    tmp.write_bytes(base + f"# {NICKNAME}\n".encode() + ca)
    tmp.replace(bundle)
    return bundle


def linux_family() -> str | None:
    """'debian' or 'fedora' by the tool the system has to rebuild its store, else None."""
    if shutil.which("update-ca-certificates") or DEBIAN_ANCHORS.is_dir():
        return "debian"
    if shutil.which("update-ca-trust") or FEDORA_ANCHORS.is_dir():
        return "fedora"
    return None


def system_steps(ca_pem: Path) -> list[Step]:
    """The OS store's step for every OS (the running one first)."""
    debian = Step(
        "System store (Debian/Ubuntu)",
        [
            f"sudo cp {ca_pem} {DEBIAN_ANCHORS}/{CA_NAME}.crt",
            "sudo update-ca-certificates",
        ],
    )
    fedora = Step(
        "System store (Fedora/RHEL)",
        [f"sudo cp {ca_pem} {FEDORA_ANCHORS}/{CA_NAME}.pem", "sudo update-ca-trust"],
    )
    mac = Step(
        "System store (macOS)",
        [
            "sudo security add-trusted-cert -d -r trustRoot "
            f"-k /Library/Keychains/System.keychain {ca_pem}"
        ],
        note="Safari and Chrome on macOS read this keychain.",
    )
    if platform.system() == "Darwin":
        return [mac, debian, fedora]
    return [fedora, debian, mac] if linux_family() == "fedora" else [debian, fedora, mac]


def client_steps(ca_pem: Path, bundle: Path) -> list[Step]:
    return [
        Step(
            "Python (requests, httpx, boto3, the AWS CLI)",
            [
                f"export SSL_CERT_FILE={bundle}",
                f"export REQUESTS_CA_BUNDLE={bundle}",
                f"export AWS_CA_BUNDLE={bundle}",
            ],
            note=(
                "A CA bundle named by these variables REPLACES the system store, so this one "
                "is the system's roots plus the local CA (written by `stratus trust`); build "
                f"it by hand with: cat {system_bundle() or '<system bundle>'} {ca_pem} > {bundle}"
            ),
        ),
        Step(
            "Node (AWS SDK for JavaScript, Amplify)",
            [f"export NODE_EXTRA_CA_CERTS={ca_pem}"],
            note="Adds to Node's own roots (nothing is replaced); read when node starts.",
        ),
        Step(
            "Browsers (NSS: Firefox on every OS, Chromium/Chrome on Linux)",
            [_certutil("$HOME/.pki/nssdb", ca_pem)]
            + [
                _certutil(str(p), ca_pem)
                for p in (firefox_profiles() or [Path("<firefox profile>")])
            ],
            note=(
                "certutil comes with libnss3-tools (Debian) / nss-tools (Fedora) / nss "
                "(Homebrew). Firefox can instead read the OS store: "
                "about:config security.enterprise_roots.enabled = true."
            ),
        ),
    ]


def _certutil(db: str, ca_pem: Path) -> str:
    return f'certutil -d sql:{db} -A -t "C,," -n "{NICKNAME}" -i {ca_pem}'


def firefox_profiles(home: Path | None = None) -> list[Path]:
    base = (home or Path.home()) / ".mozilla" / "firefox"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if (p / "cert9.db").is_file())


def install_anchor(ca_pem: Path, anchors: Path, name: str, refresh: Sequence[str]) -> str:
    """Copy the CA into a system anchors directory and rebuild the store (`refresh`)."""
    anchors.mkdir(parents=True, exist_ok=True)
    target = anchors / name
    shutil.copyfile(ca_pem, target)
    os.chmod(target, 0o644)
    result = subprocess.run(list(refresh), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(refresh)} failed: {result.stderr.strip()}")
    return f"copied to {target}; ran {' '.join(refresh)}"


def install_system(ca_pem: Path) -> str:
    """Perform the OS store's step where this process can; say why not otherwise. Never
    escalates privileges itself (no silent sudo)."""
    system = platform.system()
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "NOT done: the system store needs root; run `sudo stratus trust --install`"
    if system == "Darwin":
        cmd = [
            "security", "add-trusted-cert", "-d", "-r", "trustRoot",
            "-k", "/Library/Keychains/System.keychain", str(ca_pem),
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            return f"NOT done: {' '.join(cmd)} failed: {result.stderr.strip()}"
        return "added to the System keychain"
    family = linux_family()
    if family == "debian":
        return install_anchor(ca_pem, DEBIAN_ANCHORS, f"{CA_NAME}.crt", DEBIAN_REFRESH)
    if family == "fedora":
        return install_anchor(ca_pem, FEDORA_ANCHORS, f"{CA_NAME}.pem", FEDORA_REFRESH)
    return f"NOT done: no known system store on {system}; see the commands above"


def install_nss(ca_pem: Path, databases: Sequence[Path]) -> str:
    """Add the CA to the NSS databases that exist (the user's own: no root needed)."""
    certutil = shutil.which("certutil")
    if certutil is None:
        return "NOT done: certutil is not installed (libnss3-tools / nss-tools / nss)"
    done = []
    for db in databases:
        if not db.is_dir():
            continue
        cmd = [certutil, "-d", f"sql:{db}", "-A", "-t", "C,,", "-n", NICKNAME, "-i", str(ca_pem)]
        if subprocess.run(cmd, capture_output=True, check=False).returncode == 0:
            done.append(str(db))
    return f"added to {', '.join(done)}" if done else "NOT done: no NSS database found"
