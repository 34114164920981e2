"""The local certificate authority and the gateway's server certificate.

Browsers, httpx and boto3 talk to the local gateway over real HTTPS, so the local cloud
needs a certificate they can verify: a CA created once per state directory (its PEM at
`.stratus/ca.pem`, for `verify=` / `SSL_CERT_FILE` / a browser's trust store) and a server
certificate for 127.0.0.1, localhost and ::1 that it signs — and, with `stratus up --lan`,
for the machine's LAN address too, so a phone that trusts the CA verifies it (a changed
address re-issues the server certificate; the CA stays, so nothing is trusted twice).
`cryptography` does all the X.509 work; only the reuse rules (keep what is valid, renew
what is expiring) are ours.

A server that also answers for other names (the gateway's custom domain names) chooses its
certificate by SNI: :class:`DomainCertificates` issues one per name from the same CA, kept
beside the server certificate, and its `sni_callback` hands the TLS handshake that name's
context — so `curl --resolve api.example.test:PORT:127.0.0.1 --cacert ca.pem` verifies.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import ssl
import threading
from collections.abc import Callable, Collection
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

    ips = server_ips(settings)
    if not _server_cert_usable(files, ca_cert, current, ips):
        server_key = ec.generate_private_key(ec.SECP256R1())
        cert = _make_server_cert(server_key, ca_cert, ca_key, current, ips=ips)
        _write_key(files.key_pem, server_key)
        files.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def server_ips(settings: LocalSettings) -> tuple[str, ...]:
    """The IP addresses the server certificate names: the loopback ones, and the address
    URLs name when it is another (`--lan`)."""
    extra = () if not settings.lan else (str(ipaddress.ip_address(settings.host)),)
    return tuple(dict.fromkeys((*SERVER_IPS, *extra)))


def ca_der(settings: LocalSettings) -> bytes:
    """The local CA certificate in DER (`.crt`: what Android and Windows install)."""
    cert = x509.load_pem_x509_certificate(settings.ca_pem.read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


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


def _server_cert_usable(
    files: TlsFiles, ca_cert: x509.Certificate, now: dt.datetime, want_ips: Collection[str]
) -> bool:
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
    return dns == set(SERVER_DNS_NAMES) and ips == {str(ipaddress.ip_address(i)) for i in want_ips}


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
    dns_names: Collection[str] = SERVER_DNS_NAMES,
    ips: Collection[str] = SERVER_IPS,
    days: int = SERVER_DAYS,
    client_auth: bool = False,
) -> x509.Certificate:
    san = x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in dns_names]
        + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    )
    common_name = next(iter(dns_names), "localhost")
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]
                + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else [])
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def issue_certificate(
    settings: LocalSettings,
    dns_names: Collection[str],
    ips: Collection[str] = (),
    *,
    days: int = SERVER_DAYS,
    client_auth: bool = False,
) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for `dns_names` (the first is the subject) and
    `ips`, signed by the local CA (created on a first run), for the services that issue
    their own: the CloudFront edge, ACM."""
    now = dt.datetime.now(dt.UTC)
    ensure_tls(settings, now=now)
    ca_cert, ca_key = _load_ca(settings.ca_pem, settings.keys_dir / "ca-key.pem", now)
    if ca_cert is None or ca_key is None:
        raise RuntimeError("the local CA could not be loaded")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _make_server_cert(key, ca_cert, ca_key, now, dns_names, ips, days, client_auth)
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def write_private(path: Path, data: bytes) -> None:
    """A private key file, readable by its owner only from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    write_private(path, _key_pem(key))


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


# -- certificates for other names, chosen by SNI ---------------------------------------
_SAFE_NAME = re.compile(r"[^a-z0-9.-]")


class DomainCertificates:
    """Server certificates for extra DNS names, signed by the local CA and chosen by SNI.

    `names` says which names may have one (a callable, so the set can follow the
    deployment); a handshake for any other name keeps the default certificate. Each
    certificate is issued on first use (or reused from disk while valid) and its
    `ssl.SSLContext` cached.
    """

    def __init__(
        self,
        settings: LocalSettings,
        names: Callable[[], Collection[str]],
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.settings = settings
        self.names = names
        self.clock = clock
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def files_for(self, name: str) -> TlsFiles:
        folder = self.settings.keys_dir / "domains"
        safe = _SAFE_NAME.sub("_", name.lower())
        return TlsFiles(self.settings.ca_pem, folder / f"{safe}.pem", folder / f"{safe}-key.pem")

    def ensure(self, name: str) -> TlsFiles:
        """Issue (or reuse) the certificate for `name`; return its files."""
        name = name.lower()
        now = self.clock()
        ensure_tls(self.settings, now=now)  # the CA
        ca_cert, ca_key = _load_ca(self.settings.ca_pem, self.settings.keys_dir / "ca-key.pem", now)
        if ca_cert is None or ca_key is None:
            raise RuntimeError("the local CA could not be loaded")
        files = self.files_for(name)
        if not _cert_usable(files, ca_cert, now, {name}, set()):
            files.cert_pem.parent.mkdir(parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _make_server_cert(key, ca_cert, ca_key, now, (name,), ())
            _write_key(files.key_pem, key)
            files.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return files

    def context_for(self, name: str) -> ssl.SSLContext | None:
        name = name.lower()
        if name not in {n.lower() for n in self.names()}:
            return None
        with self._lock:
            found = self._contexts.get(name)
            if found is None:
                files = self.ensure(name)
                found = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                found.load_cert_chain(str(files.cert_pem), str(files.key_pem))
                self._contexts[name] = found
            return found

    def sni_callback(
        self, sslobj: ssl.SSLObject, server_name: str | None, _default: ssl.SSLContext
    ) -> int | None:
        """For `SSLContext.sni_callback`: switch the handshake to the name's certificate."""
        if server_name:
            context = self.context_for(server_name)
            if context is not None:
                sslobj.context = context
        return None


def _cert_usable(
    files: TlsFiles, ca_cert: x509.Certificate, now: dt.datetime, dns: set[str], ips: set[str]
) -> bool:
    if not files.cert_pem.exists() or not files.key_pem.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.cert_pem.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    if cert.issuer != ca_cert.subject or cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    have_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return set(san.get_values_for_type(x509.DNSName)) == dns and have_ips == ips
