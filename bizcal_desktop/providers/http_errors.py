"""HTTP facts every provider translates the same way: Retry-After and network failures.

One place, so CalDAV, Google and Microsoft agree on how long a server asked us to wait and on the
words a user sees when the network is down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bizcal_desktop.errors import TransientError


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
        return TransientError(f"{service} did not answer within {timeout:g} seconds; BizCal will retry.")
    return TransientError(
        f"Could not reach {service} ({exc.__class__.__name__}); check the network, BizCal will retry."
    )
