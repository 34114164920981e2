"""Request validation: AWS's sample API (api-gateway-request-validation-test), the 400
bodies, $ref between models, and models that are not schemas."""

from __future__ import annotations

import json

import pytest

from stratus.local.gateway.mapping.validation import (
    BAD_REQUEST_BODY,
    BAD_REQUEST_PARAMETERS,
    InvalidModel,
    ModelSet,
    RequestRejected,
    RequestToValidate,
    Validator,
    validate_request,
)

ALL = Validator(validate_body=True, validate_parameters=True)
PARAMS_ONLY = Validator(validate_parameters=True)
BODY_ONLY = Validator(validate_body=True)

# RequestDataModel of the sample API (api-gateway-request-validation-sample-api-swagger)
REQUEST_DATA_MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PetStore Pet",
    "type": "object",
    "required": ["name", "type", "price"],
    "properties": {
        "name": {"type": "string"},
        "type": {"type": "string", "enum": ["dog", "cat", "fish"]},
        "price": {"type": "number", "minimum": 25.0, "maximum": 500.0},
    },
}
MODELS = ModelSet("fjd6crafxc", {"RequestDataModel": REQUEST_DATA_MODEL})
POST_MODELS = {"application/json": "RequestDataModel"}


def post(
    body: object, headers: dict[str, list[str]] | None = None, **kw: object
) -> RequestToValidate:
    return RequestToValidate(
        header={"h1": ["v1"]} if headers is None else headers,
        body=json.dumps(body) if not isinstance(body, str | bytes) else body,
        **kw,  # type: ignore[arg-type]
    )


def rejection(*args: object) -> RequestRejected:
    with pytest.raises(RequestRejected) as caught:
        validate_request(*args)  # type: ignore[arg-type]
    return caught.value


def test_get_with_required_query_parameter_passes() -> None:
    validate_request(
        PARAMS_ONLY,
        {"method.request.querystring.q1": True},
        None,
        None,
        RequestToValidate(querystring={"q1": ["cat"]}),
    )


@pytest.mark.parametrize("query", [{}, {"q1": [""]}, {"q1": ["  "]}])
def test_missing_or_blank_query_parameter_is_the_documented_400(
    query: dict[str, list[str]],
) -> None:
    rejected = rejection(
        PARAMS_ONLY,
        {"method.request.querystring.q1": True},
        None,
        None,
        RequestToValidate(querystring=query),
    )
    assert rejected.error is BAD_REQUEST_PARAMETERS
    assert rejected.body() == b'{"message":"Missing required request parameters: [q1]"}'
    assert rejected.validation_error_string == "Missing required request parameters: [q1]"
    assert (rejected.error.status, rejected.error.error_type) == (400, "BadRequestException")


def test_valid_post_passes_body_and_header_validation() -> None:
    validate_request(
        ALL,
        {"method.request.header.h1": True},
        POST_MODELS,
        MODELS,
        post({"name": "Marco", "type": "dog", "price": 260}),
    )


@pytest.mark.parametrize("headers", [{}, {"h1": [""]}, {"H1": []}])
def test_missing_or_blank_header_is_400(headers: dict[str, list[str]]) -> None:
    rejected = rejection(
        ALL,
        {"method.request.header.h1": True},
        POST_MODELS,
        MODELS,
        post({"name": "Marco", "type": "dog", "price": 260}, headers),
    )
    assert rejected.message == "Missing required request parameters: [h1]"


def test_header_names_match_without_case() -> None:
    validate_request(
        PARAMS_ONLY,
        {"method.request.header.X-Key": True},
        None,
        None,
        RequestToValidate(header={"x-key": ["v"]}),
    )


