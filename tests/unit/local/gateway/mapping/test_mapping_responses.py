"""Integration response selection (Lambda error regex, status pattern) and header mapping."""

from __future__ import annotations

import json

import pytest

from stratus.local.gateway.mapping.responses import (
    IntegrationResponse,
    InvalidSelectionPattern,
    NoIntegrationResponse,
    integration_responses,
    lambda_error_message,
    map_response_headers,
    select_integration_response,
)

DEFAULT = IntegrationResponse("200")
BAD_INPUT = IntegrationResponse("400", "Malformed.*")
NOT_FOUND = IntegrationResponse("404", ".*not found.*")
SERVER = IntegrationResponse("500", "5\\d{2}")
HEADER = "method.response.header."
BODY = "integration.response.body."


def test_lambda_error_message_selects_by_full_match() -> None:
    responses = [DEFAULT, BAD_INPUT, NOT_FOUND]
    assert select_integration_response(responses, "Malformed input ...") is BAD_INPUT
    assert select_integration_response(responses, "item 7 not found") is NOT_FOUND
    # A pattern must match the whole message (Java's String.matches), not a prefix of it.
    assert (
        select_integration_response(
            [DEFAULT, IntegrationResponse("400", "Malformed")], "Malformed input"
        )
        is DEFAULT
    )


def test_unmatched_error_falls_back_to_the_default_response() -> None:
    assert select_integration_response([BAD_INPUT, DEFAULT], "boom") is DEFAULT


def test_success_is_matched_as_an_empty_message_so_dot_star_overrides_default() -> None:
    # "Setting the selectionPattern value to .* ... match all error messages, including null"
    catch_all = IntegrationResponse("502", ".*")
    assert select_integration_response([DEFAULT, BAD_INPUT], "") is DEFAULT
    assert select_integration_response([DEFAULT, catch_all], "") is catch_all


def test_http_status_code_selects_the_response() -> None:
    responses = [DEFAULT, SERVER, IntegrationResponse("400", "4\\d{2}")]
    assert select_integration_response(responses, "503") is SERVER
    assert select_integration_response(responses, "404").status_code == "400"
    assert select_integration_response(responses, "201") is DEFAULT


def test_first_matching_pattern_wins() -> None:
    first, second = IntegrationResponse("401", ".*"), IntegrationResponse("403", ".*")
    assert select_integration_response([first, second], "x") is first


def test_no_match_and_no_default_is_a_configuration_error() -> None:
    with pytest.raises(NoIntegrationResponse):
        select_integration_response([BAD_INPUT], "boom")
    with pytest.raises(NoIntegrationResponse):
        select_integration_response([], "200")


def test_pattern_that_does_not_compile_raises() -> None:
    with pytest.raises(InvalidSelectionPattern):
        select_integration_response([IntegrationResponse("400", "Malformed(")], "Malformed")


def test_multiline_error_message_matches_dot_star() -> None:
    assert select_integration_response([BAD_INPUT], "Malformed\ninput") is BAD_INPUT


def test_lambda_error_message_reads_function_errors_only() -> None:
    error = json.dumps({"errorMessage": "Malformed input ...", "errorType": "Exception"})
    assert lambda_error_message(error, function_error=True) == "Malformed input ..."
    assert lambda_error_message(error, function_error=False) == ""
    assert lambda_error_message(b"not json", function_error=True) == ""
    assert lambda_error_message("[1]", function_error=True) == ""


def test_integration_responses_from_cloudformation() -> None:
    integration = {
        "IntegrationResponses": [
            {"StatusCode": "200"},
            {
                "StatusCode": 400,
                "SelectionPattern": "Malformed.*",
                "ResponseParameters": {"method.response.header.X": "'x'"},
                "ResponseTemplates": {"application/json": "{}"},
                "ContentHandling": "CONVERT_TO_TEXT",
            },
        ]
    }
    default, bad = integration_responses(integration)
    assert default == IntegrationResponse("200")
    assert bad == IntegrationResponse(
        "400",
        "Malformed.*",
        {"method.response.header.X": "'x'"},
        {"application/json": "{}"},
        "CONVERT_TO_TEXT",
    )
    assert integration_responses({}) == []


def test_response_headers_from_header_body_static_context_and_stage_variables() -> None:
    # "Example data mapping from integration response in Swagger"
    body = json.dumps({"redirect": {"url": "https://example.com/next"}})
    headers = map_response_headers(
        {
            "method.response.header.location": "integration.response.body.redirect.url",
            "method.response.header.id": "integration.response.header.x-app-id",
            "method.response.header.all": "integration.response.multivalueheader.x-multi",
            "method.response.header.raw": "integration.response.body",
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.req": "context.requestId",
            "method.response.header.env": "stageVariables.env",
            "method.response.header.absent": "integration.response.header.nope",
        },
        headers={"X-App-Id": ["app-1"], "X-Multi": ["a", "b"]},
        body=body,
        context={"requestId": "r-1"},
        stage_variables={"env": "prod"},
    )
    assert headers == {
        "location": "https://example.com/next",
        "id": "app-1",
        "all": "a,b",
        "raw": body,
        "Access-Control-Allow-Origin": "*",
        "req": "r-1",
        "env": "prod",
    }


def test_lambda_custom_error_message_is_deserialized_for_header_mappings() -> None:
    # "Handle Custom Lambda Errors in API Gateway"
    custom = {
        "errorType": "InternalServerError",
        "httpStatus": 500,
        "requestId": "e5849002",
        "trace": {"function": "abc()", "line": 123, "file": "abc.js"},
    }
    body = json.dumps({"errorMessage": json.dumps(custom)})
    headers = map_response_headers(
        {
            f"{HEADER}error_trace_function": f"{BODY}errorMessage.trace.function",
            f"{HEADER}error_status": f"{BODY}errorMessage.httpStatus",
            f"{HEADER}error_type": f"{BODY}errorMessage.errorType",
            f"{HEADER}error_trace": f"{BODY}errorMessage.trace",
        },
        headers={},
        body=body,
        context={},
        stage_variables={},
        lambda_error=True,
    )
    assert headers == {
        "error_status": "500",
        "error_trace": '{"function":"abc()","line":123,"file":"abc.js"}',
        "error_trace_function": "abc()",
        "error_type": "InternalServerError",
    }


def test_error_message_stays_a_string_outside_lambda_errors() -> None:
    body = json.dumps({"errorMessage": json.dumps({"a": 1})})
    headers = map_response_headers(
        {"method.response.header.a": "integration.response.body.errorMessage.a"}, {}, body, {}, {}
    )
    assert headers == {}


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("method.response.header.a", "integration.request.header.x"),
        ("method.response.body", "'x'"),
        ("method.response.header.a", "integration.response.body.a[?(@)]"),
    ],
)
def test_invalid_response_mapping_raises(target: str, source: str) -> None:
    from stratus.local.gateway.mapping.parameters import MappingExpressionError

    with pytest.raises(MappingExpressionError):
        map_response_headers({target: source}, {}, "{}", {}, {})
