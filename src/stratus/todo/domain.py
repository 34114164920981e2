"""The to-do domain: request/response models, their limits, ids and ETags. Pure: no I/O.

The pydantic models are the single statement of the limits: Powertools validates request
bodies against them (a violation is a 400 naming the field, see runtime/responses.py) and
the OpenAPI document is generated from them.

Ids are ULIDs (48-bit millisecond clock + 80 random bits, Crockford base32) so that the
sort key `todo#<id>` orders by creation time; within one millisecond the generator is
monotonic (random part + 1), so SK order == creation order inside a container as well.
No ULID library is in the Lambda bundle's allowed dependencies, and the format is 20 lines.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

TITLE_MAX = 200
NOTES_MAX = 4000
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. `2025-01-02T03:04:05.678Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso_8601(value: str) -> str:
    """Accept an ISO-8601 date or datetime; store it normalised."""
    text = value.strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError("must be an ISO-8601 date or datetime") from None


Title = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=TITLE_MAX)
]
Notes = Annotated[str, StringConstraints(strict=True, max_length=NOTES_MAX)]
Due = Annotated[
    str,
    StringConstraints(strict=True, max_length=64),
    AfterValidator(_iso_8601),
    Field(description="ISO-8601 date (2025-01-31) or datetime (2025-01-31T09:00:00+01:00)"),
]


class TodoCreate(BaseModel):
    """Body of `POST /todos`."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    notes: Notes | None = None
    due: Due | None = None


class TodoPatch(BaseModel):
    """Body of `PATCH /todos/{id}`: any subset; `notes`/`due` may be null to clear them."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    notes: Notes | None = None
    due: Due | None = None
    done: StrictBool | None = None

    @field_validator("title", "done", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> TodoPatch:
        if not self.model_fields_set:
            raise ValueError("a patch must change at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent (None means 'clear')."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Todo(BaseModel):
    id: str
    title: str
    notes: str | None = None
    due: str | None = None
    done: bool = False
    created_at: str
    updated_at: str
    version: int = Field(ge=1)


class TodoPage(BaseModel):
    items: list[Todo]
    next: str | None = Field(None, description="opaque cursor for the next page, or null")


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strict=True, min_length=1)]
    content_type: Annotated[str, StringConstraints(strict=True, min_length=3, max_length=255)]
    size: int = Field(strict=True, ge=1)


class UploadUrl(BaseModel):
    key: str
    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    expires_at: str


class FileItem(BaseModel):
    name: str
    size: int
    last_modified: str
    etag: str


class FilePage(BaseModel):
    items: list[FileItem]
    next: str | None = None


class DownloadUrl(BaseModel):
    url: str
    expires_at: str


class ErrorBody(BaseModel):
    error: str
    message: str
    details: dict[str, Any] | None = None
    request_id: str | None = None


# --- ETags -----------------------------------------------------------------------------


def etag(version: int) -> str:
    """Strong ETag for a to-do version: `"3"`."""
    return f'"{version}"'


IfMatch = Literal["*"] | tuple[int, ...]


def parse_if_match(header: str | None) -> IfMatch | None:
    """`None` (no precondition), `"*"`, or the versions named by strong tags.

    If-Match uses strong comparison (RFC 9110 13.1.1), so weak tags `W/"3"` and garbage match
    nothing: an empty tuple, which the store turns into 412 for an existing to-do."""
    if header is None:
        return None
    if header.strip() == "*":
        return "*"
    versions: list[int] = []
    for tag in header.split(","):
        tag = tag.strip()
        if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.append(int(tag[1:-1]))
    return tuple(versions[:10])


# --- ids ---------------------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _b32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        out.append(_CROCKFORD[digit])
    return "".join(reversed(out))


class IdGenerator:
    """Monotonic ULIDs from an injected clock and randomness source."""

    def __init__(
        self, clock: Clock = utc_now, random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        self._clock = clock
        self._random = random_bytes
        self._last_ms = -1
        self._last_rand = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            ms = int(self._clock().timestamp() * 1000)
            if ms <= self._last_ms:
                ms, rand = self._last_ms, self._last_rand + 1
                if rand >= 1 << 80:  # 2^80 ids in one millisecond: borrow the next one
                    ms, rand = ms + 1, 0
            else:
                rand = int.from_bytes(self._random(10), "big")
            self._last_ms, self._last_rand = ms, rand
            return _b32(ms, 10) + _b32(rand, 16)


def is_todo_id(value: str) -> bool:
    return len(value) == 26 and all(ch in _CROCKFORD for ch in value)
