"""The lean parse (known VTIMEZONEs cut out, single events not expanded) gives exactly the full answer.

Issue 20 requires the import's busy intervals to be identical before and after its speed-ups; here
every generated resource is read both ways - the lean path, and the library's full path with the two
shortcuts switched off - and the results must be equal, skipped events and all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav import ical_busy
from bizcal_desktop.providers.caldav.ical_busy import busy_from_ical, without_known_zones

WINDOW = TimeRange(datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC))
STAFF_ZONE = ZoneInfo("Europe/Berlin")
ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", None]  # None: floating
STAFF = "emma@salon.example"
WINDOWS_NAMES = {"Europe/Berlin": "W. Europe Standard Time", "America/New_York": "Eastern Standard Time"}
TITLES = ["Dentist", "Lunch, with Bob", "A;B", "Back\\slash", "Ünïcode ✓", "long " * 30]


@st.composite
def resources(draw: st.DrawFn) -> tuple[str, frozenset[str]]:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    for index in range(draw(st.integers(1, 2))):
        event = icalendar.Event()
        own = draw(st.integers(0, 9))
        event.add("uid", f"{'ab' * 16}@bizcal-desktop" if own == 0 else f"u{draw(st.integers(0, 3))}@example.org")
        if own == 1:
            event.add("X-BIZCAL-BOOKING", "cd" * 16)
        if draw(st.integers(0, 3)) == 0:
            event.add("attendee", f"mailto:{STAFF}", parameters={"PARTSTAT": draw(st.sampled_from(["ACCEPTED", "DECLINED"]))})
        event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        day = date(2026, 3, 15) + timedelta(days=draw(st.integers(0, 30)))
        all_day = draw(st.booleans())
        zone_name = draw(st.sampled_from(ZONES))
        if all_day:
            start: date | datetime = day
        else:
            start = datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), draw(st.sampled_from([0, 30])))
            if zone_name is not None:
                start = start.replace(tzinfo=ZoneInfo(zone_name))
        event.add("dtstart", start)
        minutes = draw(st.one_of(st.integers(-60, 600), st.integers(23 * 60, 31 * 60)))  # a day or more, too
        length = timedelta(days=draw(st.integers(0, 2))) if all_day else timedelta(minutes=minutes)
        ending = draw(st.sampled_from(["dtend", "duration", "none"]))
        if ending == "dtend":
            event.add("dtend", start + length)
        elif ending == "duration" and not all_day and minutes >= 0 and draw(st.booleans()):
            event["DURATION"] = icalendar.vText(f"PT{minutes // 60}H{minutes % 60}M")  # hours as hours: PT30H0M
        elif ending == "duration":
            event.add("duration", length)  # as icalendar writes it: days as days, P1DT6H
        if draw(st.booleans()):
            event.add("transp", draw(st.sampled_from(["OPAQUE", "TRANSPARENT"])))
        if draw(st.integers(0, 5)) == 0:
            event.add("status", "CANCELLED")
        if draw(st.integers(0, 2)) == 0:
            frequency = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
            rule: dict[str, object] = {"FREQ": frequency, "COUNT": draw(st.integers(1, 6))}
            if draw(st.booleans()):
                rule["INTERVAL"] = draw(st.integers(1, 3))
            event.add("rrule", rule)
            if draw(st.booleans()):  # one that matches an instance (often), or none at all
                step = timedelta(days=draw(st.sampled_from([1, 2, 7, 14]))) + timedelta(minutes=draw(st.sampled_from([0, 0, 30])))
                event.add("exdate", start + step)
        if draw(st.integers(0, 3)) == 0:  # extra instances, perhaps on one of the rule's, perhaps in UTC
            extra = start + timedelta(days=draw(st.sampled_from([1, 2, 7])), hours=draw(st.sampled_from([0, 0, 3])))
            if isinstance(extra, datetime) and extra.tzinfo is not None and draw(st.booleans()):
                extra = extra.astimezone(UTC)
            event.add("rdate", extra if draw(st.booleans()) else [extra, extra + timedelta(days=1)])
        if index == 1 and draw(st.booleans()):
            event.add("recurrence-id", start)
        event.add("summary", draw(st.sampled_from(TITLES)))
        calendar.add_component(event)
    if draw(st.booleans()):
        calendar.add_missing_timezones()
    text = str(calendar.to_ical().decode())
    if draw(st.booleans()):  # the zones as Outlook names them (VTIMEZONEs too), which mean their CLDR zone
        for iana, windows in WINDOWS_NAMES.items():
            text = text.replace(f"TZID={iana}:", f"TZID={windows}:").replace(f"TZID:{iana}\r\n", f"TZID:{windows}\r\n")
    return text, draw(st.sampled_from([frozenset(), frozenset({STAFF})]))


def _full_path(ics: str, keep_titles: bool, mine: frozenset[str]) -> ical_busy.ParsedResource:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ical_busy, "without_known_zones", lambda text: text)
        patch.setattr(ical_busy, "_single_instance", lambda calendar: None)
        patch.setattr(ical_busy, "lean_busy", lambda *args: None)
        return busy_from_ical(ics, WINDOW, STAFF_ZONE, keep_titles, mine)


LEAN_ANSWERS: list[bool] = []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resources(), st.booleans())
def test_lean_and_full_reads_agree(resource: tuple[str, frozenset[str]], keep_titles: bool) -> None:
    ics, mine = resource
    LEAN_ANSWERS.append(ical_busy.lean_busy(without_known_zones(ics), WINDOW, STAFF_ZONE, keep_titles, mine)
                        is not None)
    assert busy_from_ical(ics, WINDOW, STAFF_ZONE, keep_titles, mine) == _full_path(ics, keep_titles, mine)


def test_the_lean_reading_was_exercised() -> None:
    """The generated resources reached the lean reading often, and the full path too."""
    if not LEAN_ANSWERS:
        pytest.skip("run with test_lean_and_full_reads_agree")
    assert 0.2 < sum(LEAN_ANSWERS) / len(LEAN_ANSWERS) < 0.9


OUTLOOK_ZONE = """BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
END:STANDARD\r
END:VTIMEZONE\r
"""
KNOWN_ZONE = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n" \
             "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"


def test_only_zones_the_database_knows_are_cut_out() -> None:
    """IANA names and Windows names (their CLDR zone, providers/caldav/ical_zones.py) go; any other stays."""
    custom = OUTLOOK_ZONE.replace("W. Europe Standard Time", "Head Office Time")
    text = "BEGIN:VCALENDAR\r\n" + KNOWN_ZONE + OUTLOOK_ZONE + custom + \
        "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    lean = without_known_zones(text)
    assert "TZID:Europe/Berlin" not in lean and OUTLOOK_ZONE not in lean and custom in lean and "BEGIN:VEVENT" in lean
    folded = KNOWN_ZONE.replace("TZID:Europe/Berlin\r\n", "TZID:Europe/\r\n Berlin\r\n")
    assert without_known_zones(folded) == folded  # a TZID this reading cannot be sure of stays


def test_the_benchmark_calendar_reads_the_same_both_ways() -> None:
    """The import benchmark's calendar (singles and weekly series with EXDATEs, VTIMEZONEs): equal blocks."""
    from benchmarks.bench_import import _event_text, _window

    window = _window()
    texts = [_event_text(index) for index in range(0, 400, 3)]
    lean = [busy_from_ical(text, window, STAFF_ZONE, keep_titles=True) for text in texts]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ical_busy, "without_known_zones", lambda text: text)
        patch.setattr(ical_busy, "_single_instance", lambda calendar: None)
        patch.setattr(ical_busy, "lean_busy", lambda *args: None)
        full = [busy_from_ical(text, window, STAFF_ZONE, keep_titles=True) for text in texts]
    assert lean == full and sum(len(r.intervals) for r in lean) > len(texts)
