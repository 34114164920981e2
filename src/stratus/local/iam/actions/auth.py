"""Which calls IAM does not authorize at all, read from botocore's service models.

- Operations the model marks `authtype: none` / `auth: ["smithy.api#noAuth"]` are sent
  unsigned: Cognito's SignUp, InitiateAuth, RespondToAuthChallenge..., identity pools'
  GetId / GetCredentialsForIdentity, STS AssumeRoleWithWebIdentity. Nobody is asking, so no
  policy applies (their own checks - passwords, tokens, trust policies - are the service's).
- Cognito user-pool calls authorized by the user's AccessToken (GetUser, ChangePassword,
  GlobalSignOut, ...): the token is the authorization, never an IAM policy
  (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html
  "authorization models": token-authorized and unauthenticated operations). Current models
  mark them noAuth too; an input with a required AccessToken is taken as such also, so an
  older model answers the same.
- STS GetCallerIdentity and GetSessionToken are signed but need no permission, and an
  explicit deny does not stop them
  (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html).
"""

from __future__ import annotations

import functools

from stratus.local.core.service_index import service_model

PERMISSIONLESS = frozenset({("sts", "GetCallerIdentity"), ("sts", "GetSessionToken")})


@functools.cache
def _unauthenticated_ops(service: str) -> frozenset[str]:
    try:
        model = service_model(service)
    except Exception:  # an unknown service has no unsigned operations
        return frozenset()
    shapes = model.get("shapes", {})
    found = set()
    for name, op in model.get("operations", {}).items():
        auth = op.get("auth")
        if op.get("authtype") == "none" or (auth and set(auth) == {"smithy.api#noAuth"}):
            found.add(name)
            continue
        if service == "cognito-idp":
            shape = shapes.get((op.get("input") or {}).get("shape", ""), {})
            if "AccessToken" in shape.get("required", []):
                found.add(name)
    return frozenset(found)


def is_unauthenticated(service: str | None, operation: str | None) -> bool:
    """Whether `operation` is answered without any IAM check: unsigned by design, or
    authorized by a Cognito access token instead of a caller's policies."""
    if not service or not operation:
        return False
    return operation in _unauthenticated_ops(service)


def needs_no_permission(service: str | None, operation: str | None) -> bool:
    """Unauthenticated, or signed but allowed to every caller (GetCallerIdentity)."""
    return (service, operation) in PERMISSIONLESS or is_unauthenticated(service, operation)
