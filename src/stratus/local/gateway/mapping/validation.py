"""Request validation: a method's request validator, required parameters, JSON-schema models.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html:
with ``ValidateRequestParameters`` the required parameters (``method.request.{path,
querystring,header}.NAME: true``) must be "included and non-blank"; with
``ValidateRequestBody`` the payload must adhere to the method's model for its content type,
a draft-4 JSON schema that may ``$ref`` other models of the API as
``https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}``. With no model for the
content type the body is not validated (passthrough is a separate question).

Failures are API Gateway's 400s (api-gateway-request-validation-test.html):
``{"message": "Missing required request parameters: [q1]"}`` (names in the order AWS lists
them: sorted by ``method.request.header|path|querystring.NAME``, as LocalStack's
AWS-recorded ``test_api_gateway_request_validator`` shows ``[x-header-param, issuer, qs1]``)
and ``{"message": "Invalid request body"}``; ``x-amzn-ErrorType: BadRequestException``;
response types BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY (supported-gateway-response-types).
``$context.error.validationErrorString`` carries the detail: the parameters message, or the
schema errors as ``[message, message]`` in the wording of the Java json-schema-validator
(``object has missing required properties (["name"])``) for the common keywords. That
wording is not documented by AWS; treat it as a best effort.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT4

from stratus.local.gateway.errors import GatewayError
from stratus.local.gateway.mapping.selection import media_type

__all__ = [
    "BAD_REQUEST_BODY",
    "BAD_REQUEST_PARAMETERS",
    "InvalidModel",
    "ModelSet",
    "RequestRejected",
    "RequestToValidate",
    "Validator",
    "validate_request",
]

BAD_REQUEST_PARAMETERS = GatewayError(
    "BAD_REQUEST_PARAMETERS", 400, "Missing required request parameters", "BadRequestException"
)
BAD_REQUEST_BODY = GatewayError(
    "BAD_REQUEST_BODY", 400, "Invalid request body", "BadRequestException"
)
_MODEL_URI = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/([^/]+)/models/([^/#]+)")


class InvalidModel(ValueError):
    """A model that is not a JSON schema, or refers to a model the API lacks (AWS refuses
    both when the model is created)."""


class RequestRejected(Exception):
    """The request fails validation: answer ``error`` with ``message`` as
    ``$context.error.message`` and ``validation_error_string`` as
    ``$context.error.validationErrorString``."""

    def __init__(self, error: GatewayError, message: str, validation_error_string: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.validation_error_string = validation_error_string

    def body(self) -> bytes:
        """AWS's default body, ``{"message":$context.error.messageString}``."""
        return b'{"message":' + json.dumps(self.message).encode() + b"}"


@dataclass(frozen=True)
class Validator:
    """An ``AWS::ApiGateway::RequestValidator``."""

    validate_body: bool = False
    validate_parameters: bool = False

    @classmethod
    def from_cfn(cls, properties: Mapping[str, Any]) -> Validator:
        return cls(
            validate_body=bool(properties.get("ValidateRequestBody")),
            validate_parameters=bool(properties.get("ValidateRequestParameters")),
        )


class ModelSet:
    """An API's models (name → draft-4 schema, as a dict or its JSON text), resolving
    ``$ref`` between them; each model compiles once."""

    def __init__(self, api_id: str, models: Mapping[str, Any]) -> None:
        self.api_id = api_id
        self._schemas: dict[str, dict[str, Any]] = {}
        for name, schema in models.items():
            try:
                parsed = json.loads(schema) if isinstance(schema, str) else schema
            except ValueError as exc:
                raise InvalidModel(f"model {name!r} is not JSON: {exc}") from exc
            if not isinstance(parsed, dict):
                raise InvalidModel(f"model {name!r} is not a JSON object")
            self._schemas[name] = parsed
        self._registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._validators: dict[str, Draft4Validator] = {}

    def uri(self, name: str) -> str:
        return f"https://apigateway.amazonaws.com/restapis/{self.api_id}/models/{name}"

    def _retrieve(self, uri: str) -> Resource[Any]:
        m = _MODEL_URI.match(uri)
        if not m or m.group(1) != self.api_id or m.group(2) not in self._schemas:
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
        return Resource.from_contents(self._schemas[m.group(2)], default_specification=DRAFT4)

    def validator(self, name: str) -> Draft4Validator:
        if name not in self._schemas:
            raise InvalidModel(f"no model named {name!r}")
        if name not in self._validators:
            schema = {**self._schemas[name]}
            schema.setdefault("id", self.uri(name))  # draft 4 spells $id "id"
            try:
                Draft4Validator.check_schema(schema)
            except SchemaError as exc:
                raise InvalidModel(f"model {name!r}: {exc.message}") from exc
            self._validators[name] = Draft4Validator(schema, registry=self._registry)
        return self._validators[name]


