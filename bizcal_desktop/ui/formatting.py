"""How instants and durations read in the UI (shared by windows and models, no Qt needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local_time_text(instant: datetime | None, zone: str | None = None, now: datetime | None = None) -> str:
    """``14:05`` today, ``2026-11-24 14:05`` otherwise; in ``zone`` or the computer's local zone."""
    if instant is None:
        return "—"
    tz = ZoneInfo(zone) if zone else None
    local = instant.astimezone(tz) if tz else instant.astimezone()
    today = (now or datetime.now(UTC)).astimezone(local.tzinfo).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"
