"""Sign-in for the mobile app: Cognito user pool, app client, hosted domain, identity pool.

The identity pool maps the user-pool claim `sub` to the principal tag `sub`; the
authenticated role's S3 rights are written with `${aws:PrincipalTag/sub}`, so temporary
credentials reach only `<bucket>/<sub>/...` and nothing else. L1 constructs are used for
the identity pool because the L2 has no principal-tag mapping.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, Fn, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stratus.infra.shared.nag import acknowledge
from stratus.infra.shared.users import self_sign_up_pool
from stratus.infra.todo.stage import TodoStageConfig

SUB_TAG = "sub"
OWN_PREFIX = "${aws:PrincipalTag/sub}"


def user_folder_policy(bucket: s3.IBucket) -> iam.PolicyDocument:
    """Object rights under the caller's own `<sub>/` folder, listing limited to it."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="OwnFolderObjects",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[bucket.arn_for_objects(f"{OWN_PREFIX}/*")],
            ),
            iam.PolicyStatement(
                sid="ListOwnFolder",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{OWN_PREFIX}/*", f"{OWN_PREFIX}/"]}},
            ),
        ]
    )


class TodoAuth(Construct):
    """User pool + `MobileClient` + prefix domain + authenticated-only identity pool."""

    def __init__(
        self, scope: Construct, construct_id: str, *, cfg: TodoStageConfig, bucket: s3.IBucket
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = self_sign_up_pool(
            self,
            "UserPool",
            name=f"stratus-{cfg.name}-todo-users",
            deletion_protection=cfg.deletion_protection,
            removal_policy=cfg.removal_policy,
            why_mfa_optional="MFA is offered (optional TOTP) but not required: the issue asks "
            "for open self sign-up from the mobile app with e-mail verification.",
            why_no_threat_protection="Threat protection needs the paid Plus feature plan; the "
            "issue makes advanced security optional, so the pool stays on Essentials.",
            keep_original_email=True,
            temp_password_validity=Duration.days(3),
        )
        self.client = self.user_pool.add_client(
            "MobileClient",
            user_pool_client_name="MobileClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            # Code grant only (no implicit): Cognito enforces PKCE whenever the public client
            # sends a code_challenge, which the mobile and web clients always do.
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=list(cfg.callback_urls),
                logout_urls=list(cfg.logout_urls),
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        # Prefix domains are global per region: add the account id unless one is given.
        prefix = cfg.domain_prefix or Fn.join("-", ["stratus-todo", cfg.name, Aws.ACCOUNT_ID])
        self.domain = self.user_pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )

        provider_name = self.user_pool.user_pool_provider_name
        self.identity_pool = cognito.CfnIdentityPool(
            self,
            "IdentityPool",
            identity_pool_name=f"stratus_{cfg.name}_todo",
            allow_unauthenticated_identities=False,
            cognito_identity_providers=[
                cognito.CfnIdentityPool.CognitoIdentityProviderProperty(
                    client_id=self.client.user_pool_client_id,
                    provider_name=provider_name,
                    server_side_token_check=True,
                )
            ],
        )
        cognito.CfnIdentityPoolPrincipalTag(
            self,
            "PrincipalTags",
            identity_pool_id=self.identity_pool.ref,
            identity_provider_name=provider_name,
            principal_tags={SUB_TAG: "sub"},
            use_defaults=False,
        )
        self.authenticated_role = iam.Role(
            self,
            "AuthenticatedRole",
            description="Identity-pool credentials: S3 access to the caller's own folder only",
            assumed_by=iam.FederatedPrincipal(
                "cognito-identity.amazonaws.com",
                conditions={
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": self.identity_pool.ref},
                    "ForAnyValue:StringLike": {
                        "cognito-identity.amazonaws.com:amr": "authenticated"
                    },
                },
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ).with_session_tags(),
            inline_policies={"UserFolder": user_folder_policy(bucket)},
        )
        acknowledge(
            self.authenticated_role,
            # cdk-nag prints `${aws:PrincipalTag/sub}` as `<aws:PrincipalTag/sub>` in finding ids.
            f"AwsSolutions-IAM5[Resource::<{_logical(bucket)}.Arn>/<aws:PrincipalTag/sub>/*]",
            "The wildcard is below the caller's own folder: the principal tag `sub` is set by "
            "the identity pool from the verified token, so each user reaches only <sub>/.",
        )
        cognito.CfnIdentityPoolRoleAttachment(
            self,
            "RoleAttachment",
            identity_pool_id=self.identity_pool.ref,
            roles={"authenticated": self.authenticated_role.role_arn},
        )


def _logical(bucket: s3.IBucket) -> str:
    """The bucket's logical id as cdk-nag prints it in IAM5 finding ids."""
    cfn = bucket.node.default_child
    return Stack.of(bucket).get_logical_id(cfn)  # type: ignore[arg-type]
