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


def _doc(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


class RoleProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        name = props.get("RoleName") or ctx.name(64)
        params: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": _doc(props.get("AssumeRolePolicyDocument", {})),
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
                PolicyDocument=_doc(policy["PolicyDocument"]),
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


class PolicyProvider(Provider):
    """AWS::IAM::Policy: an inline policy put on each of its roles."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        for role in props.get("Roles") or []:
            iam.put_role_policy(
                RoleName=role,
                PolicyName=props["PolicyName"],
                PolicyDocument=_doc(props["PolicyDocument"]),
            )
        return ctx.name(128), {"Id": ctx.name(128)}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        gone = set(old.get("Roles") or []) - set(props.get("Roles") or [])
        if old.get("PolicyName") != props.get("PolicyName"):
            gone = set(old.get("Roles") or [])
        _delete_inline(ctx, old.get("PolicyName"), gone)
        return self.create(ctx, props)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        old = ctx.old_properties or {}
        _delete_inline(ctx, old.get("PolicyName"), set(old.get("Roles") or []))


def _delete_inline(ctx: ProviderContext, policy: Any, roles: set[str]) -> None:
    if not policy:
        return
    iam = ctx.aws("iam")
    for role in roles:
        try:
            iam.delete_role_policy(RoleName=role, PolicyName=policy)
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
                PolicyName=name, Path=path, PolicyDocument=_doc(props["PolicyDocument"])
            )
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            iam.create_policy_version(
                PolicyArn=arn, PolicyDocument=_doc(props["PolicyDocument"]), SetAsDefault=True
            )
        for role in props.get("Roles") or []:
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        return arn, {"PolicyArn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("iam").get_policy(PolicyArn=physical_id), "NoSuchEntity")

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        iam = ctx.aws("iam")
        try:
            for role in iam.list_entities_for_policy(PolicyArn=physical_id)["PolicyRoles"]:
                iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=physical_id)
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
