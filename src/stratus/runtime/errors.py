"""The one error hierarchy. Each class carries its HTTP status; the mapping lives here only.

Handlers raise these; `responses.error_response` turns any of them into API Gateway's
JSON shape. Code never matches on message text: catch the class.
"""

from __future__ import annotations

from typing import Any


class StratusError(Exception):
    """Base of every error a client may see. `status` is the HTTP status it maps to."""

    status: int = 500
    code: str = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(StratusError):
    """Bad input. `field` names the offending field so clients can point at it."""

    status = 400
    code = "ValidationError"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, details={"field": field} if field else None)
        self.field = field


class UnauthorizedError(StratusError):
    status = 401
    code = "Unauthorized"


class ForbiddenError(StratusError):
    status = 403
    code = "Forbidden"


class NotFoundError(StratusError):
    status = 404
    code = "NotFound"


class ConflictError(StratusError):
    status = 409
    code = "Conflict"


class PreconditionFailedError(StratusError):
    """If-Match named a version that is no longer current."""

    status = 412
    code = "PreconditionFailed"


class PayloadTooLargeError(StratusError):
    status = 413
    code = "PayloadTooLarge"


class ConfigError(StratusError):
    """A required setting is missing or malformed; the message names the setting."""

    status = 500
    code = "ConfigError"
