"""Range requests answered from a cached object.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RangeGETs.html: CloudFront
serves byte ranges of cached objects with 206 Partial Content. Locally a miss fetches the
whole object once (then serves the range from it), where CloudFront may ask the origin for a
larger range; the viewer sees the same 206 either way.

RFC 9110 section 14.2: a Range header that does not parse is ignored (the full 200); one
range that starts past the end is 416 with `Content-Range: bytes */<length>`. Several
ranges are answered with the whole object (a server may ignore Range), not multipart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    def content_range(self, length: int) -> str:
        return f"bytes {self.start}-{self.end}/{length}"


class Unsatisfiable(Exception):
    """416: the range lies past the end of the object."""


def parse_range(header: str | None, length: int) -> ByteRange | None:
    """The one range to serve, None to serve the whole object; raises Unsatisfiable."""
    if not header or "," in header:
        return None
    match = _SPEC.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        if length == 0:
            raise Unsatisfiable
        return ByteRange(max(0, length - suffix), length - 1)
    start = int(first)
    end = int(last) if last else length - 1
    if last and end < start:
        return None  # syntactically invalid: ignored
    if start >= length:
        raise Unsatisfiable
    return ByteRange(start, min(end, length - 1))
