"""The load balancer's own answers: its error pages and the responses of its actions.

An ALB answers errors it generates itself with a short HTML page and `Server: awselb/2.0`
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html):
502 when the target closed the connection, refused it or sent a malformed response, 503
when the target group has no target to send to, 504 when the target did not answer within
the load balancer's idle timeout or could not be connected to in 10 seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

SERVER = (b"server", b"awselb/2.0")
TITLES = {
    301: "301 Moved Permanently",
    302: "302 Found",
    400: "400 Bad Request",
    403: "403 Forbidden",
    405: "405 Method Not Allowed",
    413: "413 Request Entity Too Large",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}

Headers = list[tuple[bytes, bytes]]


def error_page(status: int) -> tuple[Headers, bytes]:
    title = TITLES.get(status, f"{status} Error")
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    return own_headers(b"text/html", len(body)), body


def own_headers(
    content_type: bytes, length: int, extra: Iterable[tuple[bytes, bytes]] = ()
) -> Headers:
    return [
        SERVER,
        (b"content-type", content_type),
        (b"content-length", str(length).encode()),
        *extra,
    ]
