"""A certificate from the local CA (`core.tls`) for a DomainName and its
SubjectAlternativeNames, kept as files beside the CA, by certificate id.

ACM-issued certificates are valid for 395 days and use the names exactly as requested
(wildcards included) (https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html).
The DNS validation record ACM asks for is a CNAME `_<hash>.<domain>` ->
`_<hash>.<hash>.acm-validations.aws.` (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html);
the hashes here are derived from the certificate and the name, so they are stable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import ensure_tls

VALID_DAYS = 395


def folder(settings: LocalSettings) -> Path:
    return settings.keys_dir / "acm"


def files(settings: LocalSettings, arn: str) -> tuple[Path, Path]:
    ident = arn.rsplit("/", 1)[-1]
    return folder(settings) / f"{ident}.pem", folder(settings) / f"{ident}-key.pem"


def issue(settings: LocalSettings, names: Sequence[str]) -> tuple[bytes, bytes, bytes]:
    """(certificate PEM, private key PEM, CA chain PEM) for `names` (first: the subject)."""
    ensure_tls(settings)
    ca_cert = x509.load_pem_x509_certificate(settings.ca_pem.read_bytes())
    ca_key = serialization.load_pem_private_key(
        (settings.keys_dir / "ca-key.pem").read_bytes(), password=None
    )
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the local CA key is not an EC key")
    unique = list(dict.fromkeys(n.lower() for n in names if n))
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, unique[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in unique]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, settings.ca_pem.read_bytes()


def save(settings: LocalSettings, arn: str, cert_pem: bytes, key_pem: bytes) -> None:
    cert_path, key_path = files(settings, arn)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_pem)


def validation_record(arn: str, domain: str) -> dict[str, str]:
    base = domain[2:] if domain.startswith("*.") else domain
    name_hash = hashlib.md5(f"name/{arn}/{base}".encode(), usedforsecurity=False).hexdigest()
    value_hash = hashlib.md5(f"value/{arn}/{base}".encode(), usedforsecurity=False).hexdigest()
    return {
        "Name": f"_{name_hash}.{base}.",
        "Type": "CNAME",
        "Value": f"_{value_hash}.{value_hash[:10]}.acm-validations.aws.",
    }
