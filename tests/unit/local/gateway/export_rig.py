"""Deployments for export tests: templates resolved with the provisioner's own Resolver.

- `todo_deployment()`: the to-do stack's API Gateway resources as `cdk synth` writes them
  (fixtures/todo_api.template.json, copied from Stratus-local-Todo.template.json; resources
  the API only references are kept by type). Refresh it from a `stratus up` cdk.out when the
  to-do API changes.
- `pets_deployment()`: a hand-written API with what the to-do API lacks: method responses
  with models and headers, query/header parameters, a model referencing another by URL,
  TOKEN and REQUEST authorizers, AWS_IAM, API keys, ANY on {proxy+}, non-proxy integrations,
  a gateway response, binary media types; and a SpecRestApi whose Body is OpenAPI 3.0.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from stratus.local.provision.intrinsics import ResolveContext, Resolver
from stratus.local.provision.model import Deployment, Resource, Stack

FIXTURES = Path(__file__).parent / "fixtures"
REGION = "us-east-1"
ACCOUNT = "000000000000"
TODO_API_ID = "todoapi001"
PETS_API_ID = "petsapi001"
SPEC_API_ID = "specapi001"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_Pool1"
INVOKE = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
CREATED = "2026-03-14T20:20:12+00:00"


def deployment_from_template(
    stack_name: str, template: dict[str, Any], fixed_ids: dict[str, str]
) -> Deployment:
    """Every resource gets a physical id (fixed per type, the name for stages and models, else
    a hash of the logical id), RootResourceId and Arn attributes, then resolved properties."""
    stack = Stack(name=stack_name, template_path=FIXTURES, region=REGION, created=CREATED)
    for logical, body in template["Resources"].items():
        props = body.get("Properties", {})
        kind = body["Type"]
        physical = fixed_ids.get(logical) or (
            props.get("StageName")
            if kind == "AWS::ApiGateway::Stage"
            else props.get("Name")
            if kind == "AWS::ApiGateway::Model" and isinstance(props.get("Name"), str)
            else hashlib.sha1(logical.encode()).hexdigest()[:10]
        )
        attributes = {
            "Arn": POOL_ARN
            if kind == "AWS::Cognito::UserPool"
            else FUNCTION_ARN
            if kind == "AWS::Lambda::Function"
            else f"arn:aws:fixture:{REGION}:{ACCOUNT}:{logical}",
            "RootResourceId": f"root{physical}"[:10],
        }
        stack.resources[logical] = Resource(
            stack_name, logical, kind, {}, str(physical), attributes, updated=CREATED
        )
    ctx = ResolveContext(
        stack_name=stack_name,
        region=REGION,
        account_id=ACCOUNT,
        ref=lambda name: stack.resources[name].physical_id,
        get_att=lambda name, attr: stack.resources[name].attributes[attr],
    )
    resolver = Resolver(ctx)
    for logical, body in template["Resources"].items():
        stack.resources[logical].properties = resolver.resolve(
            body.get("Properties", {}), f"{logical}.Properties"
        )
    return Deployment(stacks={stack_name: stack})


def todo_deployment() -> Deployment:
    template = json.loads((FIXTURES / "todo_api.template.json").read_text())
    api = next(k for k, v in template["Resources"].items() if v["Type"].endswith("::RestApi"))
    return deployment_from_template("Stratus-local-Todo", template, {api: TODO_API_ID})


def _method(resource: dict[str, Any] | str, verb: str, **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "Pets"},
            "ResourceId": resource,
            "HttpMethod": verb,
            **props,
        },
    }


def _resource(parent: dict[str, Any], part: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {"RestApiId": {"Ref": "Pets"}, "ParentId": parent, "PathPart": part},
    }


ROOT = {"Fn::GetAtt": ["Pets", "RootResourceId"]}
LAMBDA_PROXY = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": INVOKE}

PETS_TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Pets": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": "pets",
                "Description": "Pets for export tests",
                "BinaryMediaTypes": ["image/png"],
                "ApiKeySourceType": "HEADER",
            },
        },
        "PetsRes": _resource(ROOT, "pets"),
        "PetRes": _resource({"Ref": "PetsRes"}, "{petId}"),
        "ProxyRes": _resource(ROOT, "{proxy+}"),
        "Tag": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "Tag",
                "ContentType": "application/json",
                "Schema": {"type": "object", "properties": {"label": {"type": "string"}}},
            },
        },
        "Pet": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "Pet",
                "ContentType": "application/json",
                "Schema": json.dumps(
                    {
                        "$schema": "http://json-schema.org/draft-04/schema#",
                        "title": "Pet",
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "tags": {
                                "type": "array",
                                "items": {
                                    "$ref": "https://apigateway.amazonaws.com/restapis/"
                                    "petsapi001/models/Tag"
                                },
                            },
                        },
                    }
                ),
            },
        },
        "Token": {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "token-auth",
                "Type": "TOKEN",
                "AuthorizerUri": INVOKE,
                "IdentitySource": "method.request.header.X-Token",
                "IdentityValidationExpression": "^Bearer .+$",
                "AuthorizerResultTtlInSeconds": 60,
            },
        },
        "RequestAuth": {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "request-auth",
                "Type": "REQUEST",
                "AuthorizerUri": INVOKE,
                "IdentitySource": "method.request.header.X-Key, method.request.querystring.k",
            },
        },
        "Users": {
            "Type": "AWS::ApiGateway::Authorizer",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "users",
                "Type": "COGNITO_USER_POOLS",
                "ProviderARNs": [POOL_ARN],
                "IdentitySource": "method.request.header.Authorization",
            },
        },
        "ParamsOnly": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "Name": "params-only",
                "ValidateRequestParameters": True,
            },
        },
        "ListPets": _method(
            {"Ref": "PetsRes"},
            "GET",
            OperationName="ListPets",
            AuthorizationType="CUSTOM",
            AuthorizerId={"Ref": "Token"},
            RequestValidatorId={"Ref": "ParamsOnly"},
            RequestParameters={
                "method.request.querystring.type": False,
                "method.request.header.X-Trace": True,
            },
            MethodResponses=[
                {
                    "StatusCode": "200",
                    "ResponseModels": {"application/json": "Pet"},
                    "ResponseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": True
                    },
                }
            ],
            Integration={
                "Type": "HTTP",
                "IntegrationHttpMethod": "GET",
                "Uri": "http://petstore.example.com/pets",
                "RequestParameters": {
                    "integration.request.querystring.type": "method.request.querystring.type"
                },
                "IntegrationResponses": [
                    {
                        "StatusCode": "200",
                        "ResponseParameters": {
                            "method.response.header.Access-Control-Allow-Origin": "'*'"
                        },
                    }
                ],
            },
        ),
        "CreatePet": _method(
            {"Ref": "PetsRes"},
            "POST",
            AuthorizationType="COGNITO_USER_POOLS",
            AuthorizerId={"Ref": "Users"},
            AuthorizationScopes=["pets/write"],
            ApiKeyRequired=True,
            RequestModels={"application/json": {"Ref": "Pet"}},
            MethodResponses=[
                {"StatusCode": "201", "ResponseModels": {"application/json": "Pet"}},
                {"StatusCode": "400", "ResponseModels": {"application/json": "Error"}},
            ],
            Integration={
                "Type": "AWS",
                "IntegrationHttpMethod": "POST",
                "Uri": INVOKE,
                "PassthroughBehavior": "NEVER",
                "RequestTemplates": {"application/json": "$input.json('$')"},
                "IntegrationResponses": [
                    {"StatusCode": "201"},
                    {"StatusCode": "400", "SelectionPattern": ".*Invalid.*"},
                ],
            },
        ),
        "GetPet": _method(
            {"Ref": "PetRes"},
            "GET",
            AuthorizationType="AWS_IAM",
            MethodResponses=[{"StatusCode": "200", "ResponseModels": {"application/json": "Pet"}}],
            Integration=LAMBDA_PROXY,
        ),
        "Anything": _method(
            {"Ref": "ProxyRes"},
            "ANY",
            AuthorizationType="CUSTOM",
            AuthorizerId={"Ref": "RequestAuth"},
            MethodResponses=[{"StatusCode": "200"}],
            Integration={
                "Type": "HTTP_PROXY",
                "IntegrationHttpMethod": "ANY",
                "Uri": "http://backend.example.com/{proxy}",
                "RequestParameters": {
                    "integration.request.path.proxy": "method.request.path.proxy"
                },
            },
        ),
        "NotFound": {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "ResponseType": "RESOURCE_NOT_FOUND",
                "StatusCode": "404",
                "ResponseTemplates": {"application/json": '{"message": "no such pet"}'},
            },
        },
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Pets"}},
        },
        "V1": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": "Pets"},
                "StageName": "v1",
                "DeploymentId": {"Ref": "Deployment"},
            },
        },
        # A SpecRestApi: the API is its OpenAPI Body; the Deployment makes stage "live".
        "Spec": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": "spec-api",
                "Body": {
                    "openapi": "3.0.1",
                    "info": {"title": "spec-api", "version": "2.1.0"},
                    "paths": {
                        "/items/{itemId}": {
                            "get": {
                                "operationId": "getItem",
                                "parameters": [
                                    {
                                        "name": "itemId",
                                        "in": "path",
                                        "required": True,
                                        "schema": {"type": "string"},
                                    },
                                    {"name": "full", "in": "query", "schema": {"type": "string"}},
                                ],
                                "responses": {
                                    "200": {
                                        "description": "200 response",
                                        "content": {
                                            "application/json": {
                                                "schema": {"$ref": "#/components/schemas/Item"}
                                            }
                                        },
                                    }
                                },
                                "security": [{"sigv4": []}],
                                "x-amazon-apigateway-integration": {
                                    "type": "aws_proxy",
                                    "httpMethod": "POST",
                                    "uri": INVOKE,
                                },
                            }
                        }
                    },
                    "components": {
                        "schemas": {
                            "Item": {"type": "object", "properties": {"id": {"type": "string"}}}
                        },
                        "securitySchemes": {
                            "sigv4": {
                                "type": "apiKey",
                                "name": "Authorization",
                                "in": "header",
                                "x-amazon-apigateway-authtype": "awsSigv4",
                            }
                        },
                    },
                },
            },
        },
        "SpecDeployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": {"Ref": "Spec"}, "StageName": "live"},
        },
    }
}


def pets_deployment() -> Deployment:
    return deployment_from_template(
        "Pets", PETS_TEMPLATE, {"Pets": PETS_API_ID, "Spec": SPEC_API_ID}
    )
