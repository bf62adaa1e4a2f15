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


class SlotTakenError(UserInputError):
    """The staff member already has a confirmed booking over that time: pick another one.

    The database refused it (``store/booking_slots.py``), so this holds also when two devices booked
    the same time in the same second: one of them wins, the other is told this. Its sentence names
    the staff member and the time that is taken, never the other booking's customer.
    """


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

    ``retry_after`` is the server's ``Retry-After`` in seconds when it sent one. It never counts
    against a connection: the engine retries the write, the token guardian tries again at its next
    check, and neither marks the connection *needs reconnect*. Anything a token endpoint says that is
    not a definite refusal (an outage, an answer we cannot read) is raised as this.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """A failure that retrying will not fix: the calendar is gone, the data was refused."""


class AuthError(PermanentError):
    """A definite refusal of the credentials: the user must act (connect again).

    Raised only when the server said so: a wrong password (CalDAV 401), ``invalid_grant`` or another
    refusal of the grant from an OAuth token endpoint (revoked, expired), a 401 that a fresh renewal
    did not cure, or a secret that is missing or unreadable. It marks the connection *needs
    reconnect*, and it is the only renewal failure the token guardian counts towards switching a
    connection off. Never raise it for a failure that might go away by itself: that is a
    :class:`TransientError`.
    """


class ConflictError(ProviderError):
    """A conditional write lost a race (ETag mismatch, 412): re-read and reconcile."""


class NotFoundError(PermanentError):
    """The addressed event does not exist on the server."""


def internal_error_sentence(exc: BaseException, doing: str) -> str:
    """What the Sync Log says when BizCal itself failed (a bug, not the server or the user).

    The exception's own text is left out on purpose: it may quote whatever the failing code held — a
    customer's name, an event's title — and the Sync Log is shown to anyone at the desk. The type
    names the bug for a report; the traceback is in the log file, written where it was caught.
    """
    return (f"BizCal ran into an internal error ({type(exc).__name__}) while {doing}; the details are in "
            "the log file. Other bookings and calendars were not affected; please report it.")
