"""Cognito (user pools, identity pools), STS and IAM.

Cognito user pools (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html):
the admin and management calls act on `userpool/<UserPoolId>`. The calls a user makes with
their own tokens (GetUser, ChangePassword, GlobalSignOut...) or with none (SignUp,
InitiateAuth...) are not IAM-authorized at all: `auth.is_unauthenticated` answers those
before this module is asked.

Cognito identity pools (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitoidentity.html):
`identitypool/<IdentityPoolId>`; GetId, GetOpenIdToken and GetCredentialsForIdentity are
unauthenticated.

STS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html):
AssumeRole on the role ARN (with `sts:TagSession` when it passes tags and
`sts:SetSourceIdentity` when it sets one); GetCallerIdentity and GetSessionToken need no
permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html);
AssumeRoleWithWebIdentity / WithSAML are authorized by the role's trust policy only.

IAM (https://docs.aws.amazon.com/service-authorization/latest/reference/list_identityandaccessmanagementiam.html):
global ARNs (`arn:aws:iam::<account>:role/<path><name>`); the path is only known to the
calls that create (Path parameter), other calls name the role without it.
"""

from __future__ import annotations

from stratus.local.iam.actions.base import Need, Request, items


def cognito_idp(req: Request) -> list[Need]:
    pool = req.text("UserPoolId")
    resource = req.arn("cognito-idp", f"userpool/{pool}") if pool else req.text("ResourceArn")
    return [Need(f"cognito-idp:{req.operation}", resource or "*")]


# Identity-pool calls the reference lists without a resource type: "*".
_IDENTITY_POOL_UNSCOPED = frozenset(
    {"SetIdentityPoolRoles", "SetPrincipalTagAttributeMap", "CreateIdentityPool"}
)


def cognito_identity(req: Request) -> list[Need]:
    if req.operation in _IDENTITY_POOL_UNSCOPED:
        return [Need(f"cognito-identity:{req.operation}", "*")]
    pool = req.text("IdentityPoolId")
    resource = req.arn("cognito-identity", f"identitypool/{pool}") if pool else None
    return [Need(f"cognito-identity:{req.operation}", resource or req.text("ResourceArn") or "*")]


def sts(req: Request) -> list[Need]:
    op = req.operation
    if op == "AssumeRole":
        role = req.text("RoleArn") or "*"
        ctx: dict[str, str | list[str]] = {}
        for param, key in (
            ("RoleSessionName", "sts:RoleSessionName"),
            ("ExternalId", "sts:ExternalId"),
            ("SourceIdentity", "sts:SourceIdentity"),
        ):
            if req.text(param):
                ctx[key] = str(req.text(param))
        needs = [Need("sts:AssumeRole", role, ctx)]
        tags = items(req.params, "Tags")
        if tags:
            keys = [str(t["Key"]) for t in tags if "Key" in t]
            needs.append(Need("sts:TagSession", role, {"aws:TagKeys": keys}))
        source = req.text("SourceIdentity")
        if source:
            needs.append(Need("sts:SetSourceIdentity", role, {"sts:SourceIdentity": source}))
        return needs
    if op == "GetFederationToken":
        name = req.text("Name") or "*"
        return [Need(f"sts:{op}", f"arn:aws:sts::{req.account}:federated-user/{name}")]
    return [Need(f"sts:{op}", "*")]


_IAM_NAMES = (  # parameter, resource type: the first the request carries is the resource
    ("RoleName", "role"),
    ("UserName", "user"),
    ("GroupName", "group"),
    ("InstanceProfileName", "instance-profile"),
)


def iam(req: Request) -> list[Need]:
    op = req.operation
    action = f"iam:{op}"
    path = req.text("Path") or "/"
    ctx: dict[str, str | list[str]] = {}
    policy = req.text("PolicyArn")
    named = [(param, kind) for param, kind in _IAM_NAMES if req.text(param)]
    # AddUserToGroup acts on the group, AddRoleToInstanceProfile on the instance profile:
    # the operation's last noun names its resource.
    named.sort(key=lambda pk: -op.rfind(pk[1].title().replace("-", "")))
    for param, kind in named:
        name = req.text(param)
        if name:
            if policy:
                ctx["iam:PolicyARN"] = policy
            prefix = path if op.startswith("Create") else "/"
            return [Need(action, f"arn:aws:iam::{req.account}:{kind}{prefix}{name}", ctx)]
    if op == "CreatePolicy" and req.text("PolicyName"):
        return [Need(action, f"arn:aws:iam::{req.account}:policy{path}{req.text('PolicyName')}")]
    for param in ("PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn"):
        if req.text(param):
            return [Need(action, str(req.text(param)))]
    return [Need(action, "*")]


MAPPERS = {
    "cognito-idp": cognito_idp,
    "cognito-identity": cognito_identity,
    "sts": sts,
    "iam": iam,
}
