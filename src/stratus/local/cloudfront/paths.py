"""The request path as the edge uses it: dot segments resolved, never above the root.

RFC 3986 section 5.2.4 (remove_dot_segments) on the percent-encoded path, with `%2e` read as
`.` so an encoded `/%2e%2e/` cannot climb either; `..` at the root stays at the root, as
every HTTP server resolves it. A path that does not start with `/` (an absolute-form or
asterisk-form target) or holds a NUL is refused with 400.
"""

from __future__ import annotations

from urllib.parse import unquote

MAX_URL_BYTES = 8192  # "Maximum length of a URL" (cloudfront-limits.html): 414 beyond


class BadPath(ValueError):
    pass


def normalize(raw_path: str) -> str:
    if not raw_path.startswith("/") or "\x00" in raw_path or "%00" in raw_path:
        raise BadPath(raw_path)
    segments = raw_path.split("/")[1:]
    out: list[str] = []
    trailing = False
    for segment in segments:
        decoded = unquote(segment)
        if decoded == ".":
            trailing = True
            continue
        if decoded == "..":
            if out:
                out.pop()
            trailing = True
            continue
        out.append(segment)
        trailing = False
    path = "/" + "/".join(out)
    if trailing and not path.endswith("/"):
        path += "/"
    return path
