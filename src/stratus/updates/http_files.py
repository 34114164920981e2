"""HTTP semantics of a static file: validators, conditional requests and byte ranges.

Pure functions (no I/O), so the server stays a thin shell. From RFC 9110: strong ETags
compared weakly for If-None-Match (section 13.1.2), If-None-Match taking precedence over
If-Modified-Since (13.2.2), a single `bytes=` range (14.1.2: first-last, first-, -suffix),
416 with `Content-Range: bytes */size` when no range is satisfiable (15.5.17), If-Range
(13.1.5). Several ranges in one request are answered with the whole file (a server may
ignore Range, 14.2), as multipart/byteranges is not needed by update clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

MANIFEST_MAX_AGE = 60  # a new release shows within a minute
RELEASE_MAX_AGE = 31536000  # versioned names never change: a year, immutable
OTHER_MAX_AGE = 300


@dataclass(frozen=True)
class FileFacts:
    size: int
    mtime: int  # seconds
    etag: str  # quoted


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def _parse_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def cache_control(path: str) -> str:
    """The origin's Cache-Control, by kind of file (CloudFront's cache policy honours it)."""
    if path == "/manifest.json":
        return f"public, max-age={MANIFEST_MAX_AGE}"
    if path.startswith("/releases/"):
        return f"public, max-age={RELEASE_MAX_AGE}, immutable"
    return f"public, max-age={OTHER_MAX_AGE}"


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(
    facts: FileFacts, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """True when the client's copy is current (answer 304)."""
    if if_none_match is not None:
        tags = _etags(if_none_match)
        return "*" in tags or facts.etag.removeprefix("W/") in tags
    if if_modified_since is not None:
        since = _parse_date(if_modified_since)
        return since is not None and facts.mtime <= since
    return False


class Unsatisfiable(Exception):
    """No range of the request lies within the file (416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single satisfiable `bytes=` range; None for the whole
    file (no header, another unit, several ranges or a malformed one: RFC 9110 14.2 lets the
    server ignore those); Unsatisfiable when the range starts past the end."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first_text:  # suffix: the last N bytes
            suffix = int(last_text)
            if suffix <= 0:
                raise Unsatisfiable
            return (max(0, size - suffix), size - 1) if size else _raise()
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first < 0 or (last_text and last < first):
        return None
    if first >= size:
        raise Unsatisfiable
    return first, min(last, size - 1)


def _raise() -> tuple[int, int]:
    raise Unsatisfiable


def range_applies(facts: FileFacts, if_range: str | None) -> bool:
    """If-Range: honour Range only when the validator still matches (a strong ETag or the
    exact Last-Modified date); otherwise send the whole, changed file."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == facts.etag
    when = _parse_date(value)
    return when is not None and int(when) == facts.mtime
