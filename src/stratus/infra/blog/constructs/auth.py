"""Sign-in for readers and authors: a user pool, its `authors` group and a public app client."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stratus.blog.api import AUTHORS_GROUP
from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.shared.users import self_sign_up_pool


class BlogAuth(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cfg: BlogStageConfig) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = self_sign_up_pool(
            self,
            "UserPool",
            name=f"stratus-{cfg.name}-blog-users",
            deletion_protection=cfg.deletion_protection,
            removal_policy=cfg.removal_policy,
            why_mfa_optional="Readers sign up themselves to comment; MFA is offered (TOTP) but "
            "not forced on them. Authors are few and can be required to enrol per user.",
            why_no_threat_protection="Threat protection needs the paid Plus feature plan; the "
            "blog's pool stays on Essentials like the to-do system's.",
        )
        self.authors = cognito.CfnUserPoolGroup(
            self,
            "AuthorsGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=AUTHORS_GROUP,
            description="May create, update, publish and unpublish posts",
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name="BlogWebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