def test_missing_parameters_are_listed_in_aws_order() -> None:
    # AWS (LocalStack's recorded test_api_gateway_request_validator):
    # "Missing required request parameters: [x-header-param, issuer, qs1]"
    rejected = rejection(
        PARAMS_ONLY,
        {
            "method.request.querystring.qs1": True,
            "method.request.path.issuer": True,
            "method.request.header.x-header-param": True,
            "method.request.querystring.optional": False,
        },
        None,
        None,
        RequestToValidate(),
    )
    assert rejected.message == "Missing required request parameters: [x-header-param, issuer, qs1]"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"name": "Molly", "type": "bird", "price": 269},
            '[instance value ("bird") not found in enum (possible values: ["dog","cat","fish"])]',
        ),
        (
            {"name": "Molly", "type": "dog", "price": 501},
            "[numeric instance is greater than the required maximum (maximum: 500.0, found: 501)]",
        ),
        ({"name": "Molly"}, '[object has missing required properties (["type","price"])]'),
        (
            {"name": 7, "type": "dog", "price": 30},
            "[instance type (integer) does not match any allowed primitive type"
            ' (allowed: ["string"])]',
        ),
    ],
)
def test_body_violating_the_model_is_invalid_request_body(body: object, detail: str) -> None:
    rejected = rejection(ALL, {"method.request.header.h1": True}, POST_MODELS, MODELS, post(body))
    assert rejected.error is BAD_REQUEST_BODY
    assert rejected.body() == b'{"message":"Invalid request body"}'
    assert rejected.validation_error_string == detail


def test_body_that_is_not_json_is_invalid() -> None:
    rejected = rejection(BODY_ONLY, None, POST_MODELS, MODELS, post("{not json"))
    assert rejected.message == "Invalid request body"


def test_empty_body_is_validated_as_an_empty_object() -> None:
    rejected = rejection(BODY_ONLY, None, POST_MODELS, MODELS, post(""))
    assert "missing required properties" in rejected.validation_error_string


def test_parameters_are_reported_before_the_body() -> None:
    rejected = rejection(
        ALL, {"method.request.header.h1": True}, POST_MODELS, MODELS, post("x", {})
    )
    assert rejected.error is BAD_REQUEST_PARAMETERS


def test_validator_flags_are_honoured() -> None:
    bad_body = post({"type": "bird"}, {})
    validate_request(None, {"method.request.header.h1": True}, POST_MODELS, MODELS, bad_body)
    validate_request(BODY_ONLY, {"method.request.header.h1": True}, {}, MODELS, post({}, {}))
    validate_request(PARAMS_ONLY, {}, POST_MODELS, MODELS, bad_body)


def test_body_of_a_content_type_without_model_is_not_validated() -> None:
    validate_request(
        BODY_ONLY, None, POST_MODELS, MODELS, post("<xml/>", content_type="application/xml")
    )


def test_model_selected_by_media_type_of_content_type() -> None:
    rejected = rejection(
        BODY_ONLY,
        None,
        POST_MODELS,
        MODELS,
        post({}, content_type="application/json; charset=UTF-8"),
    )
    assert rejected.error is BAD_REQUEST_BODY


def test_models_ref_other_models_of_the_same_api() -> None:
    models = ModelSet(
        "api1",
        {
            "Pet": json.dumps(REQUEST_DATA_MODEL),
            "Pets": {
                "type": "array",
                "items": {"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Pet"},
            },
        },
    )
    good = post([{"name": "a", "type": "cat", "price": 30}])
    validate_request(BODY_ONLY, None, {"application/json": "Pets"}, models, good)
    rejected = rejection(
        BODY_ONLY, None, {"application/json": "Pets"}, models, post([{"name": "a"}])
    )
    assert rejected.error is BAD_REQUEST_BODY


def test_ref_to_a_model_the_api_lacks_is_an_invalid_model() -> None:
    models = ModelSet(
        "api1",
        {"Broken": {"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Nope"}},
    )
    with pytest.raises(InvalidModel):
        validate_request(BODY_ONLY, None, {"application/json": "Broken"}, models, post({}))


@pytest.mark.parametrize("schema", ["{not json", "[1]", {"type": 12}])
def test_model_that_is_not_a_schema_is_an_invalid_model(schema: object) -> None:
    with pytest.raises(InvalidModel):
        ModelSet("api1", {"M": schema}).validator("M")


def test_unknown_model_name_is_an_invalid_model() -> None:
    with pytest.raises(InvalidModel):
        MODELS.validator("Nope")


def test_validator_from_cloudformation() -> None:
    assert Validator.from_cfn({"ValidateRequestBody": True}) == BODY_ONLY
    assert Validator.from_cfn({"ValidateRequestParameters": "true"}) == PARAMS_ONLY
