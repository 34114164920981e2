"""AWS_IAM methods: who signed the request (full SigV4, service execute-api) and whether
their policies allow execute-api:Invoke on the method ARN.

Signature checks and messages: iam/sigv4.py. Policy combination: policies.py. The proxy
event's `requestContext.identity` is filled as AWS fills it for a signed caller
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format):
accessKey, accountId, caller/user ("<role id>:<session>" for a role session), userArn,
and for identity-pool credentials cognitoIdentityId, cognitoIdentityPoolId and
cognitoAuthenticationType. Caller ARNs and ids come from `iam/identity.py` (role ids are
IAM's own); cognitoAuthenticationProvider is left null (the local
credential store does not keep the user-pool login behind a credential).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stratus.local.gateway.authorizers import errors as A
from stratus.local.gateway.authorizers.policies import (
    condition_context,
    evaluate_invoke,
    resource_decision,
)
from stratus.local.gateway.errors import GatewayError
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.identity import caller_identity
from stratus.local.iam.sigv4 import SignatureError, SignedRequest, verify_request
from stratus.local.provision.model import Deployment

SERVICE = "execute-api"


class IamDenied(Exception):
    def __init__(self, error: GatewayError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


@dataclass
class Caller:
    principal: Principal
    arn: str  # as AWS names the caller in messages and userArn
    account: str
    names: set[str] = field(default_factory=set)  # ARNs a resource policy may name
    identity: dict[str, Any] = field(default_factory=dict)  # requestContext.identity fields


class IamCallers:
    def __init__(
        self,
        credentials: CredentialStore,
        deployment: Deployment,
        region: str,
        account: str,
        clock: Callable[[], float],
    ) -> None:
        self._credentials = credentials
        self._region = region
        self._account = account
        self._clock = clock
        self._pool_roles = _identity_pool_roles(deployment)

    def authenticate(self, request: SignedRequest) -> Caller:
        try:
            principal = verify_request(
                request,
                self._credentials,
                service=SERVICE,
                region=self._region,
                now=self._clock(),
            )
        except SignatureError as exc:
            raise IamDenied(A.signature_error(exc.kind, exc.message), exc.kind) from exc
        return self.caller(principal)

    def caller(self, principal: Principal) -> Caller:
        """The caller as `iam/identity.py` names it (root, IAM user or role session)."""
        identity: dict[str, Any] = {"accessKey": principal.access_key_id}
        who = caller_identity(principal, self._account)
        if principal.kind == "root" or (who.role_arn is None and principal.kind != "user"):
            identity.update(
                accountId=who.account, caller=who.account, user=who.account, userArn=who.arn
            )
            return Caller(principal, who.arn, who.account, {who.arn}, identity)
        identity.update(
            accountId=who.account, caller=who.user_id, user=who.user_id, userArn=who.arn
        )
        if principal.kind == "identity":
            pool, kind = self._pool_roles.get(principal.role_arn or "", (None, None))
            identity.update(
                cognitoIdentityId=principal.subject,
                cognitoIdentityPoolId=pool,
                cognitoAuthenticationType=kind,
            )
        names = {who.arn} | ({who.role_arn} if who.role_arn else set())
        return Caller(principal, who.arn, who.account, names, identity)

    def authorize(
        self, caller: Caller, arn: str, policy: dict[str, Any] | None, source_ip: str
    ) -> None:
        """execute-api:Invoke on `arn` by the caller's identity policies or the API's
        resource policy (same account: either may allow; an explicit deny in either wins)."""
        context = condition_context(source_ip, self._clock(), caller.arn, caller.account)
        principal = caller.principal
        if principal.policies is None:
            identity_allows, identity_denies = True, False
        else:
            decision = evaluate_invoke(principal.policies, arn, context)
            identity_allows, identity_denies = decision.allowed, decision.explicit_deny
        resource = resource_decision(policy, arn, context, caller.names, caller.account)
        if identity_denies or (resource is not None and resource.explicit_deny):
            raise IamDenied(
                A.invoke_denied(caller.arn, arn, True, resource_policy=not identity_denies),
                "explicit deny",
            )
        if identity_allows or (resource is not None and resource.allowed):
            return
        raise IamDenied(A.invoke_denied(caller.arn, arn, False, resource_policy=False), "no allow")


def _identity_pool_roles(deployment: Deployment) -> dict[str, tuple[str, str]]:
    """Role ARN -> (identity pool id, "authenticated" | "unauthenticated")."""
    out: dict[str, tuple[str, str]] = {}
    for res in deployment.resources("AWS::Cognito::IdentityPoolRoleAttachment"):
        pool = str(res.properties.get("IdentityPoolId") or "")
        for kind, arn in (res.properties.get("Roles") or {}).items():
            if isinstance(arn, str) and kind in ("authenticated", "unauthenticated"):
                out[arn] = (pool, kind)
    return out
