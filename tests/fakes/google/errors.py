"""Google's error bodies, built the way the real API answers, so the app's error mapping is tested
against the shapes it will meet in production (``{"error": {"code", "message", "errors", "status"}}``).
"""

from __future__ import annotations

from typing import Any

#: gRPC-style status names Google puts beside the HTTP code.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "GONE",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: Default (reason, domain, message) per status, taken from the Calendar API's documented errors.
_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("invalid", "global", "Bad Request"),
    401: ("authError", "global", "Invalid Credentials"),
    403: ("rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"),
    404: ("notFound", "global", "Not Found"),
    409: ("duplicate", "global", "The requested identifier already exists."),
    410: ("deleted", "global", "Resource has been deleted"),
    412: ("conditionNotMet", "global", "Precondition Failed"),
    429: ("rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"),
    500: ("backendError", "global", "Backend Error"),
    502: ("backendError", "global", "Bad Gateway"),
    503: ("backendError", "global", "Service Unavailable"),
    504: ("backendError", "global", "Deadline Exceeded"),
}

_REASON_MESSAGES = {
    "quotaExceeded": ("usageLimits", "Calendar usage limits exceeded."),
    "userRateLimitExceeded": ("usageLimits", "User Rate Limit Exceeded"),
    "rateLimitExceeded": ("usageLimits", "Rate Limit Exceeded"),
    "fullSyncRequired": ("global", "Sync token is no longer valid, a full sync is required."),
    "insufficientPermissions": ("global", "Insufficient Permission"),
    "forbidden": ("global", "Forbidden"),
}


class FakeHTTPError(Exception):
    """Raised inside the fake's handlers; the server turns it into a JSON error response."""

    def __init__(
        self,
        code: int,
        reason: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        location: str | None = None,
    ) -> None:
        default_reason, domain, default_message = _DEFAULTS.get(code, ("error", "global", "Error"))
        reason = reason or default_reason
        if reason in _REASON_MESSAGES and reason != default_reason:
            domain, default_message = _REASON_MESSAGES[reason]
        elif reason in _REASON_MESSAGES:
            domain = _REASON_MESSAGES[reason][0]
        super().__init__(message or default_message)
        self.code = code
        self.reason = reason
        self.domain = domain
        self.message = message or default_message
        self.headers = headers or {}
        self.location = location

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"domain": self.domain, "reason": self.reason, "message": self.message}
        if self.location:
            item["location"] = self.location
            item["locationType"] = "header" if self.location[0].isupper() else "parameter"
        error: dict[str, Any] = {"code": self.code, "message": self.message, "errors": [item]}
        if self.code in _STATUS_NAMES:
            error["status"] = _STATUS_NAMES[self.code]
        return {"error": error}


class OAuthError(Exception):
    """An OAuth token-endpoint error: ``{"error": ..., "error_description": ...}`` (RFC 6749 §5.2)."""

    def __init__(self, code: int, error: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
