"""The local certificate authority and the gateway's server certificate.

Browsers, httpx and boto3 talk to the local gateway over real HTTPS, so the local cloud
needs a certificate they can verify: a CA created once per state directory (its PEM at
`.stratus/ca.pem`, for `verify=` / `SSL_CERT_FILE` / a browser's trust store) and a server
certificate for 127.0.0.1, localhost and ::1 that it signs. `cryptography` does all the
X.509 work; only the reuse rules (keep what is valid, renew what is expiring) are ours.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stratus.local.core.settings import LocalSettings

SERVER_DNS_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1", "::1")
CA_DAYS = 3650
SERVER_DAYS = 397  # the longest validity browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def ensure_tls(settings: LocalSettings, *, now: dt.datetime | None = None) -> TlsFiles:
    """Create (first run) or reuse the CA and server certificate; return their paths."""
    current = now or dt.datetime.now(dt.UTC)
    keys = settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    ca_key_path = keys / "ca-key.pem"
    files = TlsFiles(settings.ca_pem, keys / "server.pem", keys / "server-key.pem")

    ca_cert, ca_key = _load_ca(files.ca_pem, ca_key_path, current)
    if ca_cert is None or ca_key is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _make_ca(ca_key, current)
        _write_key(ca_key_path, ca_key)
        settings.ca_pem.parent.mkdir(parents=True, exist_ok=True)
        settings.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        _remove(files.cert_pem)  # a new CA invalidates the old server certificate

    if not _server_cert_usable(files, ca_cert, current):
        server_key = ec.generate_private_key(ec.SECP256R1())
        cert = _make_server_cert(server_key, ca_cert, ca_key, current)
        _write_key(files.key_pem, server_key)
        files.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def _load_ca(
    cert_path: Path, key_path: Path, now: dt.datetime
) -> tuple[x509.Certificate | None, ec.EllipticCurvePrivateKey | None]:
    if not cert_path.exists() or not key_path.exists():
        return None, None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return None, None
    if (
        not isinstance(key, ec.EllipticCurvePrivateKey)
        or cert.not_valid_after_utc - RENEW_BEFORE < now
    ):
        return None, None
    if cert.public_key() != key.public_key():
        return None, None
    return cert, key


def _server_cert_usable(files: TlsFiles, ca_cert: x509.Certificate, now: dt.datetime) -> bool:
    if not files.cert_pem.exists() or not files.key_pem.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.cert_pem.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    if cert.issuer != ca_cert.subject or cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    dns = set(san.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return dns == set(SERVER_DNS_NAMES) and ips == {
        str(ipaddress.ip_address(i)) for i in SERVER_IPS
    }


def _make_ca(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "stratus local cloud"),
            x509.NameAttribute(NameOID.COMMON_NAME, "stratus local CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )


def _make_server_cert(
    key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
) -> x509.Certificate:
    san = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in SERVER_DNS_NAMES]
        + [x509.IPAddress(ipaddress.ip_address(i)) for i in SERVER_IPS]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
