"""The direct event writer says byte for byte what icalendar's builder says, for any booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav.ical_event import build_ics
from bizcal_desktop.providers.caldav.ical_write import event_text

NOW = datetime(2026, 12, 2, 14, 3, 7, 123456, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Etc/UTC",
         "Etc/GMT+5", "America/Argentina/Buenos_Aires", "Pacific/Chatham"]
#: Text with everything escaping and folding must get right: commas, semicolons, backslashes, a
#: literal "\N", every newline form, multi-byte letters and emoji around the 75-octet boundary.
PIECES = [*"ab ,;:\\N\r\n\tüé–😀\"^'", "x" * 10, "ß" * 7, "\\N", "\r\n"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def spec_of(summary: str, description: str, location: str | None, zone: str, start: datetime,
            minutes: int, sequence: int) -> EventSpec:
    return EventSpec(booking_public_id="0123456789abcdef0123456789abcdef", summary=summary,
                     description=description, start=start, end=start + timedelta(minutes=minutes),
                     timezone=zone, sequence=sequence, location=location)


@settings(max_examples=400, deadline=None)
@given(summary=TEXT, description=TEXT, location=st.none() | TEXT, zone=st.sampled_from(ZONES),
       start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                          timezones=st.just(UTC)),
       minutes=st.integers(1, 60 * 24 * 3), sequence=st.integers(0, 10_000))
def test_direct_text_equals_icalendars(summary: str, description: str, location: str | None, zone: str,
                                       start: datetime, minutes: int, sequence: int) -> None:
    spec = spec_of(summary, description, location, zone, start, minutes, sequence)
    assert event_text(spec, NOW) == build_ics(spec, NOW)


def test_the_repeated_hour_of_a_fall_back_night_is_written_in_utc_like_icalendars() -> None:
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first of the two 02:30s
    spec = spec_of("Massage – Emma", "", None, "Europe/Berlin", start, 60, 1)
    text = event_text(spec, NOW)
    assert "DTSTART:20271031T003000Z" in text
    assert text == build_ics(spec, NOW)


def test_times_that_end_before_they_start_are_refused_like_icalendars() -> None:
    spec = spec_of("x", "", None, "Europe/Berlin", datetime(2026, 9, 1, 9, tzinfo=UTC), 0, 1)
    with pytest.raises(PermanentError):
        event_text(spec)
