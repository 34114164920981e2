"""Template selection and passthrough: both tables of the passthrough behaviours page."""

from __future__ import annotations

import pytest

from stratus.local.gateway.mapping.selection import (
    UNSUPPORTED_MEDIA_TYPE,
    TemplateChoice,
    UnsupportedMediaType,
    media_type,
    select_request_template,
    select_response_template,
)

JSON_ONLY = {"application/json": "J"}
XML_ONLY = {"application/xml": "X"}


@pytest.mark.parametrize("behavior", ["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"])
@pytest.mark.parametrize(
    "content_type", [None, "application/json", "application/json; charset=UTF-8"]
)
def test_example_1_json_template_transforms_json_and_untyped_requests(
    behavior: str, content_type: str | None
) -> None:
    assert select_request_template(JSON_ONLY, content_type, behavior).template == "J"


def test_example_1_xml_request_passes_through_when_no_match() -> None:
    choice = select_request_template(JSON_ONLY, "application/xml", "WHEN_NO_MATCH")
    assert choice == TemplateChoice(None, "application/xml")


@pytest.mark.parametrize("behavior", ["WHEN_NO_TEMPLATES", "NEVER"])
def test_example_1_xml_request_is_415_when_strict(behavior: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        select_request_template(JSON_ONLY, "application/xml", behavior)
    assert caught.value.error is UNSUPPORTED_MEDIA_TYPE
    assert (caught.value.error.status, caught.value.error.message) == (
        415,
        "Unsupported Media Type",
    )


@pytest.mark.parametrize("content_type", [None, "application/json"])
def test_example_2_json_request_against_xml_template(content_type: str | None) -> None:
    assert select_request_template(XML_ONLY, content_type, "WHEN_NO_MATCH").template is None
    for strict in ("WHEN_NO_TEMPLATES", "NEVER"):
        with pytest.raises(UnsupportedMediaType):
            select_request_template(XML_ONLY, content_type, strict)


def test_example_2_xml_request_is_transformed_under_every_behaviour() -> None:
    for behavior in ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"):
        assert select_request_template(XML_ONLY, "application/xml", behavior).template == "X"


def test_no_templates_passes_through_unless_never() -> None:
    assert select_request_template({}, "text/plain", "WHEN_NO_TEMPLATES").template is None
    assert select_request_template(None, "text/plain", None).template is None
    with pytest.raises(UnsupportedMediaType):
        select_request_template({}, "text/plain", "NEVER")


def test_unknown_passthrough_behaviour_is_rejected() -> None:
    with pytest.raises(ValueError):
        select_request_template(JSON_ONLY, None, "SOMETIMES")


def test_media_type_ignores_parameters_and_case() -> None:
    assert media_type("Application/JSON; charset=UTF-8") == "application/json"
    assert media_type("") == "application/json"
    assert media_type(None) == "application/json"


def test_empty_template_passes_payload_through() -> None:
    assert select_request_template({"application/json": " "}, None).template is None
    assert select_response_template({"application/json": ""}, None).template is None


def test_response_template_by_accept_then_json_then_first() -> None:
    templates = {"application/xml": "X", "application/json": "J", "text/html": "H"}
    assert select_response_template(templates, "text/html").template == "H"
    assert select_response_template(templates, "text/csv, application/xml;q=0.9").template == "X"
    assert select_response_template(templates, None).template == "J"
    assert select_response_template(templates, "image/png").template == "J"
    assert select_response_template({"application/xml": "X", "text/html": "H"}, None) == (
        TemplateChoice("X", "application/xml")
    )


def test_response_without_templates_passes_through() -> None:
    assert select_response_template({}, "application/xml") == TemplateChoice(
        None, "application/xml"
    )
