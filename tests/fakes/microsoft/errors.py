"""Graph's error body ``{"error": {"code", "message", "innerError"}}``, raised inside the fake."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

#: Graph's error codes per HTTP status, for injected failures.
DEFAULT_CODES = {400: ("BadRequest", "Bad request."),
                 401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
                 403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
                 404: ("ErrorItemNotFound", "The specified object was not found in the store."),
                 410: ("SyncStateNotFound", "The sync state generation is not found."),
                 412: ("ErrorIrresolvableConflict",
                       "The change key passed in the request does not match the current change key of the item."),
                 429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
                 500: ("ErrorInternalServerError", "An internal server error occurred. The operation failed."),
                 503: ("ServiceUnavailable", "The service is temporarily unavailable.")}


class GraphError(Exception):
    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        default_code, default_message = DEFAULT_CODES.get(status, ("UnknownError", "Error."))
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "innerError": {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4()),
            "client-request-id": str(uuid.uuid4())}}}
