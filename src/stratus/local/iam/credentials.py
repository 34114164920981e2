"""Who is calling: the local registry of access keys and what each may do.

moto accepts any credentials and its identity-pool credentials are the same for everyone
(measured), so the local cloud issues and remembers its own: the root key every local tool
uses, one key per Lambda function (its execution role's policies), temporary keys per
identity-pool user (the authenticated role's policies plus principal tags) and the sessions
STS hands out (`iam/sts.py`: AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken). IAM
users' long-term keys stay where `CreateAccessKey` put them, in moto: a lookup that misses
here reads them live (`iam/directory.py`), so a deactivated or deleted key stops working on
the next request and a newly attached policy takes effect at once.

For the policy evaluator (every service's IAM checks): a request is allowed when
`Principal.policies` allow it (None: unrestricted, the account root) AND, when
`Principal.session_policies` is not None, those allow it too — AWS's "effective permissions
are the intersection of the role's identity-based policies and the session policies"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session).
An explicit Deny in either denies. `Principal.policy_sets()` gives the sets that must each
allow.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

from stratus.local.core.persistence import write_atomic
from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY

# Kinds: "root" (the account's root user, and its GetSessionToken sessions), "function" (a
# Lambda function's execution-role session), "identity" (an identity-pool user's session of
# the pool's role), "role" (a session from AssumeRole / AssumeRoleWithWebIdentity), "user"
# (an IAM user's access key, or a GetSessionToken session of that user), "apigateway" (the
# session API Gateway starts with an integration's credentials role).
KINDS = ("root", "function", "identity", "role", "user", "apigateway")


@dataclass
class Principal:
    access_key_id: str
    secret_access_key: str
    kind: str  # one of KINDS
    session_token: str | None = None
    role_arn: str | None = None
    # IAM policy documents in force for this principal; None means unrestricted (root).
    policies: list[dict[str, Any]] | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    expires_at: float | None = None  # epoch seconds
    subject: str | None = None  # identity id, function name or IAM user name
    # Session policies (AssumeRole's Policy / PolicyArns): None = none were passed. When
    # set, they must ALSO allow a request (see the module docstring).
    session_policies: list[dict[str, Any]] | None = None
    session_name: str | None = None  # RoleSessionName of a "role" session
    source_identity: str | None = None  # sts:SourceIdentity, kept through role chaining
    transitive_tag_keys: list[str] = field(default_factory=list)
    issued_at: float | None = None  # aws:TokenIssueTime
    # kind "user": the user's ARN and unique id (AIDA...), from IAM.
    user_arn: str | None = None
    user_id: str | None = None
    # Web identity sessions: the token's provider and subject (for messages and conditions).
    web_identity: dict[str, str] | None = None

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at

    def policy_sets(self) -> list[list[dict[str, Any]]] | None:
        """The policy lists that must EACH allow a request; None: the account root."""
        if self.policies is None:
            return None if self.session_policies is None else [self.session_policies]
        sets = [self.policies]
        if self.session_policies is not None:
            sets.append(self.session_policies)
        return sets


class Directory(Protocol):
    """What the store reads from IAM itself (moto's backend, `iam/directory.py`)."""

    def user_key(self, access_key_id: str) -> tuple[Any, str, str] | None: ...
    def user(self, name: str) -> Any | None: ...
    def role(self, role_arn: str) -> Any | None: ...
    def managed_policy(self, arn: str) -> dict[str, Any] | None: ...
    def oidc_provider(self, url: str) -> Any | None: ...


def _random_key_id(prefix: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(16))


_FIELDS = {f.name for f in fields(Principal)}


class CredentialStore:
    """Thread-safe registry of access keys, saved to one JSON file so keys survive restarts."""

    def __init__(self, path: Path | None = None, directory: Directory | None = None) -> None:
        self._path = path
        self._directory = directory
        self._lock = threading.Lock()
        self._by_key: dict[str, Principal] = {}
        root = Principal(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, kind="root")
        self._by_key[root.access_key_id] = root
        if path is not None and path.exists():
            for raw in json.loads(path.read_text()):
                principal = Principal(**{k: v for k, v in raw.items() if k in _FIELDS})
                if not principal.expired():
                    self._by_key[principal.access_key_id] = principal

    @property
    def directory(self) -> Directory:
        if self._directory is None:
            from stratus.local.iam.directory import MotoIamDirectory

            self._directory = MotoIamDirectory()
        return self._directory

    def issue(
        self,
        *,
        kind: str,
        role_arn: str | None,
        policies: list[dict[str, Any]] | None,
        principal_tags: dict[str, str] | None = None,
        ttl_seconds: int | None = 3600,
        subject: str | None = None,
        **session: Any,
    ) -> Principal:
        """New keys for `kind`; `session` sets the other Principal fields (session_name,
        session_policies, source_identity, user_arn, ...)."""
        if kind == "function" and subject is not None:
            # A function keeps its key across restarts (one per function, like its role's
            # session), so the store does not grow on every `up`; its policies are refreshed.
            with self._lock:
                for existing in self._by_key.values():
                    if (
                        existing.kind == kind
                        and existing.subject == subject
                        and not existing.expired()
                    ):
                        existing.role_arn, existing.policies = role_arn, policies
                        self._save()
                        return existing
        now = time.time()
        principal = Principal(
            access_key_id=_random_key_id("ASIA" if ttl_seconds else "AKIA"),
            secret_access_key=secrets.token_urlsafe(30)[:40],
            session_token=secrets.token_urlsafe(96) if ttl_seconds else None,
            kind=kind,
            role_arn=role_arn,
            policies=policies,
            principal_tags=dict(principal_tags or {}),
            expires_at=(now + ttl_seconds) if ttl_seconds else None,
            subject=subject,
            issued_at=now,
            **session,
        )
        with self._lock:
            self._by_key[principal.access_key_id] = principal
            self._save()
        return principal

    def lookup(self, access_key_id: str) -> Principal | None:
        """Who holds this key (expired sessions included: callers check `expired()`).

        Sessions of roles and users carry their identity policies as IAM holds them now
        (AWS evaluates a session against the role's current policies); a key the store did
        not issue may be an IAM user's (CreateAccessKey), read live from IAM: an inactive or
        deleted one is not found.
        """
        with self._lock:
            stored = self._by_key.get(access_key_id)
        if stored is not None:
            return self._refreshed(stored)
        if not access_key_id.startswith("AKIA"):
            return None
        found = self.directory.user_key(access_key_id)
        if found is None:
            return None
        user, secret, status = found
        if status != "Active":
            return None
        return Principal(
            access_key_id=access_key_id,
            secret_access_key=secret,
            kind="user",
            policies=list(user.policies),
            principal_tags=dict(user.tags),
            subject=user.name,
            user_arn=user.arn,
            user_id=user.user_id,
        )

    def _refreshed(self, principal: Principal) -> Principal | None:
        if principal.kind == "role" and principal.role_arn and principal.session_name:
            # An STS session (others, e.g. the gateway's integration sessions, keep what
            # their issuer gave them).
            role = self.directory.role(principal.role_arn)
            if role is None:  # the role is gone: its sessions can do nothing
                return replace(principal, policies=[])
            return replace(principal, policies=list(role.policies))
        if principal.kind == "user" and principal.subject:
            user = self.directory.user(principal.subject)
            if user is None:
                return None
            return replace(principal, policies=list(user.policies))
        return principal

    def _save(self) -> None:
        if self._path is None:
            return
        keep = [
            asdict(p)
            for p in self._by_key.values()
            if p.access_key_id != ROOT_ACCESS_KEY_ID and not p.expired()
        ]
        # Whole, synced and announced to the durable state (it must agree with moto's).
        write_atomic(self._path, json.dumps(keep).encode())
