"""The local CA, downloadable from a page: `/_stratus/ca` (HTML with install steps),
`/_stratus/ca.pem` (PEM) and `/_stratus/ca.crt` (DER).

A phone cannot verify the gateway's HTTPS before it trusts the local CA, so the same page
is served over plain HTTP on the AWS endpoint too (`http://<host>:4566/_stratus/ca`); the
gateway serves it over HTTPS for a device that already trusts it (or a browser told to go
on). Only the public certificate is ever served; its key stays in `.stratus/keys/`.

The MIME types are the ones mobile OSes act on: iOS offers a configuration profile for
`application/x-x509-ca-cert`, Android's installer reads DER `.crt`
(https://developer.android.com/privacy-and-security/security-config and
https://support.apple.com/en-us/102390 for "Certificate Trust Settings").
"""

from __future__ import annotations

import hashlib
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.registry import PathRoute
from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import ca_der

PAGE_PATH = "/_stratus/ca"
PEM_TYPE = "application/x-pem-file"
DER_TYPE = "application/x-x509-ca-cert"
_PATTERN = r"^/_stratus/ca(?:\.pem|\.crt)?/?$"


def _page(settings: LocalSettings) -> str:
    der = ca_der(settings)
    fingerprint = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    fp = html.escape(fingerprint)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stratus local CA</title></head>
<body>
<h1>Trust the stratus local CA</h1>
<p>The local cloud's HTTPS servers (API gateway, AWS endpoint over HTTPS) use certificates
signed by this certificate authority, created on this machine. Install it only on devices
you use for development. Compare its SHA-256 fingerprint with
<code>stratus trust</code>'s output before trusting it:</p>
<p><code>{fp}</code></p>
<ul>
<li><a href="{PAGE_PATH}.pem" download="stratus-ca.pem">ca.pem</a>
 (PEM: macOS, Linux, Node, Python)</li>
<li><a href="{PAGE_PATH}.crt" download="stratus-ca.crt">ca.crt</a>
 (DER: iOS, Android, Windows)</li>
</ul>
<h2>iOS / iPadOS</h2>
<ol><li>Open this page in Safari and tap <b>ca.crt</b>; allow the profile download.</li>
<li>Settings &rarr; General &rarr; VPN &amp; Device Management &rarr; the downloaded profile
&rarr; Install.</li>
<li>Settings &rarr; General &rarr; About &rarr; Certificate Trust Settings &rarr; turn on full
trust for <i>stratus local CA</i>.</li></ol>
<h2>Android</h2>
<ol><li>Download <b>ca.crt</b>.</li>
<li>Settings &rarr; Security &rarr; Encryption &amp; credentials &rarr; Install a certificate
&rarr; CA certificate &rarr; choose the file.</li>
<li>Apps trust user CAs only when their network security config says so (debug builds:
<code>&lt;debug-overrides&gt;&lt;trust-anchors&gt;&lt;certificates src="user"/&gt;</code>).
</li></ol>
<h2>macOS</h2>
<pre>sudo security add-trusted-cert -d -r trustRoot \\
  -k /Library/Keychains/System.keychain stratus-ca.pem</pre>
<h2>Windows</h2>
<pre>certutil -addstore -f Root stratus-ca.crt</pre>
<p>(an administrator prompt; or double-click the file &rarr; Install Certificate &rarr; Local
Machine &rarr; Trusted Root Certification Authorities).</p>
<h2>Linux</h2>
<pre>sudo cp stratus-ca.pem /usr/local/share/ca-certificates/stratus-local-ca.crt
sudo update-ca-certificates</pre>
<p>On the machine running the cloud, <code>stratus trust</code> prints every step (Python,
Node, browsers) and <code>stratus trust --install</code> performs them.</p>
</body></html>
"""


def ca_response(settings: LocalSettings, path: str) -> Response:
    """What `/_stratus/ca`, `/_stratus/ca.pem` or `/_stratus/ca.crt` answers."""
    path = path.rstrip("/")
    if path.endswith(".pem"):
        return Response(
            settings.ca_pem.read_bytes(),
            media_type=PEM_TYPE,
            headers={"Content-Disposition": 'attachment; filename="stratus-ca.pem"'},
        )
    if path.endswith(".crt"):
        return Response(
            ca_der(settings),
            media_type=DER_TYPE,
            headers={"Content-Disposition": 'attachment; filename="stratus-ca.crt"'},
        )
    return HTMLResponse(_page(settings))


def gateway_routes(settings: LocalSettings) -> list[BaseRoute]:
    """The page and files as Starlette routes (the gateway's extra routes)."""

    async def serve(request: Request) -> Response:
        return ca_response(settings, request.url.path)

    return [Route(p, serve, methods=["GET", "HEAD"]) for p in _paths()]


def endpoint_route(settings: LocalSettings) -> PathRoute:
    """The page and files as a path route of the AWS endpoint (plain HTTP and HTTPS)."""

    async def serve(request: AwsRequest) -> Response:
        return ca_response(settings, request.path)

    return PathRoute(frozenset({"GET", "HEAD"}), _PATTERN, serve)


def _paths() -> list[str]:
    return [PAGE_PATH, f"{PAGE_PATH}/", f"{PAGE_PATH}.pem", f"{PAGE_PATH}.crt"]
