"""IAM roles and policies in moto. The documents are also kept in the Deployment, because
the local cloud's own authorization (credentials, S3 guard) reads them from there."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
    log,
)

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def policy_text(value: Any) -> str:
    """A policy document as IAM's API takes it: JSON text (templates give objects)."""
    return value if isinstance(value, str) else json.dumps(value)


class RoleProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        name = props.get("RoleName") or ctx.name(64)
        params: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": policy_text(props.get("AssumeRolePolicyDocument", {})),
            "Path": props.get("Path", "/"),
        }
        if props.get("Description"):
            params["Description"] = props["Description"]
        if props.get("MaxSessionDuration"):
            params["MaxSessionDuration"] = int(props["MaxSessionDuration"])
        try:
            role = iam.create_role(**params)["Role"]
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            iam.update_assume_role_policy(
                RoleName=name, PolicyDocument=params["AssumeRolePolicyDocument"]
            )
            role = iam.get_role(RoleName=name)["Role"]
        for policy in props.get("Policies") or []:
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=policy_text(policy["PolicyDocument"]),
            )
        for arn in props.get("ManagedPolicyArns") or []:
            try:
                iam.attach_role_policy(RoleName=name, PolicyArn=arn)
            except Exception as exc:  # moto does not know every AWS-managed policy
                log.info(
                    "%s/%s: managed policy %s not attached locally: %s",
                    ctx.stack,
                    ctx.logical_id,
                    arn,
                    exc,
                )
        return name, {"Arn": role["Arn"], "RoleId": role["RoleId"]}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("iam").get_role(RoleName=physical_id), "NoSuchEntity")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("RoleName", physical_id) != physical_id:
            return None
        return self.create(ctx, {**props, "RoleName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        iam = ctx.aws("iam")
        try:
            for name in iam.list_role_policies(RoleName=physical_id)["PolicyNames"]:
                iam.delete_role_policy(RoleName=physical_id, PolicyName=name)
            attached = iam.list_attached_role_policies(RoleName=physical_id)
            for policy in attached["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=physical_id, PolicyArn=policy["PolicyArn"])
            iam.delete_role(RoleName=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


# Who an AWS::IAM::Policy / ManagedPolicy names: property -> (put, delete, attach) calls.
_HOLDERS = {
    "Roles": ("RoleName", "put_role_policy", "delete_role_policy", "attach_role_policy"),
    "Users": ("UserName", "put_user_policy", "delete_user_policy", "attach_user_policy"),
    "Groups": ("GroupName", "put_group_policy", "delete_group_policy", "attach_group_policy"),
}


class PolicyProvider(Provider):
    """AWS::IAM::Policy: an inline policy put on each of its roles, users and groups."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        for prop, (key, put, _, _) in _HOLDERS.items():
            for holder in props.get(prop) or []:
                getattr(iam, put)(
                    **{key: holder},
                    PolicyName=props["PolicyName"],
                    PolicyDocument=policy_text(props["PolicyDocument"]),
                )
        return ctx.name(128), {"Id": ctx.name(128)}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        renamed = old.get("PolicyName") != props.get("PolicyName")
        for prop in _HOLDERS:
            gone = set(old.get(prop) or []) - set(props.get(prop) or [])
            _delete_inline(
                ctx, prop, old.get("PolicyName"), set(old.get(prop) or []) if renamed else gone
            )
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        old = ctx.old_properties or {}
        for prop in _HOLDERS:
            _delete_inline(ctx, prop, old.get("PolicyName"), set(old.get(prop) or []))


def _delete_inline(ctx: ProviderContext, prop: str, policy: Any, holders: set[str]) -> None:
    if not policy:
        return
    iam = ctx.aws("iam")
    key, _, delete, _ = _HOLDERS[prop]
    for holder in holders:
        try:
            getattr(iam, delete)(**{key: holder}, PolicyName=policy)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


class ManagedPolicyProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        name = props.get("ManagedPolicyName") or ctx.name(128)
        path = props.get("Path", "/")
        arn = f"arn:aws:iam::{ctx.account}:policy{path}{name}"
        try:
            iam.create_policy(
                PolicyName=name, Path=path, PolicyDocument=policy_text(props["PolicyDocument"])
            )
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            iam.create_policy_version(
                PolicyArn=arn,
                PolicyDocument=policy_text(props["PolicyDocument"]),
                SetAsDefault=True,
            )
        for prop, (key, _, _, attach) in _HOLDERS.items():
            for holder in props.get(prop) or []:
                getattr(iam, attach)(**{key: holder}, PolicyArn=arn)
        return arn, {"PolicyArn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("iam").get_policy(PolicyArn=physical_id), "NoSuchEntity")

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        iam = ctx.aws("iam")
        try:
            entities = iam.list_entities_for_policy(PolicyArn=physical_id)
            for role in entities["PolicyRoles"]:
                iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=physical_id)
            for user in entities["PolicyUsers"]:
                iam.detach_user_policy(UserName=user["UserName"], PolicyArn=physical_id)
            for group in entities["PolicyGroups"]:
                iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=physical_id)
            for version in iam.list_policy_versions(PolicyArn=physical_id)["Versions"]:
                if not version["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=physical_id, VersionId=version["VersionId"])
            iam.delete_policy(PolicyArn=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, props)


class OidcProviderProvider(Provider):
    """AWS::IAM::OIDCProvider: an identity provider AssumeRoleWithWebIdentity trusts."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        url = str(props["Url"])
        arn = f"arn:aws:iam::{ctx.account}:oidc-provider/{url.split('://', 1)[-1]}"
        try:
            iam.create_open_id_connect_provider(
                Url=url,
                ClientIDList=list(props.get("ClientIdList") or []),
                ThumbprintList=list(props.get("ThumbprintList") or []),
            )
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            for client in props.get("ClientIdList") or []:
                iam.add_client_id_to_open_id_connect_provider(
                    OpenIDConnectProviderArn=arn, ClientID=client
                )
        return arn, {"Arn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("iam").get_open_id_connect_provider(
                OpenIDConnectProviderArn=physical_id
            ),
            "NoSuchEntity",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("iam").delete_open_id_connect_provider(OpenIDConnectProviderArn=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
