"""The certificates an HTTPS listener presents, all from the local CA.

On AWS a listener presents its default certificate, or by SNI the one of its certificate
list whose names match the requested host
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html).
Locally the default certificate is issued at start for the load balancer's local DNS name,
localhost, the loopback addresses and every name of the listener's ACM certificates (so
a client reaching it by any of them verifies against `.stratus/ca.pem`); a server name
that one of the listener's ACM certificates covers gets that certificate itself, as issued
by the local ACM (the one `acm get-certificate` returns).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import SERVER_DAYS, SERVER_IPS, issue_certificate, write_private
from stratus.local.elbv2.rules import wildcard_match


def issue_listener_certificate(
    settings: LocalSettings, key: str, names: Sequence[str]
) -> tuple[Path, Path]:
    """(certificate, key) for `names` plus localhost and loopback, kept as keys/alb-<key>."""
    dns = list(dict.fromkeys(["localhost", *(n.lower() for n in names if n)]))
    cert_pem, key_pem = issue_certificate(settings, dns, SERVER_IPS, days=SERVER_DAYS)
    folder = settings.keys_dir / "alb"
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{key}.pem", folder / f"{key}-key.pem"
    cert_path.write_bytes(cert_pem)
    write_private(key_path, key_pem)
    return cert_path, key_path


class SniCertificates:
    """Server name -> the ACM certificate (files) whose names cover it."""

    def __init__(self, certificates: Sequence[tuple[Sequence[str], Path, Path]]) -> None:
        self.certificates = list(certificates)
        self._contexts: dict[Path, ssl.SSLContext] = {}

    def find(self, server_name: str) -> tuple[Path, Path] | None:
        name = server_name.lower()
        for names, cert, key in self.certificates:
            for pattern in names:
                pattern = pattern.lower()
                if pattern.startswith("*."):
                    if "." in name and name.split(".", 1)[1] == pattern[2:]:
                        return cert, key
                elif wildcard_match(pattern, name, ignore_case=True):
                    return cert, key
        return None

    def sni_callback(
        self, sslobj: ssl.SSLObject, server_name: str | None, _default: ssl.SSLContext
    ) -> int | None:
        found = self.find(server_name or "")
        if found is None:
            return None
        context = self._contexts.get(found[0])
        if context is None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(found[0]), str(found[1]))
            self._contexts[found[0]] = context
        sslobj.context = context
        return None
