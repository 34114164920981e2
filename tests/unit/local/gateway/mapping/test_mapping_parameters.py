"""Integration request parameter mapping: every source of the data mapping reference."""

from __future__ import annotations

import json

import pytest

from stratus.local.gateway.mapping.parameters import (
    MappingExpressionError,
    MethodRequest,
    map_request_parameters,
)

REQUEST = MethodRequest(
    path={"service": "orders"},
    querystring={"version": ["1", "2"], "empty": [""]},
    header={"X-User-Id": ["u-1"], "Accept": ["a", "b"]},
    body=json.dumps({"petstore": {"pets": [{"name": "rex", "tags": {"a": 1}}]}}),
    context={"requestId": "r-1", "identity": {"sourceIp": "192.0.2.1"}, "flag": True},
    stage_variables={"backend": "b.example"},
)


def test_swagger_example_maps_query_header_and_path() -> None:
    # x-amazon-apigateway-integration.requestParameters example
    mapped = map_request_parameters(
        {
            "integration.request.querystring.stage": "method.request.querystring.version",
            "integration.request.header.x-userid": "method.request.header.x-user-id",
            "integration.request.path.op": "method.request.path.service",
        },
        REQUEST,
    )
    assert mapped.querystring == {"stage": ["2"]}  # the last of a repeated name
    assert mapped.header == {"x-userid": ["u-1"]}  # header names match without case
    assert mapped.path == {"op": "orders"}


def test_multivalue_sources_keep_every_value() -> None:
    mapped = map_request_parameters(
        {
            "integration.request.querystring.v": "method.request.multivaluequerystring.version",
            "integration.request.header.A": "method.request.multivalueheader.accept",
        },
        REQUEST,
    )
    assert mapped.querystring == {"v": ["1", "2"]}
    assert mapped.header == {"A": ["a", "b"]}


def test_body_and_body_jsonpath_sources() -> None:
    # "method.request.body.petstore.pets[0].name" (data mapping reference)
    mapped = map_request_parameters(
        {
            "integration.request.header.body-header": "method.request.body",
            "integration.request.path.pet-name": "method.request.body.petstore.pets[0].name",
            "integration.request.header.tags": "method.request.body.petstore.pets[0].tags",
        },
        REQUEST,
    )
    assert mapped.header["body-header"] == [REQUEST.body]
    assert mapped.path == {"pet-name": "rex"}
    assert mapped.header["tags"] == ['{"a":1}']  # a complex value maps as a JSON string


def test_context_stage_variable_and_static_sources() -> None:
    mapped = map_request_parameters(
        {
            "integration.request.header.X-Request-Id": "context.requestId",
            "integration.request.header.X-Ip": "context.identity.sourceIp",
            "integration.request.header.X-Flag": "context.flag",
            "integration.request.querystring.host": "stageVariables.backend",
            "integration.request.header.Content-Type": "'application/x-amz-json-1.0'",
        },
        REQUEST,
    )
    assert mapped.header == {
        "X-Request-Id": ["r-1"],
        "X-Ip": ["192.0.2.1"],
        "X-Flag": ["true"],
        "Content-Type": ["application/x-amz-json-1.0"],
    }
    assert mapped.querystring == {"host": ["b.example"]}


def test_absent_sources_leave_the_parameter_out() -> None:
    mapped = map_request_parameters(
        {
            "integration.request.header.a": "method.request.header.missing",
            "integration.request.querystring.b": "method.request.querystring.missing",
            "integration.request.path.c": "method.request.path.missing",
            "integration.request.header.d": "context.authorizer.claims.sub",
            "integration.request.header.e": "stageVariables.missing",
            "integration.request.header.f": "method.request.body.petstore.nothing",
        },
        REQUEST,
    )
    assert (mapped.header, mapped.querystring, mapped.path) == ({}, {}, {})


def test_body_jsonpath_of_a_non_json_body_is_absent() -> None:
    request = MethodRequest(body="plain text")
    mapped = map_request_parameters(
        {"integration.request.header.a": "method.request.body.a"}, request
    )
    assert mapped.header == {}


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("integration.request.header.a", "method.request.cookie.x"),
        ("integration.request.header.a", "request.header.x"),
        ("integration.request.header.a", "method.request.body.a[?(@.b)]"),
        ("integration.response.header.a", "method.request.header.x"),
        ("integration.request.body.a", "method.request.header.x"),
    ],
)
def test_invalid_mapping_expression_raises(target: str, source: str) -> None:
    with pytest.raises(MappingExpressionError):
        map_request_parameters({target: source}, REQUEST)
