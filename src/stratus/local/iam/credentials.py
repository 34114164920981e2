"""Who is calling: the local registry of access keys and what each may do.

moto accepts any credentials and its identity-pool credentials are the same for everyone
(measured), so the local cloud issues and remembers its own: the root key every local tool
uses, one key per Lambda function (its execution role's policies) and temporary keys per
identity-pool user (the authenticated role's policies plus principal tags). The S3 guard
looks signers up here to check signatures and policies.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic
from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY


@dataclass
class Principal:
    access_key_id: str
    secret_access_key: str
    kind: str  # "root" | "function" | "identity"
    session_token: str | None = None
    role_arn: str | None = None
    # IAM policy documents in force for this principal; None means unrestricted (root).
    policies: list[dict[str, Any]] | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    expires_at: float | None = None  # epoch seconds
    subject: str | None = None  # identity id or function name, for messages and logs

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at


def _random_key_id(prefix: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(16))


class CredentialStore:
    """Thread-safe registry of access keys, saved to one JSON file so keys survive restarts."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._by_key: dict[str, Principal] = {}
        root = Principal(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, kind="root")
        self._by_key[root.access_key_id] = root
        if path is not None and path.exists():
            for raw in json.loads(path.read_text()):
                principal = Principal(**raw)
                if not principal.expired():
                    self._by_key[principal.access_key_id] = principal

    def issue(
        self,
        *,
        kind: str,
        role_arn: str | None,
        policies: list[dict[str, Any]] | None,
        principal_tags: dict[str, str] | None = None,
        ttl_seconds: int | None = 3600,
        subject: str | None = None,
    ) -> Principal:
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
        principal = Principal(
            access_key_id=_random_key_id("ASIA" if ttl_seconds else "AKIA"),
            secret_access_key=secrets.token_urlsafe(30)[:40],
            session_token=secrets.token_urlsafe(96) if ttl_seconds else None,
            kind=kind,
            role_arn=role_arn,
            policies=policies,
            principal_tags=dict(principal_tags or {}),
            expires_at=(time.time() + ttl_seconds) if ttl_seconds else None,
            subject=subject,
        )
        with self._lock:
            self._by_key[principal.access_key_id] = principal
            self._save()
        return principal

    def lookup(self, access_key_id: str) -> Principal | None:
        with self._lock:
            return self._by_key.get(access_key_id)

    def _save(self) -> None:
        if self._path is None:
            return
        keep = [asdict(p) for p in self._by_key.values() if p.kind != "root" and not p.expired()]
        # Whole, synced and announced to the durable state (it must agree with moto's).
        write_atomic(self._path, json.dumps(keep).encode())
