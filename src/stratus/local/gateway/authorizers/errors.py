"""API Gateway's own answers when authorization fails, copied from AWS.

- Gateway response types and their default status codes:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
- AccessDeniedException bodies are spelled `{"Message": ...}` (capital M) by API Gateway, for
  a Lambda authorizer's deny ("User is not authorized to access this resource[ with an
  explicit deny]", https://dev.to/marcogrcr/api-gateway-lambda-authorizer-lambda-proxy-integration-failure-modes-52bc)
  and for IAM denials ("User: <arn> is not authorized to perform: execute-api:Invoke on
  resource: <arn> because no identity-based policy allows the execute-api:Invoke action",
  https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch).
- A Lambda authorizer that fails (raises anything but "Unauthorized", times out, answers a
  malformed policy) is a 500 `{"message":null}` with x-amzn-ErrorType
  AuthorizerConfigurationException (https://loige.co/debugging-custom-apigateway-authorizers/).
- SigV4 failures are 403s with the JSON services' messages (iam/sigv4.py).
- API keys and usage plans: ../usage_plans.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from stratus.local.gateway.errors import GatewayError


@dataclass(frozen=True)
class CapitalMessageError(GatewayError):
    """An AccessDeniedException: API Gateway writes its body as {"Message":"..."}."""

    def default_body(self) -> bytes:
        return b'{"Message":' + json.dumps(self.message).encode() + b"}"


@dataclass(frozen=True)
class NullMessageError(GatewayError):
    """AuthorizerConfigurationException: API Gateway's body is {"message":null}."""

    def default_body(self) -> bytes:
        return b'{"message":null}'


NOT_AUTHORIZED = CapitalMessageError(
    "ACCESS_DENIED", 403, "User is not authorized to access this resource", "AccessDeniedException"
)
EXPLICIT_DENY = CapitalMessageError(
    "ACCESS_DENIED",
    403,
    "User is not authorized to access this resource with an explicit deny",
    "AccessDeniedException",
)
AUTHORIZER_ERROR = NullMessageError(
    "AUTHORIZER_CONFIGURATION_ERROR", 500, "", "AuthorizerConfigurationException"
)


def invoke_denied(
    caller: str, method_arn: str, explicit: bool, *, resource_policy: bool
) -> GatewayError:
    """execute-api:Invoke refused by IAM, in AWS's words."""
    if explicit:
        where = "a resource-based policy" if resource_policy else "an identity-based policy"
        why = f"with an explicit deny in {where}"
    elif resource_policy:
        why = "because no resource-based policy allows the execute-api:Invoke action"
    else:
        why = "because no identity-based policy allows the execute-api:Invoke action"
    return CapitalMessageError(
        "ACCESS_DENIED",
        403,
        f"User: {caller} is not authorized to perform: execute-api:Invoke on resource: "
        f"{method_arn} {why}",
        "AccessDeniedException",
    )


_SIGNATURE_ERRORS = {
    "incomplete": ("INVALID_SIGNATURE", "IncompleteSignatureException"),
    "mismatch": ("INVALID_SIGNATURE", "InvalidSignatureException"),
    "expired": ("INVALID_SIGNATURE", "InvalidSignatureException"),
    "unknown_key": ("INVALID_SIGNATURE", "UnrecognizedClientException"),
    "expired_token": ("EXPIRED_TOKEN", "ExpiredTokenException"),
}


def signature_error(kind: str, message: str) -> GatewayError:
    """A SigV4 failure (iam/sigv4.SignatureError) as API Gateway answers it."""
    if kind == "missing":
        return GatewayError(
            "MISSING_AUTHENTICATION_TOKEN",
            403,
            "Missing Authentication Token",
            "MissingAuthenticationTokenException",
        )
    response_type, error_type = _SIGNATURE_ERRORS.get(kind, _SIGNATURE_ERRORS["mismatch"])
    return GatewayError(response_type, 403, message, error_type)
