"""Checking a time-zone name the user typed.

Staff members and the business carry an IANA zone name; a name this machine's tz database does not
know must be refused where it is typed, with an example, not fail later inside slot generation.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bizcal_desktop.errors import UserInputError


def validate_zone(name: str) -> str:
    """Return ``name`` if it is an IANA zone this machine knows, else a clear error."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserInputError(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin or America/New_York."
        ) from None
    return name
