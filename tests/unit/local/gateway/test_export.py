"""GetExport's documents: OpenAPI 3.0 and Swagger 2.0 from the Deployment, per extension."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from export_rig import (
    PETS_API_ID,
    SPEC_API_ID,
    TODO_API_ID,
    pets_deployment,
    todo_deployment,
)
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator

from stratus.local.gateway.export import (
    ExportError,
    build_document,
    content_disposition,
    parse_extensions,
    serialize,
)
from stratus.local.gateway.export_source import StageNotFound, api_source, find_api
from stratus.local.gateway.sdk import sdk_document
from stratus.local.provision.model import Deployment

ORIGIN = "https://127.0.0.1:4443"
AUTHORIZER = "StratuslocalTodoApiAuthorizerAB4ACAF5"


def export(
    deployment: Deployment, api_id: str, stage: str, kind: str = "oas30", extensions: str = ""
) -> dict[str, Any]:
    found = find_api(deployment, "us-east-1", api_id)
    assert found is not None
    return build_document(api_source(*found, stage), kind, parse_extensions(extensions), ORIGIN)


def problems(doc: dict[str, Any]) -> list[str]:
    validator = OpenAPIV2SpecValidator if "swagger" in doc else OpenAPIV30SpecValidator
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(doc).iter_errors()
    ]


def only_empty_responses(found: list[str]) -> bool:
    """Every problem is an operation's `"responses": {}` (and there is at least one)."""
    return bool(found) and all(p.split(": ", 1)[0].endswith("/responses") for p in found)


@pytest.fixture(scope="module")
def todo() -> Deployment:
    return todo_deployment()


@pytest.fixture(scope="module")
def pets() -> Deployment:
    return pets_deployment()


# -- the to-do API ----------------------------------------------------------------------
def test_todo_oas30_lists_its_paths_methods_and_stage_url(todo: Deployment) -> None:
    doc = export(todo, TODO_API_ID, "local")
    assert doc["openapi"] == "3.0.1"
    assert doc["info"] == {
        "title": "stratus-local-todo",
        "version": "2026-03-14T20:20:12Z",
        "description": "stratus to-do API for the mobile app",
    }
    assert doc["servers"] == [
        {
            "url": f"{ORIGIN}/restapis/{TODO_API_ID}/{{basePath}}",
            "variables": {"basePath": {"default": "local"}},
        }
    ]
    assert sorted(doc["paths"]) == [
        "/", "/files", "/files/download-url", "/files/upload-url", "/todos", "/todos/{id}"
    ]  # fmt: skip
    assert sorted(doc["paths"]["/todos/{id}"]) == ["delete", "get", "options", "patch"]
    get_one = doc["paths"]["/todos/{id}"]["get"]
    assert get_one["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert get_one["security"] == [{AUTHORIZER: []}]


def test_todo_request_model_is_a_component_schema_without_json_schema_dialect(
    todo: Deployment,
) -> None:
    doc = export(todo, TODO_API_ID, "local")
    body = doc["paths"]["/todos"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    name = ref.removeprefix("#/components/schemas/")
    assert body["required"] is True
    assert doc["components"]["schemas"][name] == {"type": "object"}  # "$schema" dropped


def test_todo_methods_without_method_responses_export_empty_responses_as_aws(
    todo: Deployment,
) -> None:
    doc = export(todo, TODO_API_ID, "local")
    assert doc["paths"]["/todos"]["get"]["responses"] == {}
    # AWS's own shape for those is the only thing a strict validator finds...
    assert only_empty_responses(problems(doc))
    # ...and what the SDK generators read is a valid document.
    assert problems(sdk_document(doc)) == []


def test_todo_cors_preflight_exports_its_method_response_headers(todo: Deployment) -> None:
    options = export(todo, TODO_API_ID, "local")["paths"]["/todos"]["options"]
    assert set(options["responses"]["204"]["headers"]) >= {
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Headers",
    }


def test_todo_swagger_names_host_and_base_path_and_body_parameter(todo: Deployment) -> None:
    doc = export(todo, TODO_API_ID, "local", "swagger")
    assert doc["swagger"] == "2.0"
    assert doc["host"] == "127.0.0.1:4443"
    assert doc["basePath"] == f"/restapis/{TODO_API_ID}/local"
    assert doc["schemes"] == ["https"]
    post = doc["paths"]["/todos"]["post"]
    [body] = [p for p in post["parameters"] if p["in"] == "body"]
    assert body["schema"]["$ref"].startswith("#/definitions/")
    assert post["consumes"] == ["application/json"]
    assert doc["securityDefinitions"][AUTHORIZER] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
    }
    assert only_empty_responses(problems(doc))


def test_without_extensions_no_amazon_extension_appears(todo: Deployment) -> None:
    text = json.dumps(export(todo, TODO_API_ID, "local"))
    assert "x-amazon-apigateway" not in text


def test_integrations_extension_adds_integrations_only(todo: Deployment) -> None:
    doc = export(todo, TODO_API_ID, "local", extensions="integrations")
    integration = doc["paths"]["/todos"]["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"].endswith(":function:handler/invocations")
    assert integration["passthroughBehavior"] == "when_no_match"
    mock = doc["paths"]["/todos"]["options"]["x-amazon-apigateway-integration"]
    assert mock["type"] == "mock"
    assert mock["responses"]["default"]["statusCode"] == "204"
    scheme = doc["components"]["securitySchemes"][AUTHORIZER]
    assert "x-amazon-apigateway-authorizer" not in scheme
    assert "x-amazon-apigateway-request-validators" not in doc


def test_authorizers_extension_adds_cognito_authorizer_only(todo: Deployment) -> None:
    doc = export(todo, TODO_API_ID, "local", extensions="authorizers")
    scheme = doc["components"]["securitySchemes"][AUTHORIZER]
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert scheme["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Pool1"],
    }
    assert "x-amazon-apigateway-integration" not in json.dumps(doc)


