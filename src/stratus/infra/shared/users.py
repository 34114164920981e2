"""The user pool every system's people sign in to: e-mail sign-in, open self sign-up with
e-mail verification, a strong password policy, optional TOTP MFA, recovery by e-mail only,
the Essentials feature plan, and the stage's deletion protection and removal policy.

The cdk-nag findings such a pool raises (MFA not required, no threat protection) are
acknowledged with the system's own reason, since whether they are right depends on who
signs up.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stratus.infra.shared.nag import acknowledge

THREAT_PROTECTION_RULES = ("AwsSolutions-COG3", "AwsSolutions-COG8")


def self_sign_up_pool(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    deletion_protection: bool,
    removal_policy: RemovalPolicy,
    why_mfa_optional: str,
    why_no_threat_protection: str,
    keep_original_email: bool = False,
    temp_password_validity: Duration | None = None,
) -> cognito.UserPool:
    """`keep_original_email`: an e-mail change takes effect only once the new address is
    verified (the old one keeps signing in meanwhile)."""
    pool = cognito.UserPool(
        scope,
        construct_id,
        user_pool_name=name,
        self_sign_up_enabled=True,
        sign_in_aliases=cognito.SignInAliases(email=True),
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        keep_original=cognito.KeepOriginalAttrs(email=True) if keep_original_email else None,
        standard_attributes=cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True)
        ),
        password_policy=cognito.PasswordPolicy(
            min_length=12,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=temp_password_validity,
        ),
        mfa=cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        feature_plan=cognito.FeaturePlan.ESSENTIALS,
        deletion_protection=deletion_protection,
        removal_policy=removal_policy,
    )
    acknowledge(pool, "AwsSolutions-COG2", why_mfa_optional)
    for rule in THREAT_PROTECTION_RULES:
        acknowledge(pool, rule, why_no_threat_protection)
    return pool
