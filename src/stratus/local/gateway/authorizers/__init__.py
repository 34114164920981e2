"""Authorization of a REST API method request, in AWS's order: the resource policy's explicit
deny, the method's authorizer (NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM TOKEN/REQUEST),
then its API key and usage plan. One call from the gateway (`Authorization.authorize`);
each piece lives in its own module (iam, lambda_authorizer, ../auth.py for Cognito,
../usage_plans.py, policies for the method ARN and resource policies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from stratus.local.core.contracts import LocalContext
from stratus.local.gateway.auth import AuthFailure, CognitoAuthorizers
from stratus.local.gateway.authorizers import errors as A
from stratus.local.gateway.authorizers.iam import IamCallers, IamDenied
from stratus.local.gateway.authorizers.lambda_authorizer import LambdaAuthorizers, LambdaDenied
from stratus.local.gateway.authorizers.policies import (
    condition_context,
    method_arn,
    resource_decision,
)
from stratus.local.gateway.config import Method, RestApi, Stage
from stratus.local.gateway.errors import GatewayError
from stratus.local.gateway.proxy import RequestInfo
from stratus.local.gateway.usage_plans import ApiKey, UsageDenied, UsagePlans
from stratus.local.iam.sigv4 import SignedRequest

__all__ = ["Authorization", "AuthorizationFailed", "Grant", "signed_request"]


class AuthorizationFailed(Exception):
    """The request ends here with API Gateway's answer `error`; `reason` is for logs."""

    def __init__(self, error: GatewayError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


@dataclass
class Grant:
    """What authorization adds to the integration's request context."""

    claims: dict[str, str] | None = None  # Cognito: requestContext.authorizer.claims
    identity: dict[str, Any] = field(default_factory=dict)  # requestContext.identity fields
    authorizer: dict[str, Any] | None = None  # Lambda authorizer: requestContext.authorizer
    api_key: ApiKey | None = None

    def decorate(self, event: dict[str, Any]) -> None:
        """Fill a proxy event's requestContext (built without authorization) as AWS does."""
        context = event["requestContext"]
        context["identity"].update(self.identity)
        if self.api_key is not None:
            context["identity"]["apiKey"] = self.api_key.value
            context["identity"]["apiKeyId"] = self.api_key.key_id
        if self.authorizer is not None:
            context["authorizer"] = dict(self.authorizer)

    def context_values(self) -> dict[str, Any]:
        """$context.authorizer.* and $context.identity.* for mapping templates and logs."""
        values: dict[str, Any] = {}
        for name, value in (self.claims or {}).items():
            values[f"context.authorizer.claims.{name}"] = value
        for name, value in (self.authorizer or {}).items():
            values[f"context.authorizer.{name}"] = value
        for name, value in self.identity.items():
            values[f"context.identity.{name}"] = value
        if self.api_key is not None:
            values["context.identity.apiKey"] = self.api_key.value
            values["context.identity.apiKeyId"] = self.api_key.key_id
        return values


class Authorization:
    def __init__(self, ctx: LocalContext, clock: Callable[[], float]) -> None:
        settings = ctx.settings
        self.region = settings.region
        self.account = settings.account_id
        self.clock = clock
        self.cognito = CognitoAuthorizers(ctx.token_keys, settings.region, ctx.token_clock or clock)
        self.lambdas = LambdaAuthorizers(ctx.lambdas, clock)
        self.iam = IamCallers(ctx.credentials, ctx.deployment, self.region, self.account, clock)
        self.usage = UsagePlans(ctx.deployment, clock)

    async def authorize(
        self,
        req: RequestInfo,
        hmap: Mapping[str, str],
        api: RestApi,
        stage: Stage,
        method: Method,
        path_params: Mapping[str, str],
        raw_path: str,
    ) -> Grant:
        """Grant the request or raise AuthorizationFailed with API Gateway's answer."""
        arn = method_arn(self.region, self.account, api.api_id, stage.name, req.method, req.path)
        kind = method.authorization_type
        policy = api.security.policy
        grant = Grant()
        try:
            if kind == "AWS_IAM":
                caller = self.iam.authenticate(signed_request(req, hmap, raw_path))
                self.iam.authorize(caller, arn, policy, req.source_ip)
                grant.identity = caller.identity
            else:
                self._anonymous_resource_policy(policy, arn, req.source_ip, kind == "NONE")
                authorizer = method.authorizer
                if kind == "COGNITO_USER_POOLS" and authorizer is not None:
                    grant.claims = self.cognito.authorize(authorizer, method.scopes, hmap)
                elif kind == "CUSTOM" and authorizer is not None:
                    lambda_grant = await self.lambdas.authorize(
                        authorizer, req, hmap, api, stage, method, path_params, arn
                    )
                    grant.authorizer = lambda_grant.event_authorizer()
                    if api.security.api_key_source == "AUTHORIZER":
                        usage_key = lambda_grant.output.usage_identifier_key
                        hmap = {**hmap, "x-api-key": usage_key or ""}
            if (method.resource_id, method.http_method) in api.security.api_key_required:
                grant.api_key = self.usage.admit(
                    api.api_id, stage.name, hmap.get("x-api-key"), method.resource_path, req.method
                )
        except (IamDenied, LambdaDenied, UsageDenied, AuthFailure) as failure:
            raise AuthorizationFailed(failure.error, failure.reason) from failure
        return grant

    def _anonymous_resource_policy(
        self, policy: dict[str, Any] | None, arn: str, source_ip: str, needs_allow: bool
    ) -> None:
        """AWS: an explicit deny refuses before any authorizer runs; with no authorizer
        (NONE) the resource policy must allow explicitly."""
        decision = resource_decision(
            policy, arn, condition_context(source_ip, self.clock()), set(), None
        )
        if decision is None:
            return
        if decision.explicit_deny:
            raise IamDenied(
                A.invoke_denied("anonymous", arn, True, resource_policy=True), "resource deny"
            )
        if needs_allow and not decision.allowed:
            raise IamDenied(
                A.invoke_denied("anonymous", arn, False, resource_policy=True), "no allow"
            )


def signed_request(req: RequestInfo, hmap: Mapping[str, str], raw_path: str) -> SignedRequest:
    """The request as SigV4 saw it: the path as sent, the query, headers and body."""
    return SignedRequest(req.method, raw_path, _query_string(req), hmap, req.body)


def _query_string(req: RequestInfo) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in req.query)