def test_apigateway_extension_adds_both_validators_and_gateway_responses(
    todo: Deployment,
) -> None:
    doc = export(todo, TODO_API_ID, "local", extensions="'apigateway'")
    post = doc["paths"]["/todos"]["post"]
    assert "x-amazon-apigateway-integration" in post
    validators = doc["x-amazon-apigateway-request-validators"]
    assert post["x-amazon-apigateway-request-validator"] in validators
    assert list(validators.values()) == [
        {"validateRequestBody": True, "validateRequestParameters": True}
    ]
    assert set(doc["x-amazon-apigateway-gateway-responses"]) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert "x-amazon-apigateway-authorizer" in json.dumps(doc)


def test_unknown_stage_and_export_type(todo: Deployment) -> None:
    found = find_api(todo, "us-east-1", TODO_API_ID)
    assert found is not None
    with pytest.raises(StageNotFound):
        api_source(*found, "prod")
    with pytest.raises(ExportError, match="No API exporter for type 'raml'"):
        build_document(api_source(*found, "local"), "raml", set(), ORIGIN)
    assert find_api(todo, "eu-west-1", TODO_API_ID) is None


# -- a richer API -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["oas30", "swagger"])
@pytest.mark.parametrize("extensions", ["", "apigateway"])
def test_pets_exports_are_valid_documents(pets: Deployment, kind: str, extensions: str) -> None:
    assert problems(export(pets, PETS_API_ID, "v1", kind, extensions)) == []


