"""The blog domain: posts, comments and subscribers, their limits and validation. Pure: no I/O.

The pydantic models are the single statement of the limits: Powertools validates request
bodies against them (a violation is a 400 naming the field) and the store keeps what they
accept. Slugs are the path segment of a post's static page (`/{lang}/posts/{slug}/`), so
they are restricted to lower-case letters, digits and single hyphens: nothing that could
climb out of the folder (`..`, `/`, `%2f`) or collide with a file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

LANGUAGES: tuple[str, ...] = ("en", "fr", "de")
Language = Literal["en", "fr", "de"]
DEFAULT_LANGUAGE: Language = "en"
PostStatus = Literal["draft", "published"]
SubscriberStatus = Literal["pending", "confirmed", "unsubscribed", "suppressed"]

SLUG_MAX = 80
TITLE_MAX = 200
BODY_MAX = 100_000  # Markdown characters; the API's body limit (256 KiB) bounds it too
TAG_MAX = 32
TAGS_MAX = 8
SUMMARY_MAX = 280
COMMENT_MAX = 2_000
NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321's path limit
AUTHOR_MAX = 100

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A deliberately plain address check (one @, a dotted domain, no spaces or angle brackets):
# SES refuses what it cannot deliver, and the double opt-in proves the rest.
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with seconds, e.g. `2026-01-02T03:04:05Z` (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def valid_slug(value: str) -> str:
    if len(value) > SLUG_MAX or not SLUG_RE.match(value):
        raise ValueError(
            "must be 1-80 lower-case letters, digits and single hyphens (e.g. my-first-post)"
        )
    return value


def normalise_tags(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in values:
        tag = raw.strip().lower()
        if len(tag) > TAG_MAX or not TAG_RE.match(tag):
            raise ValueError(f"tag {raw[:40]!r} must be lower-case letters, digits and hyphens")
        seen[tag] = None
    if len(seen) > TAGS_MAX:
        raise ValueError(f"at most {TAGS_MAX} tags")
    return list(seen)


def normalise_email(value: str) -> str:
    text = value.strip()
    if len(text) > EMAIL_MAX or not EMAIL_RE.match(text):
        raise ValueError("is not a valid e-mail address")
    # One subscriber per mailbox: addresses are compared (and stored) in lower case, as
    # virtually every mail system treats them, even though RFC 5321 allows otherwise.
    return text.lower()


Slug = Annotated[
    str, StringConstraints(strict=True, max_length=SLUG_MAX), AfterValidator(valid_slug)
]
Title = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=TITLE_MAX)
]
Body = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=BODY_MAX)]
Tags = Annotated[list[str], Field(max_length=TAGS_MAX * 4), AfterValidator(normalise_tags)]
TranslationKey = Annotated[
    str, StringConstraints(strict=True, max_length=SLUG_MAX), AfterValidator(valid_slug)
]


class PostCreate(BaseModel):
    """Body of `POST /api/admin/posts`: a new draft."""

    model_config = ConfigDict(extra="forbid")
    slug: Slug
    title: Title
    body: Body = Field(description="Markdown")
    lang: Language = DEFAULT_LANGUAGE
    tags: Tags = Field(default_factory=list)
    translation_key: TranslationKey | None = Field(
        default=None, description="shared by the translations of one post (default: the slug)"
    )


class PreviewRequest(BaseModel):
    """Body of `POST /api/admin/preview`."""

    model_config = ConfigDict(extra="forbid")
    body: Body = Field(description="Markdown")


class Preview(BaseModel):
    html: str = Field(description="the body rendered from Markdown and sanitised")


class PostUpdate(BaseModel):
    """Body of `PUT /api/admin/posts/{slug}`: the fields to change (slug and status stay)."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    body: Body | None = None
    lang: Language | None = None
    tags: Tags | None = None
    translation_key: TranslationKey | None = None


class Post(BaseModel):
    """A post as stored and as the API returns it."""

    slug: str
    title: str
    body: str
    html: str = Field(description="the body rendered from Markdown and sanitised")
    summary: str
    lang: Language
    tags: list[str]
    author: str
    status: PostStatus
    translation_key: str
    created_at: str
    updated_at: str
    published_at: str | None = None


class Translation(BaseModel):
    lang: Language
    slug: str
    title: str


class PostSummary(BaseModel):
    """One entry of a post list (no body)."""

    slug: str
    title: str
    summary: str
    lang: Language
    tags: list[str]
    author: str
    published_at: str
    translation_key: str

    @classmethod
    def of(cls, post: Post) -> PostSummary:
        return cls(**{name: getattr(post, name) for name in cls.model_fields})


class PostDetail(Post):
    translations: list[Translation] = Field(default_factory=list)


class PostPage(BaseModel):
    items: list[PostSummary]
    next: str | None = Field(default=None, description="opaque cursor of the next page")


class CommentCreate(BaseModel):
    """Body of `POST /api/posts/{slug}/comments`."""

    model_config = ConfigDict(extra="forbid")
    body: Annotated[
        str,
        StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=COMMENT_MAX),
    ]


class Comment(BaseModel):
    id: str
    slug: str
    author: str
    body: str
    html: str
    created_at: str


class CommentPage(BaseModel):
    items: list[Comment]
    next: str | None = None


class SubscriptionRequest(BaseModel):
    """Body of `POST /api/subscriptions`."""

    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, StringConstraints(strict=True, max_length=EMAIL_MAX + 10)]
    name: (
        Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=NAME_MAX)]
        | None
    ) = None
    lang: Language = DEFAULT_LANGUAGE

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(ch in value for ch in "<>\r\n") or any(ord(ch) < 32 for ch in value):
            raise ValueError("must not contain control characters or angle brackets")
        return value or None


class Subscriber(BaseModel):
    email: str
    name: str | None = None
    lang: Language
    status: SubscriberStatus
    created_at: str
    updated_at: str


class Accepted(BaseModel):
    status: str = "accepted"
    message: str


class SubscriptionStatus(BaseModel):
    email: str
    status: SubscriberStatus


class PublishResult(BaseModel):
    slug: str
    status: PostStatus
    changed: list[str] = Field(description="site paths written or deleted")
    invalidation_id: str | None = None
    invalidation_error: str | None = None


class ErrorBody(BaseModel):
    error: str
    message: str
    details: dict[str, Any] | None = None
