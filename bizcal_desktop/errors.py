"""Error types shared by every layer.

Providers translate HTTP/CalDAV failures into these; the sync engine decides what to do from the
type alone (retry, mark failed, ask the user), so no layer above the providers ever looks at a
status code.
"""

from __future__ import annotations


class BizCalError(Exception):
    """Base of every error this application raises on purpose.

    ``str(error)`` is always one human sentence that says what happened and, where possible,
    what to do next; the CLI prints it as is and the UI shows it in a dialog.
    """


class UserInputError(BizCalError):
    """The user asked for something that cannot be done (unknown staff, bad date, ...)."""


class ConfigurationError(BizCalError):
    """The application is missing configuration it needs (e.g. no OAuth client file)."""


class StorageError(BizCalError):
    """The database or the data folder cannot be read or written (read-only, disk full, locked).

    Its message never carries SQL or row values (customer names): only what happened to the file
    and what to do about it.
    """


class ProviderError(BizCalError):
    """Base of the errors a calendar provider raises."""


class TransientError(ProviderError):
    """A failure that may go away by itself: timeout, connection refused, 429, 5xx.

    ``retry_after`` is the server's ``Retry-After`` in seconds when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """A failure that retrying will not fix: the calendar is gone, the data was refused."""


class AuthError(PermanentError):
    """The credentials were refused (wrong password, revoked token): the user must act."""


class ConflictError(ProviderError):
    """A conditional write lost a race (ETag mismatch, 412): re-read and reconcile."""


class NotFoundError(PermanentError):
    """The addressed event does not exist on the server."""
