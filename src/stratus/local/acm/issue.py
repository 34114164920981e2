"""A certificate from the local CA (`core.tls`) for a DomainName and its
SubjectAlternativeNames, kept as files beside the CA, by certificate id.

ACM-issued certificates are valid for 395 days and use the names exactly as requested
(wildcards included) (https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html).
The DNS validation record ACM asks for is a CNAME `_<hash>.<domain>` ->
`_<hash>.<hash>.acm-validations.aws.` (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html);
the hashes here are derived from the certificate and the name, so they are stable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import issue_certificate, write_private

VALID_DAYS = 395


def folder(settings: LocalSettings) -> Path:
    return settings.keys_dir / "acm"


def files(settings: LocalSettings, arn: str) -> tuple[Path, Path]:
    ident = arn.rsplit("/", 1)[-1]
    return folder(settings) / f"{ident}.pem", folder(settings) / f"{ident}-key.pem"


def issue(settings: LocalSettings, names: Sequence[str]) -> tuple[bytes, bytes, bytes]:
    """(certificate PEM, private key PEM, CA chain PEM) for `names` (first: the subject)."""
    unique = list(dict.fromkeys(n.lower() for n in names if n))
    cert_pem, key_pem = issue_certificate(settings, unique, days=VALID_DAYS, client_auth=True)
    return cert_pem, key_pem, settings.ca_pem.read_bytes()


def save(settings: LocalSettings, arn: str, cert_pem: bytes, key_pem: bytes) -> None:
    cert_path, key_path = files(settings, arn)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert_pem)
    write_private(key_path, key_pem)


def validation_record(arn: str, domain: str) -> dict[str, str]:
    base = domain[2:] if domain.startswith("*.") else domain
    name_hash = hashlib.md5(f"name/{arn}/{base}".encode(), usedforsecurity=False).hexdigest()
    value_hash = hashlib.md5(f"value/{arn}/{base}".encode(), usedforsecurity=False).hexdigest()
    return {
        "Name": f"_{name_hash}.{base}.",
        "Type": "CNAME",
        "Value": f"_{value_hash}.{value_hash[:10]}.acm-validations.aws.",
    }
