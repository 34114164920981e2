"""The edge's server certificate: every distribution domain and alias, signed by the local CA.

CloudFront serves each distribution with its default `*.cloudfront.net` certificate or the
ACM certificate of its aliases (SNI). Locally one certificate issued at start lists every
name the edge answers for (plus localhost and the loopback addresses), signed by the same
local CA as the gateway's (`core.tls`: `.stratus/ca.pem`), so a client that trusts that CA
trusts the edge. It is re-issued at every start, so new aliases are always in it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import ensure_tls

VALID_DAYS = 397


def issue_edge_certificate(settings: LocalSettings, names: Iterable[str]) -> tuple[Path, Path]:
    """(certificate, key) paths for a certificate naming `names`, localhost and loopback."""
    ensure_tls(settings)  # the CA exists (created on a first run)
    ca_cert = x509.load_pem_x509_certificate(settings.ca_pem.read_bytes())
    ca_key = serialization.load_pem_private_key(
        (settings.keys_dir / "ca-key.pem").read_bytes(), password=None
    )
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the local CA key is not an EC key")
    dns = sorted({"localhost", *(n.lower() for n in names if n)})
    san = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in dns]
        + [x509.IPAddress(ipaddress.ip_address(i)) for i in ("127.0.0.1", "::1")]
    )
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = settings.keys_dir / "edge.pem"
    key_path = settings.keys_dir / "edge-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return cert_path, key_path


class AliasCertificates:
    """The ACM certificate a distribution names (`ViewerCertificate.AcmCertificateArn`),
    presented for its aliases by SNI, as CloudFront does; other names keep the edge's own
    certificate. Both come from the same local CA. `files` maps alias -> (cert, key)."""

    def __init__(self, files: dict[str, tuple[Path, Path]]) -> None:
        self.files = {name.lower(): paths for name, paths in files.items()}
        self._contexts: dict[str, ssl.SSLContext] = {}

    def sni_callback(
        self, sslobj: ssl.SSLObject, server_name: str | None, _default: ssl.SSLContext
    ) -> int | None:
        name = (server_name or "").lower()
        paths = self.files.get(name)
        if paths is None:
            return None
        context = self._contexts.get(name)
        if context is None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(paths[0]), str(paths[1]))
            self._contexts[name] = context
        sslobj.context = context
        return None
