"""Cognito user pools, clients, domains and identity pools in moto."""

from __future__ import annotations

import re
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    api_params,
    error_code,
)


class UserPoolProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        idp = ctx.aws("cognito-idp")
        params = api_params(idp, "CreateUserPool", props, UserPoolName="PoolName")
        params.setdefault("PoolName", ctx.name(128))
        params.pop("UserPoolTier", None)
        pool = idp.create_user_pool(**params)["UserPool"]
        _enable_mfas(idp, pool["Id"], props)
        return pool["Id"], self._attributes(ctx, pool["Id"], pool["Arn"])

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("cognito-idp").describe_user_pool(UserPoolId=physical_id),
            "ResourceNotFoundException",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        # Replacing a pool would lose its users; AWS updates most settings in place too.
        idp = ctx.aws("cognito-idp")
        params = api_params(idp, "UpdateUserPool", props)
        idp.update_user_pool(UserPoolId=physical_id, **params)
        _enable_mfas(idp, physical_id, props)
        arn = idp.describe_user_pool(UserPoolId=physical_id)["UserPool"]["Arn"]
        return physical_id, self._attributes(ctx, physical_id, arn)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("cognito-idp").delete_user_pool(UserPoolId=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise

    @staticmethod
    def _attributes(ctx: ProviderContext, pool_id: str, arn: str) -> Attributes:
        provider = f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}"
        return {
            "Arn": arn,
            "UserPoolId": pool_id,
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
        }


def _enable_mfas(idp: Any, pool_id: str, props: dict[str, Any]) -> None:
    """`EnabledMfas` is a template property only (CreateUserPool has no such parameter):
    the API's way to say the same is SetUserPoolMfaConfig, so GetUserPoolMfaConfig
    answers what the template declared.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpool.html#cfn-cognito-userpool-enabledmfas
    """
    if "SOFTWARE_TOKEN_MFA" in (props.get("EnabledMfas") or []):
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=props.get("MfaConfiguration") or "OFF",
        )


class UserPoolClientProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        idp = ctx.aws("cognito-idp")
        params = api_params(idp, "CreateUserPoolClient", props)
        params.setdefault("ClientName", ctx.logical_id)
        _localize_urls(ctx, params)
        client = idp.create_user_pool_client(**params)["UserPoolClient"]
        attrs: Attributes = {"Name": client["ClientName"], "ClientId": client["ClientId"]}
        if client.get("ClientSecret"):
            attrs["ClientSecret"] = client["ClientSecret"]
        return client["ClientId"], attrs

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        idp = ctx.aws("cognito-idp")
        for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
            clients = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)[
                "UserPoolClients"
            ]
            if any(c["ClientId"] == physical_id for c in clients):
                return True
        return False

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        pool = (ctx.old_properties or {}).get("UserPoolId")
        if not pool:
            return
        try:
            ctx.aws("cognito-idp").delete_user_pool_client(UserPoolId=pool, ClientId=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise


def _localize_urls(ctx: ProviderContext, params: dict[str, Any]) -> None:
    """Callback and sign-out URLs naming the gateway's default origin name the running
    gateway instead (a CDK app written for the local cloud says https://127.0.0.1:4443; the
    gateway may run on another port). AWS stages name no loopback origin: unchanged."""
    from stratus.local.cognito.hosted_ui.clients import localize
    from stratus.local.gateway.app import local_origins

    origins = local_origins(ctx.settings)
    for key in ("CallbackURLs", "LogoutURLs", "DefaultRedirectURI"):
        value = params.get(key)
        if isinstance(value, list):
            params[key] = [localize(str(url), origins) for url in value]
        elif isinstance(value, str):
            params[key] = localize(value, origins)


class UserPoolDomainProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        idp = ctx.aws("cognito-idp")
        try:
            idp.create_user_pool_domain(**api_params(idp, "CreateUserPoolDomain", props))
        except Exception as exc:
            if error_code(exc) != "InvalidParameterException":
                raise
        return props["Domain"], {"CloudFrontDistribution": f"{props['Domain']}.cloudfront.net"}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        pool = (ctx.old_properties or {}).get("UserPoolId")
        try:
            ctx.aws("cognito-idp").delete_user_pool_domain(Domain=physical_id, UserPoolId=pool)
        except Exception as exc:
            if error_code(exc) not in ("ResourceNotFoundException", "InvalidParameterException"):
                raise


class IdentityPoolProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        identity = ctx.aws("cognito-identity")
        params = api_params(identity, "CreateIdentityPool", props)
        # Identity pool names allow only [\w ]; CloudFormation generates one likewise.
        params.setdefault("IdentityPoolName", re.sub(r"[^\w ]", "_", ctx.name(128, sep="_")))
        params.setdefault("AllowUnauthenticatedIdentities", False)
        pool = identity.create_identity_pool(**params)
        return pool["IdentityPoolId"], {"Name": pool["IdentityPoolName"]}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("cognito-identity").describe_identity_pool(IdentityPoolId=physical_id),
            "ResourceNotFoundException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("cognito-identity").delete_identity_pool(IdentityPoolId=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise


class UserPoolGroupProvider(Provider):
    """AWS::Cognito::UserPoolGroup: Ref is the group name (as CloudFormation returns it)."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        idp = ctx.aws("cognito-idp")
        params = api_params(idp, "CreateGroup", props)
        params.setdefault("GroupName", ctx.name(128))
        idp.create_group(**params)
        return params["GroupName"], {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        pool = (ctx.old_properties or {}).get("UserPoolId")
        if not pool:
            return
        try:
            ctx.aws("cognito-idp").delete_group(UserPoolId=pool, GroupName=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
