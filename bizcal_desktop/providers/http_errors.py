"""HTTP facts every provider translates the same way: statuses, Retry-After and network failures.

One place, so CalDAV, Google and Microsoft agree on what a status *means* - which error type the
sync engine gets, and so what it does next (retry after ``retry_after``, re-read and reconcile, ask
the user to reconnect, give up) - on how long a server asked us to wait, and on the words a user
sees when the network is down. What a service *says* stays with the service: each passes its own
sentences (:class:`StatusWords`), because "Google", "Outlook" and "the calendar server
cloud.example.com" each deserve to be named, and a CalDAV 403 is about the account while a Graph
403 is about one calendar.

A transient failure's sentence says what happened, never that it will be tried again: only the
caller knows whether it will (the sync engine retries; the connect flow tries a few times, then the
user is told to try again), and the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bizcal_desktop.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PermanentError,
    ProviderError,
    TransientError,
)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after(response: httpx.Response) -> float | None:
    """The response's ``Retry-After`` in seconds, or None."""
    return parse_retry_after(response.headers.get("Retry-After"))


def network_error(exc: httpx.HTTPError, service: str, timeout: float) -> TransientError:
    """A timeout or transport failure talking to ``service`` ("Google", "Microsoft"), as a retryable error."""
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"{service} did not answer within {timeout:g} seconds; check your network "
                              "connection.")
    return TransientError(f"Could not reach {service} ({exc.__class__.__name__}); check your network "
                          "connection.")


@dataclass(frozen=True)
class StatusWords:
    """The one sentence a service shows for each kind of refused request (already filled in)."""

    reconnect: str  #: 401 - the credential was refused
    forbidden: str  #: 403
    slow_down: str  #: 429
    unavailable: str  #: 408, 5xx
    not_found: str  #: 404
    changed: str  #: 412 - a conditional write lost a race
    refused: str  #: any other status


def error_for_status(
    status: int, words: StatusWords, *, retry_after: float | None = None, forbidden_is_auth: bool = False
) -> ProviderError:
    """The error type a failed request's status calls for, carrying the service's sentence.

    401 -> AuthError; 403 -> PermanentError (AuthError when ``forbidden_is_auth``: CalDAV servers
    answer 403 to an account that may not use the calendar at all); 429, 408, 5xx -> TransientError
    with ``retry_after``; 404 -> NotFoundError; 412 -> ConflictError; anything else ->
    PermanentError. Statuses a caller handles as success or as a known case (a 409 duplicate, a 410
    refused token) are handled before calling this.
    """
    if status == 401:
        return AuthError(words.reconnect)
    if status == 403:
        return AuthError(words.forbidden) if forbidden_is_auth else PermanentError(words.forbidden)
    if status == 429:
        return TransientError(words.slow_down, retry_after)
    if status == 408 or status >= 500:
        return TransientError(words.unavailable, retry_after)
    if status == 404:
        return NotFoundError(words.not_found)
    if status == 412:
        return ConflictError(words.changed)
    return PermanentError(words.refused)


def sentence(detail: str) -> str:
    """``detail`` (a server's message) ending like a sentence, so it can be followed by another."""
    text = detail.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def rest_api_words(
    service: str, *, what: str, status: int, detail: str, reconnect: str, changed_in: str,
    forbidden: str | None = None, refused: str | None = None,
) -> StatusWords:
    """The sentences of a REST calendar API (Google, Microsoft) for a request about ``what``."""
    refused = refused or f"{service} refused {what} (HTTP {status}): {sentence(detail)}"
    return StatusWords(
        reconnect=reconnect,
        forbidden=forbidden or refused,
        slow_down=f"{service} asked BizCal to slow down while {what}.",
        unavailable=f"{service} had a temporary problem (HTTP {status}) while {what}.",
        not_found=f"{service} could not find what BizCal asked for while {what}: {sentence(detail)}",
        changed=f"The event changed in {changed_in} while {what}; BizCal will re-read it and retry.",
        refused=refused,
    )
