"""Credentials an AWS integration calls its service with: a session of the integration's
``Credentials`` role, issued by the local credential store with the role's policies (as the
Lambda runtime issues a function's), so the local endpoint's checks (the S3 guard's
signature and identity-policy evaluation) treat API Gateway like any other caller.

``arn:aws:iam::*:user/*`` means "the caller's own credentials"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html):
the SigV4 key that signed an AWS_IAM-authorized method request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from stratus.local.iam.credentials import CredentialStore, Principal

CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"
SESSION_SECONDS = 3600
_RENEW_BEFORE = 300  # seconds


class RoleSessions:
    def __init__(
        self,
        credentials: CredentialStore,
        policies_for_role: Callable[[str], list[dict[str, Any]]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._policies_for_role = policies_for_role
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Principal] = {}

    def for_role(self, role_arn: str) -> Principal:
        """A live session of ``role_arn`` (renewed shortly before it expires)."""
        with self._lock:
            known = self._sessions.get(role_arn)
            now = self._clock()
            if known is not None and (known.expires_at or 0) - _RENEW_BEFORE > now:
                return known
        principal = self._credentials.issue(
            kind="apigateway",
            role_arn=role_arn,
            policies=self._policies_for_role(role_arn),
            ttl_seconds=SESSION_SECONDS,
            subject=f"apigateway:{role_arn.rsplit('/', 1)[-1]}",
        )
        with self._lock:
            self._sessions[role_arn] = principal
        return principal

    def for_integration(
        self, credentials: str, headers: Mapping[str, str], now: float
    ) -> Principal | None:
        """The principal an integration signs with, or None (no usable credentials)."""
        if credentials == CALLER_CREDENTIALS:
            from stratus.local.gateway.callers import iam_principal

            return iam_principal(self._credentials, headers, now)
        return self.for_role(credentials)
