"""A booking's iCalendar event: built with icalendar, read back by the matcher."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, EventSpec
from bizcal_desktop.providers.caldav.ical_event import build_ics, read_event_summary

SPEC = EventSpec(
    booking_public_id="0123456789abcdef0123456789abcdef",
    summary="Massage – Emma, 60 min; deep",
    description="Customer notes:\nback pain",
    start=datetime(2026, 3, 29, 8, 0, tzinfo=UTC),  # 10:00 CEST, the day clocks go forward
    end=datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    timezone="Europe/Berlin",
    sequence=2,
    location="Room 2",
)


def test_event_has_every_field_in_the_staff_zone() -> None:
    calendar = icalendar.Calendar.from_ical(build_ics(SPEC))
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "0123456789abcdef0123456789abcdef@bizcal-desktop"
    assert str(event["SUMMARY"]) == SPEC.summary
    assert str(event["DESCRIPTION"]) == SPEC.description
    assert str(event["LOCATION"]) == "Room 2"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2026, 3, 29, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event["DTEND"].dt.astimezone(UTC) == SPEC.end
    assert int(event["SEQUENCE"]) == 2
    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event[OWN_EVENT_MARKER]) == SPEC.booking_public_id
    assert event["DTSTAMP"].dt.tzinfo is not None
    (tz,) = calendar.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Berlin"


def test_utc_staff_zone_writes_utc_times_without_vtimezone() -> None:
    calendar = icalendar.Calendar.from_ical(build_ics(replace(SPEC, timezone="UTC")))
    assert calendar.walk("VTIMEZONE") == []
    assert calendar.walk("VEVENT")[0]["DTSTART"].dt == SPEC.start


@pytest.mark.parametrize("start", [datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)],
                         ids=["first 02:30", "second 02:30"])
def test_times_in_the_repeated_hour_are_written_in_utc(start: datetime) -> None:
    """TZID=Europe/Berlin:20271031T023000 would name both; UTC names the one that is meant."""
    spec = replace(SPEC, start=start, end=start + (SPEC.end - SPEC.start))
    text = build_ics(spec)
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in text
    assert "TZID" not in text
    summary = read_event_summary(text)
    assert (summary.start, summary.end) == (spec.start, spec.end)
    assert summary.matches(spec)


def test_read_back_matches_only_the_same_content() -> None:
    summary = read_event_summary(build_ics(SPEC))
    assert (summary.uid, summary.start, summary.end, summary.summary, summary.sequence) == (
        SPEC.uid, SPEC.start, SPEC.end, SPEC.summary, 2)
    assert summary.matches(SPEC)
    assert not summary.matches(replace(SPEC, sequence=3))
    assert not summary.matches(replace(SPEC, end=datetime(2026, 3, 29, 9, 30, tzinfo=UTC)))
    assert not summary.matches(replace(SPEC, location=None))


def test_bad_input_is_permanent() -> None:
    with pytest.raises(PermanentError, match="time zone"):
        build_ics(replace(SPEC, timezone="Mars/Olympus"))
    with pytest.raises(PermanentError, match="ends before"):
        build_ics(replace(SPEC, end=SPEC.start))
    with pytest.raises(PermanentError):
        read_event_summary("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    with pytest.raises(PermanentError):
        read_event_summary("this is not iCalendar")


@pytest.mark.parametrize("zone, start", [
    ("Europe/Berlin", datetime(2026, 9, 1, 9, tzinfo=UTC)),
    ("UTC", datetime(2026, 9, 1, 9, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # the repeated hour: written in UTC
    ("America/New_York", datetime(2026, 12, 31, 23, tzinfo=UTC)),  # crosses a year: the zone's span
])
def test_the_put_text_is_byte_for_byte_the_built_calendar(zone: str, start: datetime) -> None:
    """build_ics splices cached parts for speed; what goes on the wire must not change by a byte."""
    from bizcal_desktop.providers.caldav.ical_event import build_calendar

    spec = EventSpec(booking_public_id=uuid.uuid4().hex, summary="Massage, Emma; back\n" + "x" * 90,
                     description="a;b,c\\d " + "é" * 80, start=start, end=start + timedelta(hours=1),
                     timezone=zone, sequence=2, location="Room 1")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert build_ics(spec, now) == build_calendar(spec, now).to_ical().decode("utf-8")
    assert build_ics(spec, now) == build_ics(spec, now)  # the cache hands out the same text again


def _with_duration(start: str, duration: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT",
                        "UID:d@example.org", "DTSTAMP:20260101T000000Z", start, f"DURATION:{duration}",
                        "END:VEVENT", "END:VCALENDAR", ""])


@pytest.mark.parametrize(("duration", "end"), [
    ("P1D", datetime(2026, 3, 29, 8, tzinfo=UTC)),  # a calendar day: 10:00 CEST, 23 hours later
    ("PT24H", datetime(2026, 3, 29, 9, tzinfo=UTC)),  # hours are exact
    ("P1DT6H", datetime(2026, 3, 29, 14, tzinfo=UTC)),
    ("PT30H", datetime(2026, 3, 29, 15, tzinfo=UTC)),
    ("P1W", datetime(2026, 4, 4, 8, tzinfo=UTC)),
])
def test_a_duration_read_back_counts_calendar_days_across_a_dst_change(duration: str, end: datetime) -> None:
    """From 10:00 CET on 2026-03-28 (09:00 UTC), over Berlin's spring change: days nominal, hours exact, as
    the busy reading counts them (providers/caldav/ical_length.py)."""
    ics = _with_duration("DTSTART;TZID=Europe/Berlin:20260328T100000", duration)
    for text in (ics, ics.encode()):
        summary = read_event_summary(text, ZoneInfo("Europe/Berlin"))
        assert (summary.start, summary.end) == (datetime(2026, 3, 28, 9, tzinfo=UTC), end)


def test_a_floating_all_day_duration_is_counted_in_the_staff_zone() -> None:
    """A DATE start with P1D on the change day: local midnight to local midnight, 23 hours in Berlin."""
    summary = read_event_summary(_with_duration("DTSTART;VALUE=DATE:20260329", "P1D"), ZoneInfo("Europe/Berlin"))
    assert (summary.start, summary.end) == (datetime(2026, 3, 28, 23, tzinfo=UTC),
                                            datetime(2026, 3, 29, 22, tzinfo=UTC))
