"""The edge's server certificate: every distribution domain and alias, signed by the local CA.

CloudFront serves each distribution with its default `*.cloudfront.net` certificate or the
ACM certificate of its aliases (SNI). Locally one certificate issued at start lists every
name the edge answers for (plus localhost and the loopback addresses), signed by the same
local CA as the gateway's (`core.tls`: `.stratus/ca.pem`), so a client that trusts that CA
trusts the edge. It is re-issued at every start, so new aliases are always in it.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from pathlib import Path

from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import SERVER_DAYS, SERVER_IPS, issue_certificate, write_private


def issue_edge_certificate(settings: LocalSettings, names: Iterable[str]) -> tuple[Path, Path]:
    """(certificate, key) paths for a certificate naming `names`, localhost and loopback."""
    dns = sorted({"localhost", *(n.lower() for n in names if n)})
    cert_pem, key_pem = issue_certificate(settings, dns, SERVER_IPS, days=SERVER_DAYS)
    cert_path = settings.keys_dir / "edge.pem"
    key_path = settings.keys_dir / "edge-key.pem"
    cert_path.write_bytes(cert_pem)
    write_private(key_path, key_pem)
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
