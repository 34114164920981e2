"""What moto works out several times per S3 request from the request alone, worked out once
(moto 5.2.5).

What upstream lacks: `Request.raw_url` is a property that rebuilds werkzeug's URL root (host
lookup, IRI conversion) and the raw path on every access, three times for an S3 object
request (the dispatcher, `setup_class` twice over); `S3Response.subdomain_based_buckets`
(an environment read and up to eight regular expressions over the Host header) is asked five
times. Measured in-process (MotoApp.call, thread CPU time, 3 alternating runs of 1,000 calls,
this shared 2-core VM): a 10 KB PutObject 426-475 -> 400-436 us, GetObject 333-398 -> 328-371.

The patch keeps each answer on the request object the first time it is asked, and the raw
URL also across requests, by the request facts it is built from (`_url_key`): most requests
repeat one URL (every DynamoDB call is `POST /`), and werkzeug's URL root costs ~20 us. They depend
on the request's environ (which nothing changes once moto has the request) and on settings
read at the time (fixed for the length of one request), so every later ask in the same
request gets what moto would have worked out again; the next request starts empty (but for
the raw URL of the same facts, below).

Upstream note: `functools.cached_property` for `Request.raw_url`; S3Response could keep
`subdomain_based_buckets(self.request)` per request as it keeps `self.bucket_name`.
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_stratus_request_memo"
_URL = "_stratus_raw_url"
_SUBDOMAIN = "_stratus_subdomain_buckets"


def install() -> None:
    from moto.core.request import Request
    from moto.s3.responses import S3Response

    current = Request.__dict__["raw_url"]
    if getattr(current.fget, _PATCHED, False):
        return
    original_url = current.fget
    original_subdomain = S3Response.__dict__["subdomain_based_buckets"].__func__

    def raw_url(self: Any) -> str:
        memo = self.__dict__
        found = memo.get(_URL)
        if found is None:
            key = _url_key(self)
            found = _URLS.get(key)
            if found is None:
                found = original_url(self)
                if len(_URLS) >= _MAX_URLS:
                    _URLS.clear()
                _URLS[key] = found
            memo[_URL] = found
        return str(found)

    def subdomain_based_buckets(request: Any) -> bool:
        target = _unwrapped(request)
        memo = getattr(target, "__dict__", None)
        if memo is None:
            return bool(original_subdomain(request))
        found = memo.get(_SUBDOMAIN)
        if found is None:
            found = memo[_SUBDOMAIN] = bool(original_subdomain(request))
        return bool(found)

    for patched, original in (
        (raw_url, original_url),
        (subdomain_based_buckets, original_subdomain),
    ):
        setattr(patched, _PATCHED, True)
        setattr(patched, "__wrapped__", original)  # noqa: B010
    Request.raw_url = property(raw_url)  # type: ignore[assignment,method-assign]
    S3Response.subdomain_based_buckets = staticmethod(subdomain_based_buckets)  # type: ignore[method-assign]


_URLS: dict[tuple[Any, ...], str] = {}
_MAX_URLS = 4096


def _url_key(request: Any) -> tuple[Any, ...]:
    """Everything `Request.raw_url` reads: werkzeug's URL root (scheme, Host header, server,
    script root, trusted hosts) and moto's raw path and query string."""
    trusted = request.trusted_hosts
    return (
        type(request),
        request.scheme,
        request.environ.get("HTTP_HOST"),
        request.server,
        request.root_path,
        request.environ.get("RAW_URI"),
        request.path,
        request.query_string,
        tuple(trusted) if trusted is not None else None,
    )


def _unwrapped(request: Any) -> Any:
    """The request behind werkzeug's context proxy (Flask's `request`), else itself."""
    from werkzeug.local import LocalProxy

    return request._get_current_object() if isinstance(request, LocalProxy) else request
