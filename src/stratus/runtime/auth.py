"""Who is calling: the Cognito user pool claims API Gateway put on the event.

The REST API's Cognito authorizer has already verified the ID token (signature, expiry,
audience) before the Lambda runs, so here we only *read* `sub`. A missing or empty claim can
only mean a misconfigured route (no authorizer); we answer 401 rather than trust anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stratus.runtime.errors import UnauthorizedError


def claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The authorizer claims of an API Gateway REST (v1) proxy event, or 401."""
    found: Any = event.get("requestContext")
    for key in ("authorizer", "claims"):
        found = found.get(key) if isinstance(found, Mapping) else None
    if not isinstance(found, Mapping) or not found:
        raise UnauthorizedError("missing authorizer claims")
    return found


def caller_sub(event: Mapping[str, Any]) -> str:
    """The caller's stable user id (`sub`); 401 when absent."""
    sub = claims(event).get("sub")
    if not isinstance(sub, str) or not sub.strip() or "/" in sub:
        raise UnauthorizedError("missing subject claim")
    return sub
