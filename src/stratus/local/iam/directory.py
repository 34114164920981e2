"""Read IAM users, their keys, roles and policies out of moto's IAM backend, live.

Why direct reads: `CredentialStore.lookup` runs on every signed request (the S3 guard, the
gateway's AWS_IAM methods, IAM enforcement) and STS runs inside the endpoint's own hooks,
where a boto3 call back through the endpoint would wait on itself. `core.context` allows
reading a moto backend on such a hot path; this module is the one place IAM does it, and it
only reads. Reading live (not a copy made at start) is what makes `CreateAccessKey`,
`UpdateAccessKey --status Inactive`, `DeleteAccessKey`, `PutUserPolicy`, `AttachRolePolicy`
... take effect on the next request, as they do on AWS.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from stratus.local.core.settings import ACCOUNT_ID

Document = dict[str, Any]


@dataclass(frozen=True)
class UserView:
    name: str
    arn: str
    user_id: str
    account: str
    policies: list[Document]  # inline + attached + every group's inline and attached
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleView:
    name: str
    arn: str
    role_id: str
    account: str
    trust_policy: Document
    max_session_seconds: int
    policies: list[Document]  # inline + attached managed (default versions)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OidcProviderView:
    arn: str
    url: str  # host + path, without the scheme (as IAM keeps it)
    client_ids: tuple[str, ...]


# (account, role ARN) -> moto's role object, last found (see `MotoIamDirectory.role_id`).
_ROLES_BY_ARN: dict[tuple[str, str], Any] = {}


class MotoIamDirectory:
    """IAM as moto holds it, for one account (the local cloud's)."""

    def __init__(self, account_id: str = ACCOUNT_ID) -> None:
        self.account_id = account_id
        self._parsed: dict[str, Document] = {}  # document text -> parsed (documents repeat)
        self._lock = threading.Lock()

    # -- users and keys ----------------------------------------------------------------------
    def user_key(self, access_key_id: str) -> tuple[UserView, str, str] | None:
        """(user, secret, status) of an IAM user's access key; None when no user has it."""
        backend = self._backend()
        if backend is None or not access_key_id.startswith("AKIA"):
            return None
        for user in list(backend.users.values()):
            for key in list(user.access_keys):
                if key.access_key_id == access_key_id:
                    return self._user_view(backend, user), key.secret_access_key, key.status
        return None

    def user(self, name: str) -> UserView | None:
        backend = self._backend()
        user = None if backend is None else backend.users.get(name)
        return None if user is None else self._user_view(backend, user)

    def _user_view(self, backend: Any, user: Any) -> UserView:
        documents = self._documents(user.policies, user.managed_policies)
        for group in list(backend.groups.values()):
            if user in group.users:
                documents += self._documents(group.policies, group.managed_policies)
        tags = _tag_map(backend.tagger.list_tags_for_resource(user.arn).get("Tags"))
        return UserView(user.name, user.arn, user.id, self.account_id, documents, tags)

    # -- roles -------------------------------------------------------------------------------
    def role(self, role_arn: str) -> RoleView | None:
        """A role by ARN (or by name); None when moto has no such role."""
        backend = self._backend()
        if backend is None:
            return None
        name = role_arn.rsplit("/", 1)[-1]
        for role in list(backend.roles.values()):
            if role.arn == role_arn or (role.name == name and role_arn == name):
                return RoleView(
                    name=role.name,
                    arn=role.arn,
                    role_id=role.id,
                    account=self.account_id,
                    trust_policy=self._parse(role.assume_role_policy_document),
                    max_session_seconds=int(role.max_session_duration or 3600),
                    policies=self._documents(role.policies, role.managed_policies),
                    tags=_tag_map(role.tags),
                )
        return None

    def role_id(self, role_arn: str) -> str | None:
        """The unique id of the role with this ARN; None when moto has no such role. The
        role found is remembered per ARN and trusted while moto still holds that same role
        under its id (a role deleted and created again has a new id, as on AWS), so that the
        per-call lookup is not a scan of every role."""
        backend = self._backend()
        if backend is None:
            return None
        known = _ROLES_BY_ARN.get((self.account_id, role_arn))
        if known is not None and backend.roles.get(known.id) is known and known.arn == role_arn:
            return str(known.id)
        for role in list(backend.roles.values()):
            if role.arn == role_arn:
                _ROLES_BY_ARN[(self.account_id, role_arn)] = role
                return str(role.id)
        return None

    def managed_policy(self, arn: str) -> Document | None:
        backend = self._backend()
        policy = None if backend is None else backend.managed_policies.get(arn)
        return None if policy is None else self._default_version(policy)

    def oidc_provider(self, url: str) -> OidcProviderView | None:
        """The IAM OIDC identity provider registered for an issuer URL (scheme optional)."""
        backend = self._backend()
        if backend is None:
            return None
        wanted = url.split("://", 1)[-1].rstrip("/")
        for provider in list(backend.open_id_providers.values()):
            if provider.url.rstrip("/") == wanted:
                return OidcProviderView(provider.arn, provider.url, tuple(provider.client_id_list))
        return None

    # -- helpers -----------------------------------------------------------------------------
    def _backend(self) -> Any | None:
        from moto.iam.models import iam_backends

        if self.account_id not in iam_backends:  # no IAM call yet: nothing exists
            return None
        return iam_backends[self.account_id]["aws"]

    def _documents(self, inline: dict[str, str], managed: dict[str, Any]) -> list[Document]:
        out = [self._parse(text) for text in list(inline.values())]
        for policy in list(managed.values()):
            document = self._default_version(policy)
            if document is not None:
                out.append(document)
        return out

    def _default_version(self, policy: Any) -> Document | None:
        for version in list(policy.versions):
            if version.is_default:
                return self._parse(version.document)
        return None

    def _parse(self, text: Any) -> Document:
        if isinstance(text, dict):
            return text
        raw = str(text or "{}")
        with self._lock:
            cached = self._parsed.get(raw)
        if cached is not None:
            return cached
        try:
            value = json.loads(raw)
        except ValueError:
            try:
                value = json.loads(unquote(raw))  # moto keeps some documents URL-encoded
            except ValueError:
                value = {}  # IAM validates documents; an unreadable one grants nothing
        document: Document = value if isinstance(value, dict) else {}
        with self._lock:
            if len(self._parsed) > 2048:
                self._parsed.clear()
            self._parsed[raw] = document
        return document


def _tag_map(tags: Any) -> dict[str, str]:
    if not tags:
        return {}
    if isinstance(tags, dict):  # moto's {key: {"Key":..., "Value":...}} form
        tags = list(tags.values())
    return {str(t.get("Key")): str(t.get("Value", "")) for t in tags if isinstance(t, dict)}
