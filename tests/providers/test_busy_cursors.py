"""One cursor rule for every provider: a cursor is used only for its own window and calendars, and a
refused one becomes a full read inside ``fetch_busy`` (``full=True``), never an error.

CalDAV's refusals are played in test_caldav_sync.py (and against Radicale in
tests/sync/test_import_shapes_caldav.py); here the shared module itself, Google and Microsoft.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.config import GoogleEndpoints, MicrosoftEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import BusyChanges
from bizcal_desktop.providers.cursor import CursorRefused, WindowCursor, incremental_or_full, usable_cursor
from bizcal_desktop.providers.google import GoogleProvider
from bizcal_desktop.providers.microsoft import MicrosoftProvider
from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake

ZONE = "Europe/Berlin"
WINDOW = TimeRange(datetime(2024, 3, 25, tzinfo=UTC), datetime(2024, 4, 9, tzinfo=UTC))
NEXT_DAY = TimeRange(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))


# ------------------------------------------------------------------------------ the shared module


async def test_a_refusal_runs_the_full_read_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    async def incremental() -> BusyChanges:
        calls.append("incremental")
        raise CursorRefused("410")

    async def full() -> BusyChanges:
        calls.append("full")
        return BusyChanges(full=True, upserts={})

    changes = await incremental_or_full(incremental, full, "Somewhere")
    assert changes.full and calls == ["incremental", "full"]
    assert any(r.levelname == "WARNING" and "Somewhere refused the stored sync token (410)" in r.getMessage()
               for r in caplog.records)


def test_usable_cursor_needs_the_same_window_and_calendars() -> None:
    text = WindowCursor(WINDOW, {"a": "1", "b": "2"}).encode()
    assert usable_cursor(text, WINDOW, ["b", "a"], "X") == WindowCursor(WINDOW, {"a": "1", "b": "2"})
    assert usable_cursor(text, NEXT_DAY, ["a", "b"], "X") is None
    assert usable_cursor(text, WINDOW, ["a"], "X") is None
    assert usable_cursor("not json", WINDOW, ["a"], "X") is None
    assert usable_cursor(None, WINDOW, ["a"], "X") is None


# ------------------------------------------------------------------------------ Google


def _timed(event_id: str, start: str, end: str) -> dict[str, object]:
    return {"id": event_id, "summary": event_id, "start": {"dateTime": start, "timeZone": ZONE},
            "end": {"dateTime": end, "timeZone": ZONE}}


async def test_google_cursor_of_another_window_is_a_full_read(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    """An untouched event sliding into the next day's window is no change to a sync token."""
    google_fake.calendar().add_event(_timed("edge", "2024-04-09T10:00:00+02:00", "2024-04-09T11:00:00+02:00"))
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE) as provider:
        first = await provider.fetch_busy(WINDOW, None)
        assert first.upserts == {}
        same_window = await provider.fetch_busy(WINDOW, first.cursor)
        next_day = await provider.fetch_busy(NEXT_DAY, same_window.cursor)
    assert not same_window.full
    assert next_day.full and set(next_day.upserts) == {"edge"}


async def test_google_cursor_of_an_earlier_version_is_a_full_read(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    old = json.dumps({"v": 1, "tokens": {"primary": "some-token"}})  # before cursors knew their window
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE) as provider:
        changes = await provider.fetch_busy(WINDOW, old)
    assert changes.full and WindowCursor.decode(changes.cursor) is not None


async def test_google_refused_token_is_logged_as_a_warning(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints, caplog: pytest.LogCaptureFixture
) -> None:
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE) as provider:
        first = await provider.fetch_busy(WINDOW, None)
        google_fake.calendar().expire_sync_tokens()
        again = await provider.fetch_busy(WINDOW, first.cursor)
    assert again.full
    assert any(r.levelname == "WARNING" and "Google refused the stored sync token" in r.getMessage()
               for r in caplog.records)


# ------------------------------------------------------------------------------ Microsoft


async def test_microsoft_cursor_is_used_only_for_its_own_window(
    ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints, ms_cache_json: str
) -> None:
    async with MicrosoftProvider(ms_cache_json, ms_fake.primary.id, ms_endpoints, ZONE) as provider:
        first = await provider.fetch_busy(WINDOW, None)
        same_window = await provider.fetch_busy(WINDOW, first.cursor)
        narrower = TimeRange(WINDOW.start + timedelta(days=1), WINDOW.end)
        inside = await provider.fetch_busy(narrower, first.cursor)
    assert not same_window.full
    assert inside.full  # a narrower window would keep sources a full read of it no longer sees
    decoded = WindowCursor.decode(first.cursor)
    assert decoded is not None and decoded.window == WINDOW and set(decoded.tokens) == {ms_fake.primary.id}
