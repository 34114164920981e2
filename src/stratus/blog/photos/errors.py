"""Why an upload is rejected: a reason code the author's client can show, and a detail.

A rejection is an outcome, not a failure: the handler records it on the original (object
tags) and returns normally, so it never reaches the dead-letter queue. Anything else that
goes wrong raises and is retried by Lambda, then lands in the DLQ.
"""

from __future__ import annotations

from enum import StrEnum

from stratus.runtime.errors import StratusError


class Reason(StrEnum):
    TOO_LARGE = "too-large"  # more bytes than the limit
    NOT_AN_IMAGE = "not-an-image"  # no supported image format recognised in the bytes
    TOO_MANY_PIXELS = "too-many-pixels"  # dimensions over the limit (decompression bomb)
    CORRUPT = "corrupt"  # recognised, but truncated or undecodable
    UNSAFE = "unsafe"  # moderation labels found


class PhotoRejected(StratusError):
    status = 422
    code = "PhotoRejected"

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message, details={"reason": reason.value})
        self.reason = reason
