"""Which mapping template applies, and integration passthrough behaviour.

Request: https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
— the template is chosen by the request's ``Content-Type`` (its media type only; absent means
``application/json``). With no template for it, ``WHEN_NO_MATCH`` passes the payload through
untransformed; ``WHEN_NO_TEMPLATES`` passes it through only when the integration has no
template at all, and otherwise rejects with 415 Unsupported Media Type; ``NEVER`` rejects
with 415 whenever no template matches (both tables of that page).

Response: https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
("Select a VTL Mapping Template") — chosen by the request's ``Accept`` (absent means
``application/json``); with no match, ``application/json``'s template, else the first one;
with no templates, the payload passes through. An empty template also passes the payload
through ("To return the response payload unmapped instead, you must set up an empty
template").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from stratus.local.gateway.errors import GatewayError

__all__ = [
    "UNSUPPORTED_MEDIA_TYPE",
    "PassthroughBehavior",
    "TemplateChoice",
    "UnsupportedMediaType",
    "media_type",
    "select_request_template",
    "select_response_template",
]

DEFAULT_MEDIA_TYPE = "application/json"

# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
# UNSUPPORTED_MEDIA_TYPE: 415 "when a payload is of an unsupported media type, if strict
# passthrough behavior is enabled".
UNSUPPORTED_MEDIA_TYPE = GatewayError(
    "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type", "BadRequestException"
)


class PassthroughBehavior(StrEnum):
    WHEN_NO_MATCH = "WHEN_NO_MATCH"  # AWS's default
    WHEN_NO_TEMPLATES = "WHEN_NO_TEMPLATES"
    NEVER = "NEVER"


class UnsupportedMediaType(Exception):
    """The gateway answers :data:`UNSUPPORTED_MEDIA_TYPE` (415)."""

    error = UNSUPPORTED_MEDIA_TYPE

    def __init__(self, content_type: str) -> None:
        super().__init__(f"no mapping template for {content_type!r}")
        self.content_type = content_type


@dataclass(frozen=True)
class TemplateChoice:
    """``template`` is None when the payload passes through unmapped; ``content_type`` is the
    key that selected it (for a response, the method response's Content-Type)."""

    template: str | None
    content_type: str


def media_type(header: str | None) -> str:
    """The media type of a Content-Type/Accept value, lower-cased, parameters dropped
    ("Only the MIME type is used"); absent or blank → ``application/json``."""
    value = (header or "").split(";", 1)[0].strip().lower()
    return value or DEFAULT_MEDIA_TYPE


def _lookup(templates: Mapping[str, str], key: str) -> tuple[str, str] | None:
    for name, template in templates.items():
        if name.strip().lower() == key:
            return name, template
    return None


def _usable(template: str | None) -> str | None:
    return template if template is not None and template.strip() else None


def select_request_template(
    templates: Mapping[str, str] | None,
    content_type: str | None,
    passthrough: str | None = PassthroughBehavior.WHEN_NO_MATCH,
) -> TemplateChoice:
    """The request template for this Content-Type, or passthrough; raises
    :class:`UnsupportedMediaType` where AWS answers 415."""
    behavior = PassthroughBehavior(passthrough or PassthroughBehavior.WHEN_NO_MATCH)
    key = media_type(content_type)
    found = _lookup(templates or {}, key)
    if found is not None:
        return TemplateChoice(_usable(found[1]), found[0])
    if behavior is PassthroughBehavior.WHEN_NO_MATCH or (
        behavior is PassthroughBehavior.WHEN_NO_TEMPLATES and not templates
    ):
        return TemplateChoice(None, key)
    raise UnsupportedMediaType(key)


def select_response_template(
    templates: Mapping[str, str] | None, accept: str | None
) -> TemplateChoice:
    """The response template for the request's Accept header, or passthrough."""
    if not templates:
        return TemplateChoice(None, media_type(accept))
    wanted = [media_type(part) for part in (accept or "").split(",") if part.strip()]
    for key in [k for k in wanted if "*" not in k] + [DEFAULT_MEDIA_TYPE]:
        found = _lookup(templates, key)
        if found is not None:
            return TemplateChoice(_usable(found[1]), found[0])
    name, template = next(iter(templates.items()))
    return TemplateChoice(_usable(template), name)