def test_pets_parameters_responses_and_models(pets: Deployment) -> None:
    doc = export(pets, PETS_API_ID, "v1")
    listing = doc["paths"]["/pets"]["get"]
    assert listing["operationId"] == "ListPets"
    assert listing["parameters"] == [
        {"name": "type", "in": "query", "schema": {"type": "string"}},
        {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
    ]
    assert listing["responses"]["200"] == {
        "description": "200 response",
        "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
    }
    create = doc["paths"]["/pets"]["post"]
    assert create["security"] == [{"users": ["pets/write"], "api_key": []}]
    assert sorted(create["responses"]) == ["201", "400"]
    schemas = doc["components"]["schemas"]
    assert schemas["Pet"]["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/Tag"}
    assert "$schema" not in schemas["Pet"]
    assert schemas["Error"]["title"] == "Error Schema"  # built-in, used by a response
    assert "Empty" not in schemas
    anything = doc["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]
    assert anything["parameters"][0] == {
        "name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}
    }  # fmt: skip
    assert doc["paths"]["/pets/{petId}"]["get"]["security"] == [{"sigv4": []}]


def test_pets_authorizers_extension_for_token_request_and_iam(pets: Deployment) -> None:
    schemes = export(pets, PETS_API_ID, "v1", extensions="authorizers")["components"][
        "securitySchemes"
    ]
    assert schemes["token-auth"]["name"] == "X-Token"
    assert schemes["token-auth"]["x-amazon-apigateway-authtype"] == "custom"
    token = schemes["token-auth"]["x-amazon-apigateway-authorizer"]
    assert token["type"] == "token"
    assert token["identityValidationExpression"] == "^Bearer .+$"
    assert token["authorizerResultTtlInSeconds"] == 60
    request = schemes["request-auth"]["x-amazon-apigateway-authorizer"]
    assert request["type"] == "request"
    assert request["identitySource"] == "method.request.header.X-Key, method.request.querystring.k"
    assert schemes["request-auth"]["name"] == "Unused"
    assert schemes["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}


def test_pets_integration_responses_keyed_by_selection_pattern(pets: Deployment) -> None:
    doc = export(pets, PETS_API_ID, "v1", extensions="integrations")
    integration = doc["paths"]["/pets"]["post"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws"
    assert integration["passthroughBehavior"] == "never"
    assert integration["requestTemplates"] == {"application/json": "$input.json('$')"}
    assert integration["responses"] == {
        "default": {"statusCode": "201"},
        ".*Invalid.*": {"statusCode": "400"},
    }
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png"]


def test_pets_swagger_uses_definitions_consumes_produces(pets: Deployment) -> None:
    doc = export(pets, PETS_API_ID, "v1", "swagger")
    create = doc["paths"]["/pets"]["post"]
    assert create["consumes"] == ["application/json"]
    assert create["produces"] == ["application/json"]
    assert create["parameters"] == [
        {"in": "body", "name": "Pet", "required": True, "schema": {"$ref": "#/definitions/Pet"}}
    ]
    assert create["responses"]["201"]["schema"] == {"$ref": "#/definitions/Pet"}
    assert doc["definitions"]["Pet"]["properties"]["tags"]["items"] == {"$ref": "#/definitions/Tag"}
    listing = doc["paths"]["/pets"]["get"]
    assert listing["responses"]["200"]["headers"] == {
        "Access-Control-Allow-Origin": {"type": "string"}
    }


def test_spec_rest_api_exports_its_body(pets: Deployment) -> None:
    doc = export(pets, SPEC_API_ID, "live", extensions="integrations")
    assert doc["info"]["version"] == "2.1.0"
    op = doc["paths"]["/items/{itemId}"]["get"]
    assert op["operationId"] == "getItem"
    assert {(p["name"], p["in"]) for p in op["parameters"]} == {
        ("itemId", "path"),
        ("full", "query"),
    }
    assert op["security"] == [{"sigv4": []}]
    assert op["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }
    swagger = export(pets, SPEC_API_ID, "live", "swagger")
    assert swagger["definitions"]["Item"]["properties"] == {"id": {"type": "string"}}
    assert problems(swagger) == []


# -- wire format ------------------------------------------------------------------------
def test_yaml_and_json_bodies(pets: Deployment) -> None:
    doc = export(pets, PETS_API_ID, "v1")
    body, extension = serialize(doc, "application/yaml")
    assert extension == "yaml"
    assert yaml.safe_load(body) == doc
    body, extension = serialize(doc, "application/json")
    assert (json.loads(body), extension) == (doc, "json")
    assert serialize(doc, None)[1] == "json"
    with pytest.raises(ExportError):
        serialize(doc, "text/csv")


def test_content_disposition_as_the_aws_cli_shows_it() -> None:
    assert (
        content_disposition("swagger", "2020-01-13T13:15:44Z", "json")
        == 'attachment; filename="swagger_2020-01-13T13:15:44Z.json"'
    )


def test_parse_extensions() -> None:
    assert parse_extensions("apigateway") == {"apigateway", "integrations", "authorizers"}
    assert parse_extensions("'integrations', postman") == {"integrations", "postman"}
    assert parse_extensions(None) == set()
