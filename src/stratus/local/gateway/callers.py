"""Who signed a request with SigV4, for AWS_IAM methods and cache invalidation.

AWS_IAM methods are verified in full (signature, expiry, execute-api:Invoke) by
`authorizers/iam.py`. `may_invalidate_cache` still only looks the access key up in the
CredentialStore (the key must exist and be unexpired; the signature is not re-computed):
a known gap for the `Cache-Control: max-age=0` decision only.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

from stratus.local.iam.credentials import CredentialStore, Principal

_SIGV4_KEY = re.compile(r"Credential=([^/,\s]+)/")
INVALIDATE_ACTION = "execute-api:InvalidateCache"


def iam_principal(
    credentials: CredentialStore, headers: Mapping[str, str], now: float
) -> Principal | None:
    found = _SIGV4_KEY.search(headers.get("authorization", ""))
    if not found:
        return None
    principal = credentials.lookup(found.group(1))
    if principal is None or principal.expired(now):
        return None
    return principal


def may_invalidate_cache(
    credentials: CredentialStore, headers: Mapping[str, str], now: float
) -> bool:
    """AWS requires execute-api:InvalidateCache for `Cache-Control: max-age=0` by default.

    Emulated as: a SigV4-signed request whose key's policies allow that action (root:
    everything). Deny statements and Resource scoping are not evaluated.
    """
    principal = iam_principal(credentials, headers, now)
    if principal is None:
        return False
    if principal.policies is None:
        return True
    for policy in principal.policies:
        statements = policy.get("Statement", [])
        for st in statements if isinstance(statements, list) else [statements]:
            actions = st.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if st.get("Effect") == "Allow" and any(
                fnmatch.fnmatchcase(INVALIDATE_ACTION, a) for a in actions
            ):
                return True
    return False
