"""Lambda@Edge, viewer request, on the site's default behaviour: `www` to the apex, the
reader's language, and the page URLs S3 cannot resolve by itself.

Self-contained on purpose (standard library only, no environment variables: Lambda@Edge has
none), so its asset is this directory alone and a viewer function stays far below 1 MB.

- `www.<apex>` answers 301 to `https://<apex><same path and query>` (the local edge does not
  run CloudFront Functions, so the redirect lives here, in Python, and runs locally too).
- The language is the `lang` cookie when it names a site language, else the best
  `Accept-Language` range by q-value (`fr-CA;q=0.8` counts as `fr`; `q=0` refuses), else `en`.
- `/` answers 302 to `/<lang>/`: the address bar then shows a shareable, language-bearing
  URL, and a 302 (with `Cache-Control: no-store`) is never cached, so a reader who switches
  language is not stuck with the old choice.
- Other pages without a language (`/posts/x/`, `/tags/y/`) are rewritten (no round trip) to
  `/<lang>/...`; URLs of pages (`/fr/posts/x/`, `/fr/posts/x`) are rewritten to their
  `index.html` object, as S3 behind OAC has no index documents. Files with an extension
  (`/index.html`, `/404.html`, `/fr/feed.xml`, assets) pass unchanged.

Because the language ends up in the URI before the cache lookup, the cache key needs neither
`Accept-Language` nor cookies: each language is cached apart, and no reader's header
variants fragment the cache.
"""

from __future__ import annotations

from typing import Any

LANGS = ("en", "fr", "de")
DEFAULT_LANG = "en"
COOKIE = "lang"


def language(headers: dict[str, list[dict[str, str]]]) -> str:
    """The reader's language: the `lang` cookie, then Accept-Language q-values, then `en`."""
    for cookie in headers.get("cookie", []):
        for part in cookie.get("value", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value.strip().lower() in LANGS:
                return value.strip().lower()
    order = 0
    ranked: list[tuple[float, int, str]] = []
    for entry in headers.get("accept-language", []):
        for item in entry.get("value", "").split(","):
            tag, *params = (p.strip() for p in item.split(";"))
            q = 1.0
            for param in params:
                key, _, val = param.partition("=")
                if key.strip().lower() == "q":
                    try:
                        q = float(val)
                    except ValueError:
                        q = 0.0
            code = tag.lower().split("-")[0]
            if code in LANGS and q > 0:
                ranked.append((q, -order, code))
            order += 1
    return max(ranked)[2] if ranked else DEFAULT_LANG


def _redirect(status: str, description: str, location: str) -> dict[str, Any]:
    return {
        "status": status,
        "statusDescription": description,
        "headers": {
            "location": [{"key": "Location", "value": location}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
            "vary": [{"key": "Vary", "value": "Accept-Language, Cookie"}],
        },
    }


def _page_object(uri: str) -> str:
    """`/x/` -> `/x/index.html`; `/x` (no extension) -> `/x/index.html`; files unchanged."""
    if uri.endswith("/"):
        return f"{uri}index.html"
    last = uri.rsplit("/", 1)[-1]
    return uri if "." in last else f"{uri}/index.html"


def rewrite(request: dict[str, Any]) -> dict[str, Any]:
    """The request with its URI rewritten, or a redirect response."""
    headers = request.get("headers") or {}
    uri = str(request.get("uri") or "/")
    query = str(request.get("querystring") or "")
    host = next((h.get("value", "") for h in headers.get("host", [])), "").lower()
    if host.startswith("www."):
        suffix = f"?{query}" if query else ""
        return _redirect("301", "Moved Permanently", f"https://{host[4:]}{uri}{suffix}")
    if uri == "/":
        return _redirect("302", "Found", f"/{language(headers)}/")
    first = uri.split("/")[1]
    if first in LANGS:
        request["uri"] = _page_object(uri)
        return request
    page = _page_object(uri)
    if page != uri:  # a language-less page: serve the reader's language
        request["uri"] = f"/{language(headers)}{page}"
    return request


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request: dict[str, Any] = event["Records"][0]["cf"]["request"]
    return rewrite(request)
