"""IAM users, groups and access keys: their unique ids as AWS forms them, and their
provisioning from templates (CDK's `iam.User`, `iam.Group`, `iam.AccessKey`).

moto 5.2.5 gives a user a random 20-character lower-case id, where IAM answers `AIDA` plus
17 upper-case characters (and `AGPA...` for a group): the prefix tells what the id is
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
GetUser, GetCallerIdentity and `aws:userid` must agree, so moto's constructors are wrapped
once, before any user exists, with the same generator moto uses for role ids (AROA...).
"""

from __future__ import annotations

import functools
from typing import Any

from stratus.local.iam.providers import policy_text
from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
    log,
)

_INSTALLED = False


def install_user_ids() -> None:
    """Make moto's new IAM users and groups carry AIDA... / AGPA... ids (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.iam import models
    from moto.iam.utils import generate_access_key_id_from_account_id

    def wrap(cls: Any, prefix: str) -> None:
        original = cls.__init__

        @functools.wraps(original)
        def init(self: Any, account_id: str, *args: Any, **kwargs: Any) -> None:
            original(self, account_id, *args, **kwargs)
            self.id = generate_access_key_id_from_account_id(
                account_id, prefix=prefix, total_length=21
            )

        cls.__init__ = init

    wrap(models.User, "AIDA")
    wrap(models.Group, "AGPA")
    _INSTALLED = True


# -- provisioning: AWS::IAM::User, Group, AccessKey, UserToGroupAddition ------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-user.html
# (and -group, -accesskey, -usertogroupaddition): Ref is the name (the access key id for a
# key); GetAtt Arn, and SecretAccessKey for a key.


def _attach_all(ctx: ProviderContext, kind: str, name: str, props: dict[str, Any]) -> None:
    iam = ctx.aws("iam")
    key = f"{kind}Name"
    for policy in props.get("Policies") or []:
        getattr(iam, f"put_{kind.lower()}_policy")(
            **{key: name},
            PolicyName=policy["PolicyName"],
            PolicyDocument=policy_text(policy["PolicyDocument"]),
        )
    for arn in props.get("ManagedPolicyArns") or []:
        try:
            getattr(iam, f"attach_{kind.lower()}_policy")(**{key: name}, PolicyArn=arn)
        except Exception as exc:  # moto does not know every AWS-managed policy
            log.info(
                "%s/%s: managed policy %s not attached: %s", ctx.stack, ctx.logical_id, arn, exc
            )


class UserProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        name = props.get("UserName") or ctx.name(64)
        try:
            user = iam.create_user(UserName=name, Path=props.get("Path", "/"))["User"]
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            user = iam.get_user(UserName=name)["User"]
        _attach_all(ctx, "User", name, props)
        for group in props.get("Groups") or []:
            iam.add_user_to_group(GroupName=group, UserName=name)
        return name, {"Arn": user["Arn"]}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("iam").get_user(UserName=physical_id), "NoSuchEntity")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("UserName", physical_id) != physical_id:
            return None
        return self.create(ctx, {**props, "UserName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        iam = ctx.aws("iam")
        try:
            for policy in iam.list_user_policies(UserName=physical_id)["PolicyNames"]:
                iam.delete_user_policy(UserName=physical_id, PolicyName=policy)
            for attached in iam.list_attached_user_policies(UserName=physical_id)[
                "AttachedPolicies"
            ]:
                iam.detach_user_policy(UserName=physical_id, PolicyArn=attached["PolicyArn"])
            for group in iam.list_groups_for_user(UserName=physical_id)["Groups"]:
                iam.remove_user_from_group(GroupName=group["GroupName"], UserName=physical_id)
            for key in iam.list_access_keys(UserName=physical_id)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=physical_id, AccessKeyId=key["AccessKeyId"])
            iam.delete_user(UserName=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


class GroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        name = props.get("GroupName") or ctx.name(128)
        try:
            group = iam.create_group(GroupName=name, Path=props.get("Path", "/"))["Group"]
        except Exception as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
            group = iam.get_group(GroupName=name)["Group"]
        _attach_all(ctx, "Group", name, props)
        return name, {"Arn": group["Arn"]}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(lambda: ctx.aws("iam").get_group(GroupName=physical_id), "NoSuchEntity")

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("GroupName", physical_id) != physical_id:
            return None
        return self.create(ctx, {**props, "GroupName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        iam = ctx.aws("iam")
        try:
            for policy in iam.list_group_policies(GroupName=physical_id)["PolicyNames"]:
                iam.delete_group_policy(GroupName=physical_id, PolicyName=policy)
            for attached in iam.list_attached_group_policies(GroupName=physical_id)[
                "AttachedPolicies"
            ]:
                iam.detach_group_policy(GroupName=physical_id, PolicyArn=attached["PolicyArn"])
            for user in iam.get_group(GroupName=physical_id)["Users"]:
                iam.remove_user_from_group(GroupName=physical_id, UserName=user["UserName"])
            iam.delete_group(GroupName=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


class AccessKeyProvider(Provider):
    """An IAM user's key; its secret is the SecretAccessKey attribute, as in CloudFormation."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        key = iam.create_access_key(UserName=props["UserName"])["AccessKey"]
        if props.get("Status") == "Inactive":
            iam.update_access_key(
                UserName=props["UserName"], AccessKeyId=key["AccessKeyId"], Status="Inactive"
            )
        return key["AccessKeyId"], {"SecretAccessKey": key["SecretAccessKey"]}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        user = (ctx.old_properties or {}).get("UserName")
        if not user:
            return True
        keys = ctx.aws("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
        return any(k["AccessKeyId"] == physical_id for k in keys)

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = ctx.old_properties or {}
        if old.get("UserName") != props.get("UserName") or old.get("Serial") != props.get("Serial"):
            return None  # a new key, as CloudFormation replaces it
        from stratus.local.iam.directory import MotoIamDirectory

        found = MotoIamDirectory(ctx.account).user_key(physical_id)
        if found is None:
            return None
        ctx.aws("iam").update_access_key(
            UserName=props["UserName"],
            AccessKeyId=physical_id,
            Status=props.get("Status") or "Active",
        )
        return physical_id, {"SecretAccessKey": found[1]}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        user = (ctx.old_properties or {}).get("UserName")
        if not user:
            return
        try:
            ctx.aws("iam").delete_access_key(UserName=user, AccessKeyId=physical_id)
        except Exception as exc:
            if error_code(exc) != "NoSuchEntity":
                raise


class UserToGroupAdditionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        iam = ctx.aws("iam")
        for user in props.get("Users") or []:
            iam.add_user_to_group(GroupName=props["GroupName"], UserName=user)
        return ctx.name(128), {}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        self.delete(ctx, physical_id)
        self.create(ctx, props)
        return physical_id, {}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        old = ctx.old_properties or {}
        for user in old.get("Users") or []:
            try:
                ctx.aws("iam").remove_user_from_group(GroupName=old["GroupName"], UserName=user)
            except Exception as exc:
                if error_code(exc) != "NoSuchEntity":
                    raise