@dataclass(frozen=True)
class RequestToValidate:
    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, Sequence[str]] = field(default_factory=dict)
    header: Mapping[str, Sequence[str]] = field(default_factory=dict)
    body: bytes | str = b""
    content_type: str | None = None


def _present(values: Sequence[str] | str | None) -> bool:
    if values is None:
        return False
    if isinstance(values, str):
        return bool(values.strip())
    return any(v.strip() for v in values)


def missing_parameters(
    request_parameters: Mapping[str, Any], request: RequestToValidate
) -> list[str]:
    """Names of required parameters that are absent or blank, in AWS's order."""
    lowered = {k.lower(): v for k, v in request.header.items()}
    missing = []
    for key in sorted(request_parameters):
        if str(request_parameters[key]).lower() != "true":
            continue
        location, _, name = key.removeprefix("method.request.").partition(".")
        if location == "header":
            found: Any = lowered.get(name.lower())
        elif location == "path":
            found = request.path.get(name)
        elif location in ("querystring", "multivaluequerystring"):
            found = request.querystring.get(name)
        elif location == "multivalueheader":
            found = lowered.get(name.lower())
        else:
            continue
        if not _present(found):
            missing.append(name)
    return missing


def _fge_message(error: ValidationError) -> str:
    """The Java json-schema-validator's wording for the common keywords."""
    dump = json.dumps
    value, instance = error.validator_value, error.instance
    if error.validator == "required":
        absent = [p for p in value if isinstance(instance, dict) and p not in instance]
        return f"object has missing required properties ({dump(absent, separators=(',', ':'))})"
    if error.validator == "type":
        kinds = value if isinstance(value, list) else [value]
        found = _json_type(instance)
        allowed = dump(kinds, separators=(",", ":"))
        return (
            f"instance type ({found}) does not match any allowed primitive type "
            f"(allowed: {allowed})"
        )
    if error.validator == "enum":
        values = dump(value, separators=(",", ":"))
        return f"instance value ({dump(instance)}) not found in enum (possible values: {values})"
    if error.validator == "maximum":
        return (
            f"numeric instance is greater than the required maximum "
            f"(maximum: {value}, found: {instance})"
        )
    if error.validator == "minimum":
        return (
            f"numeric instance is lower than the required minimum "
            f"(minimum: {value}, found: {instance})"
        )
    if error.validator == "minLength":
        return (
            f"string {dump(instance)} is too short "
            f"(length: {len(instance)}, required minimum: {value})"
        )
    if error.validator == "maxLength":
        return (
            f"string {dump(instance)} is too long "
            f"(length: {len(instance)}, maximum allowed: {value})"
        )
    if error.validator == "pattern":
        return f"ECMA 262 regex {dump(value)} does not match input string {dump(instance)}"
    return error.message


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def body_errors(validator: Draft4Validator, body: bytes | str) -> list[str]:
    """Schema violations of a JSON body (an empty body is validated as ``{}``, as
    LocalStack records AWS doing); a body that is not JSON is one error."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        # A body that is not UTF-8 cannot match a JSON model: it stops here rather than
        # reaching the integration with its bytes replaced by U+FFFD.
        return [f"Invalid UTF-8 at byte {exc.start}"]
    try:
        # Numbers without Python's limits (an integer of any length is a JSON number).
        document = json.loads(text, parse_int=_number, parse_float=Decimal) if text.strip() else {}
    except RecursionError:
        return ["Invalid JSON: nested too deeply"]
    except ValueError as exc:
        return [f"Invalid JSON: {exc}"]
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    except Unresolvable as exc:
        raise InvalidModel(f"unresolvable $ref: {exc}") from exc
    # jsonschema reports each missing property; the Java validator one message for all.
    return list(dict.fromkeys(_fge_message(e) for e in errors))


def _number(text: str) -> int | Decimal:
    return int(text) if len(text) < 4000 else Decimal(text)


def validate_request(
    validator: Validator | None,
    request_parameters: Mapping[str, Any] | None,
    request_models: Mapping[str, str] | None,
    models: ModelSet | None,
    request: RequestToValidate,
) -> None:
    """Raise :class:`RequestRejected` if the method's validator rejects the request.
    Parameters are checked before the body, as AWS reports them first."""
    if validator is None:
        return
    if validator.validate_parameters:
        missing = missing_parameters(request_parameters or {}, request)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            raise RequestRejected(BAD_REQUEST_PARAMETERS, message, message)
    if validator.validate_body and request_models and models is not None:
        wanted = media_type(request.content_type)
        lowered = {ct.lower(): m for ct, m in request_models.items()}
        # The model for the content type, else the "$default" one
        # (api-gateway-method-request-validation.html).
        model = lowered.get(wanted, lowered.get("$default"))
        if model is None:
            return
        errors = body_errors(models.validator(model), request.body)
        if errors:
            raise RequestRejected(
                BAD_REQUEST_BODY, BAD_REQUEST_BODY.message, "[" + ", ".join(errors) + "]"
            )
