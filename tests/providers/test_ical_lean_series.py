"""The lean reading of series (endless, UNTIL, monthly, RDATEs, EXDATEs, overrides) gives exactly the full path's answer.

Issue 20 widened the lean reading (``providers/caldav/ical_lean.py`` and ``ical_lean_series.py``) to
the recurring shapes; its answer must be ``recurring-ical-events``' to the instant. Resources of those
shapes are generated in zones with DST on both hemispheres and in UTC, with starts in the skipped and
the repeated hour, RDATEs (with or without a rule, on an instance of the rule or not) and EXDATEs in
the event's zone, another zone, UTC, as dates and as floating times, and overrides that move or cancel an
instance - and read both ways, in windows that cross DST changes.
The repeated hour is also checked by hand: both of its halves, written as zoned and as UTC times; and
so are instances in the skipped hour and across a change, which last the master's exact length (RFC 5545
3.8.5.3), not its length in wall-clock time as the expansion library gives it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav import ical_busy
from bizcal_desktop.providers.caldav.ical_busy import ParsedResource, busy_from_ical, without_known_zones

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]
#: Days on which one of the zones changes its offset in 2026 (spring and autumn, both hemispheres).
DST_DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4), date(2026, 10, 25),
            date(2026, 11, 1)]
NEW_YORK = ZoneInfo("America/New_York")
#: Hours around the changes: 02:30 is skipped in spring (Berlin, New York, Sydney) and repeated in autumn.
HOURS = [(0, 30), (1, 30), (2, 0), (2, 30), (3, 0), (9, 0), (23, 30)]


def _full_path(ics: str, window: TimeRange, zone: ZoneInfo, keep_titles: bool) -> ParsedResource:
    """The library's reading alone: no lean reading, no VTIMEZONE cut, no single-instance shortcut."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ical_busy, "without_known_zones", lambda text: text)
        patch.setattr(ical_busy, "_single_instance", lambda calendar: None)
        patch.setattr(ical_busy, "lean_busy", lambda *args: None)
        return busy_from_ical(ics, window, zone, keep_titles)


def _is_lean(ics: str, window: TimeRange, zone: ZoneInfo) -> bool:
    return ical_busy.lean_busy(without_known_zones(ics), window.to_utc(), zone, False, frozenset()) is not None


@st.composite
def _rules(draw: st.DrawFn) -> dict[str, object]:
    frequency = draw(st.sampled_from(["DAILY", "WEEKLY", "WEEKLY", "MONTHLY", "MONTHLY", "YEARLY"]))
    rule: dict[str, object] = {"FREQ": frequency}
    if draw(st.booleans()):
        rule["INTERVAL"] = draw(st.integers(1, 3))
    end = draw(st.sampled_from(["none", "count", "until"]))
    if end == "count":
        rule["COUNT"] = draw(st.integers(1, 40))
    elif end == "until":
        rule["UNTIL"] = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 24 * 330)))
    weekdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if frequency in ("DAILY", "WEEKLY") and draw(st.booleans()):
        rule["BYDAY"] = draw(st.lists(st.sampled_from(weekdays), min_size=1, max_size=3, unique=True))
    if frequency == "MONTHLY":
        pick = draw(st.sampled_from(["none", "ordinal", "monthday", "both"]))
        if pick in ("ordinal", "both"):
            rule["BYDAY"] = [f"{draw(st.sampled_from([1, 2, 3, 4, -1]))}{draw(st.sampled_from(weekdays))}"]
        if pick in ("monthday", "both"):
            rule["BYMONTHDAY"] = draw(st.lists(st.sampled_from([1, 13, 15, 29, 31, -1]), min_size=1, max_size=2,
                                               unique=True))
    if draw(st.integers(0, 4)) == 0:
        rule["WKST"] = draw(st.sampled_from(["MO", "SU"]))
    return rule


def _as_form(draw: st.DrawFn, moment: datetime | date, all_day: bool) -> datetime | date:
    """An EXDATE or RECURRENCE-ID value naming ``moment``: as written, in UTC, in another zone, or as a date."""
    if all_day or not isinstance(moment, datetime):
        return moment
    form = draw(st.sampled_from(["same", "same", "utc", "other", "date"]))
    if form == "utc" and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if form == "other" and moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(draw(st.sampled_from(ZONES))))
    if form == "date":
        return moment.date()
    return moment


def _instances(master: icalendar.Event) -> list[datetime | date]:
    """Starts of the master's first instances (the library's), for EXDATEs and overrides to name; DTSTART if none."""
    calendar = icalendar.Calendar()
    calendar.add_component(master)
    found = recurring_ical_events.of(calendar).between(datetime(2024, 1, 1), datetime(2028, 1, 1))
    return [occurrence.decoded("DTSTART") for _, occurrence in zip(range(40), found, strict=False)] or \
        [master.decoded("DTSTART")]


def _add_rdate(draw: st.DrawFn, master: icalendar.Event, start: datetime | date, all_day: bool) -> None:
    """An RDATE line: a day or weeks after DTSTART (often on an instance of the rule), perhaps moved by hours,
    in one of the forms of :func:`_as_form`; now and then two values on one line."""
    moment = start + timedelta(days=draw(st.sampled_from([1, 3, 7, 14, 30, 200])))
    if not all_day:
        moment += timedelta(hours=draw(st.sampled_from([0, 0, 2, -26])))
    value = _as_form(draw, moment, all_day)
    if draw(st.integers(0, 3)) == 0:
        master.add("rdate", [value, value + timedelta(days=draw(st.sampled_from([1, 7])))])
    else:
        master.add("rdate", value)


@st.composite
def series_resources(draw: st.DrawFn) -> str:
    zone_name = draw(st.sampled_from([*ZONES, "floating", "all-day"]))
    all_day = zone_name == "all-day"
    day = draw(st.sampled_from(DST_DAYS)) - timedelta(days=draw(st.sampled_from([0, 0, 1, 7, 30, 200])))
    if all_day:
        start: datetime | date = day
        length: timedelta = timedelta(days=draw(st.integers(1, 3)))
    else:
        hour, minute = draw(st.sampled_from(HOURS))
        start = datetime(day.year, day.month, day.day, hour, minute)
        if zone_name != "floating":
            start = start.replace(tzinfo=ZoneInfo(zone_name))
        length = timedelta(minutes=draw(st.sampled_from([30, 60, 90, 24 * 60 + 60])))
    master = icalendar.Event()
    master.add("uid", "series@example.org")
    master.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
    master.add("dtstart", start)
    if draw(st.booleans()):
        master.add("dtend", start + length)
    else:
        master.add("duration", length)
    master.add("summary", "Team")
    rule = draw(_rules())
    if all_day and "UNTIL" in rule:
        rule["UNTIL"] = rule["UNTIL"].date()  # type: ignore[union-attr]
    if zone_name == "floating" and "UNTIL" in rule:
        rule["UNTIL"] = rule["UNTIL"].replace(tzinfo=None)  # type: ignore[union-attr]
    rdates = draw(st.sampled_from([0, 0, 0, 1, 2, 3]))
    if not rdates or draw(st.integers(0, 3)):
        master.add("rrule", rule)
    for _ in range(rdates):
        _add_rdate(draw, master, start, all_day)
    if draw(st.integers(0, 5)) == 0:
        master.add("transp", "TRANSPARENT")
    instances = _instances(master)
    for _ in range(draw(st.integers(0, 3))):
        master.add("exdate", _as_form(draw, draw(st.sampled_from(instances)), all_day))
    components = [master]
    for index in range(draw(st.integers(0, 2))):
        named = draw(st.sampled_from(instances)) + timedelta(days=30 * index)  # an instance, or perhaps none
        override = icalendar.Event()
        override.add("uid", "series@example.org")
        override.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        override.add("recurrence-id", _as_form(draw, named, all_day))
        moved = named + (timedelta(days=1) if all_day else timedelta(hours=draw(st.sampled_from([0, 2, -26]))))
        override.add("dtstart", moved)
        override.add("dtend", moved + length)
        override.add("summary", "Moved")
        if draw(st.integers(0, 3)) == 0:
            override.add("status", "CANCELLED")
        components.append(override)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    for component in draw(st.permutations(components)):
        calendar.add_component(component)
    if draw(st.booleans()):
        calendar.add_missing_timezones()
    return calendar.to_ical().decode()


@st.composite
def windows(draw: st.DrawFn) -> TimeRange:
    """A window in UTC around a DST change, from a few hours to two months long."""
    around = draw(st.sampled_from(DST_DAYS))
    start = datetime(around.year, around.month, around.day, tzinfo=UTC) + timedelta(hours=draw(st.integers(-72, 24)))
    return TimeRange(start, start + timedelta(hours=draw(st.sampled_from([5, 30, 24 * 9, 24 * 61]))))


LEAN_ANSWERS: list[bool] = []


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_resources(), windows(), st.sampled_from(ZONES), st.booleans())
def test_lean_and_full_series_agree(ics: str, window: TimeRange, staff_zone: str, keep_titles: bool) -> None:
    zone = ZoneInfo(staff_zone)
    LEAN_ANSWERS.append(_is_lean(ics, window, zone))
    assert busy_from_ical(ics, window, zone, keep_titles) == _full_path(ics, window, zone, keep_titles)


def test_the_lean_series_reading_was_exercised() -> None:
    """Most generated series were read lean (the rest fell back), so the agreement above means something."""
    if not LEAN_ANSWERS:
        pytest.skip("run with test_lean_and_full_series_agree")
    assert sum(LEAN_ANSWERS) / len(LEAN_ANSWERS) > 0.6


# ----------------------------------------------------------------------------- the repeated hour by hand

#: New York's clocks go back on Sunday 2026-11-01: 01:00-02:00 EDT (05:00-06:00 UTC), then again EST (06:00-07:00).
NY_WINDOW = TimeRange(datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))


def _weekly(start: str, *extra: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:repeated@example.org",
             "DTSTAMP:20260101T000000Z", start, "DURATION:PT30M", "RRULE:FREQ=WEEKLY", *extra, "END:VEVENT",
             "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def _starts(ics: str) -> list[str]:
    """The instances' starts in UTC, read lean (asserted) and equal to the full path's."""
    assert _is_lean(ics, NY_WINDOW, NEW_YORK)
    lean = busy_from_ical(ics, NY_WINDOW, NEW_YORK)
    assert lean == _full_path(ics, NY_WINDOW, NEW_YORK, False)
    return [f"{interval.start:%m-%d %H:%M}" for interval in lean.intervals]


def test_a_zoned_start_in_the_repeated_hour_is_its_first_half_then_keeps_its_wall_time() -> None:
    ics = _weekly("DTSTART;TZID=America/New_York:20261025T013000")
    assert _starts(ics) == ["10-25 05:30", "11-01 05:30", "11-08 06:30", "11-15 06:30"]


def test_a_utc_start_in_the_second_half_of_the_repeated_hour_keeps_its_utc_time() -> None:
    ics = _weekly("DTSTART:20261025T063000Z")
    assert _starts(ics) == ["10-25 06:30", "11-01 06:30", "11-08 06:30", "11-15 06:30"]


def test_an_exdate_names_the_first_half_of_the_repeated_hour_by_utc_or_by_wall_time() -> None:
    first_half_utc = _weekly("DTSTART;TZID=America/New_York:20261025T013000", "EXDATE:20261101T053000Z")
    second_half_utc = _weekly("DTSTART;TZID=America/New_York:20261025T013000", "EXDATE:20261101T063000Z")
    wall = _weekly("DTSTART;TZID=America/New_York:20261025T013000", "EXDATE;TZID=America/New_York:20261101T013000")
    assert "11-01 05:30" not in _starts(first_half_utc)
    assert "11-01 05:30" in _starts(second_half_utc)  # 01:30 EST is not the instance (01:30 EDT)
    assert "11-01 05:30" not in _starts(wall)


def test_an_override_moves_an_instance_into_the_second_half_of_the_repeated_hour() -> None:
    master = _weekly("DTSTART;TZID=America/New_York:20261025T093000").removesuffix("END:VCALENDAR\r\n")
    override = ["BEGIN:VEVENT", "UID:repeated@example.org", "DTSTAMP:20260101T000000Z",
                "RECURRENCE-ID;TZID=America/New_York:20261101T093000", "DTSTART:20261101T063000Z",
                "DURATION:PT30M", "END:VEVENT", "END:VCALENDAR", ""]
    ics = master + "\r\n".join(override)
    assert _starts(ics) == ["10-25 13:30", "11-01 06:30", "11-08 14:30", "11-15 14:30"]


def _spans(ics: str, window: TimeRange, zone: ZoneInfo) -> list[str]:
    """The instances as UTC spans, read lean (asserted) and equal to the full path's."""
    assert _is_lean(ics, window, zone)
    lean = busy_from_ical(ics, window, zone)
    assert lean == _full_path(ics, window, zone, False)
    return [f"{i.start:%m-%d %H:%M}-{i.end:%m-%d %H:%M}" for i in lean.intervals]


BERLIN = ZoneInfo("Europe/Berlin")
SPRING_WINDOW = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC))
AUTUMN_WINDOW = TimeRange(datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))


@pytest.mark.parametrize("end", ["DURATION:PT30M", "DTEND;TZID=Europe/Berlin:20260322T030000"])
def test_an_instance_in_the_skipped_hour_blocks_its_length_from_the_offset_before_the_gap(end: str) -> None:
    """Berlin skips 02:00-03:00 on 2026-03-29: 02:30 means 02:30+01:00 = 01:30 UTC (RFC 5545 3.3.5), and the
    instance lasts the master's exact 30 minutes (3.8.5.3) - not "until 03:00 wall time", which would be 01:00
    UTC, before its start, and leave the half hour free."""
    ics = _weekly("DTSTART;TZID=Europe/Berlin:20260322T023000").replace("DURATION:PT30M", end)
    window = TimeRange(datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC))
    assert _spans(ics, window, BERLIN) == ["03-22 01:30-03-22 02:00", "03-29 01:30-03-29 02:00",
                                           "04-05 00:30-04-05 01:00"]


def test_an_instance_in_new_yorks_skipped_hour_blocks_its_length() -> None:
    """New York skips 02:00-03:00 on 2026-03-08: 02:30 there is 02:30-05:00 = 07:30 UTC, for 30 minutes."""
    ics = _weekly("DTSTART;TZID=America/New_York:20260301T023000")
    window = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
    assert _spans(ics, window, NEW_YORK) == ["03-01 07:30-03-01 08:00", "03-08 07:30-03-08 08:00",
                                             "03-15 06:30-03-15 07:00"]


def test_an_instance_spanning_the_autumn_change_keeps_the_masters_exact_length() -> None:
    """Berlin's clocks go back at 03:00 CEST on 2026-10-25: the 3-hour instance from 01:30 CEST (23:30 UTC)
    ends 3 hours later, at 03:30 CET wall time (02:30 UTC), not at 04:30 CET (4 hours)."""
    ics = _weekly("DTSTART;TZID=Europe/Berlin:20261018T013000").replace(
        "DURATION:PT30M", "DTEND;TZID=Europe/Berlin:20261018T043000")
    assert _spans(ics, AUTUMN_WINDOW, BERLIN) == ["10-17 23:30-10-18 02:30", "10-24 23:30-10-25 02:30",
                                                  "11-01 00:30-11-01 03:30", "11-08 00:30-11-08 03:30"]


@pytest.mark.parametrize("end", ["DTEND;TZID=Europe/Berlin:20260322T043000", "DURATION:PT3H"])
def test_an_instance_spanning_the_spring_change_keeps_the_masters_exact_length(end: str) -> None:
    """On 2026-03-29 the 3-hour instance from 01:30 CET (00:30 UTC) ends at 05:30 CEST wall time (03:30 UTC)."""
    ics = _weekly("DTSTART;TZID=Europe/Berlin:20260322T013000").replace("DURATION:PT30M", end)
    window = TimeRange(datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert _spans(ics, window, BERLIN) == ["03-22 00:30-03-22 03:30", "03-29 00:30-03-29 03:30"]


@pytest.mark.parametrize(("duration", "spans"), [
    ("P1D", ["03-27 09:00-03-28 09:00", "03-28 09:00-03-29 08:00", "03-29 08:00-03-30 08:00"]),  # nominal days
    ("P1DT1H", ["03-27 09:00-03-28 10:00", "03-28 09:00-03-29 09:00", "03-29 08:00-03-30 09:00"]),
    ("P1DT6H", ["03-27 09:00-03-28 15:00", "03-28 09:00-03-29 14:00", "03-29 08:00-03-30 14:00"]),  # 29 hours
    ("PT30H", ["03-27 09:00-03-28 15:00", "03-28 09:00-03-29 15:00", "03-29 08:00-03-30 14:00"]),  # exact: 30
])
def test_a_duration_in_days_is_nominal_and_in_hours_exact(duration: str, spans: list[str]) -> None:
    """RFC 5545 3.3.6: a day of a DURATION is a calendar day (23 hours on 2026-03-29 in Berlin), an hour is exact,
    however many are written: ``PT30H`` from 10:00 CET on the 28th lasts 30 hours, ``P1DT6H`` 29."""
    ics = _weekly("DTSTART;TZID=Europe/Berlin:20260327T100000").replace(
        "DURATION:PT30M", f"DURATION:{duration}").replace("RRULE:FREQ=WEEKLY", "RRULE:FREQ=DAILY;COUNT=3")
    assert _spans(ics, SPRING_WINDOW, BERLIN) == spans


def test_an_override_in_the_skipped_hour_is_taken_as_written() -> None:
    """An override carries its own times: moved to 02:30 on the change day (01:30 UTC) until 04:00 CEST (02:00
    UTC), it blocks that half hour, and the 10:00 instance it replaces is free."""
    master = _weekly("DTSTART;TZID=Europe/Berlin:20260322T100000").removesuffix("END:VCALENDAR\r\n")
    override = ["BEGIN:VEVENT", "UID:repeated@example.org", "DTSTAMP:20260101T000000Z",
                "RECURRENCE-ID;TZID=Europe/Berlin:20260329T100000", "DTSTART;TZID=Europe/Berlin:20260329T023000",
                "DTEND;TZID=Europe/Berlin:20260329T040000", "END:VEVENT", "END:VCALENDAR", ""]
    ics = master + "\r\n".join(override)
    window = TimeRange(datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert _spans(ics, window, BERLIN) == ["03-22 09:00-03-22 09:30", "03-29 01:30-03-29 02:00"]


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO,TU", "FREQ=MONTHLY;BYMONTH=3",
                                  "FREQ=HOURLY", "FREQ=WEEKLY;COUNT=3;UNTIL=20261201T000000Z",
                                  "FREQ=WEEKLY;X-NAME=1", "FREQ=WEEKLY;BYDAY=2MO"])
def test_rules_it_is_not_sure_of_are_left_to_the_full_path(rule: str) -> None:
    ics = _weekly("DTSTART;TZID=America/New_York:20261025T093000").replace("RRULE:FREQ=WEEKLY", f"RRULE:{rule}")
    assert not _is_lean(ics, NY_WINDOW, NEW_YORK)


# ----------------------------------------------------------------------------- odd corners of the rules, by hand

EDGES = [
    # (DTSTART line, RRULE, other lines of the master)
    ("DTSTART;VALUE=DATE:20240229", "FREQ=YEARLY", ()),  # a leap day: only leap years
    ("DTSTART;TZID=Europe/Berlin:20260131T100000", "FREQ=MONTHLY", ()),  # the 31st: months without one skipped
    ("DTSTART;TZID=Europe/Berlin:20260130T100000", "FREQ=MONTHLY;BYMONTHDAY=-1,15", ()),
    ("DTSTART;TZID=America/New_York:20260105T090000", "FREQ=MONTHLY;BYDAY=5MO", ()),  # not every month has one
    ("DTSTART;TZID=America/New_York:20260105T090000", "FREQ=MONTHLY;BYDAY=-1FR;BYMONTHDAY=-7,-6,-5,-4,-3,-2,-1", ()),
    ("DTSTART;TZID=Australia/Sydney:20260104T090000", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=SU", ()),
    ("DTSTART;TZID=Australia/Sydney:20260104T090000", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=MO", ()),
    ("DTSTART;TZID=Europe/Berlin:20260302T080000", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", ()),
    ("DTSTART;TZID=Europe/Berlin:20260301T080000", "FREQ=WEEKLY;BYDAY=TU", ()),  # a Sunday DTSTART: an extra instance
    ("DTSTART;TZID=Europe/Berlin:20260401T080000", "FREQ=WEEKLY;UNTIL=20260301T000000Z", ()),  # UNTIL before DTSTART
    ("DTSTART;TZID=Europe/Berlin:20260323T080000", "FREQ=DAILY;UNTIL=20260401T060000Z", ()),  # UNTIL on an instance
    ("DTSTART:20260323T080000", "FREQ=DAILY;UNTIL=20260401T080000", ()),  # floating, wall-time UNTIL
    ("DTSTART;VALUE=DATE:20260320", "FREQ=WEEKLY;UNTIL=20260410", ("DTEND;VALUE=DATE:20260322",)),
    ("DTSTART;VALUE=DATE:20260320", "FREQ=DAILY;COUNT=9", ("EXDATE;VALUE=DATE:20260322,20260324",)),
    ("DTSTART;TZID=America/New_York:20260323T200000", "FREQ=DAILY;COUNT=9", ("EXDATE;VALUE=DATE:20260325",)),
    ("DTSTART;TZID=America/New_York:20260323T200000", "FREQ=DAILY;COUNT=9", ("EXDATE:20260326T000000Z",)),
    ("DTSTART;TZID=America/New_York:20260323T200000", "FREQ=DAILY;COUNT=9",
     ("EXDATE;TZID=Europe/Berlin:20260327T200000",)),  # another zone's wall time equal to the instance's
    ("DTSTART:20260323T200000", "FREQ=DAILY;COUNT=9", ("EXDATE:20260325T200000,20260327T200000",)),
    ("DTSTART;TZID=Europe/Berlin:20250323T080000", "FREQ=WEEKLY;COUNT=80", ("EXDATE:20260330T060000Z",)),
]


@pytest.mark.parametrize(("start", "rule", "extra"), EDGES)
def test_odd_corners_are_read_lean_and_as_the_full_path_reads_them(start: str, rule: str, extra: tuple[str, ...]) -> None:
    ics = _weekly(start, *extra).replace("RRULE:FREQ=WEEKLY", f"RRULE:{rule}")
    if start.endswith(":20260320") or start.startswith("DTSTART;VALUE=DATE:2024"):
        ics = ics.replace("DURATION:PT30M\r\n", "" if extra and extra[0].startswith("DTEND") else "DURATION:P1D\r\n")
    window = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2032, 4, 30, tzinfo=UTC)) \
        if "YEARLY" in rule else TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC))
    zone = ZoneInfo("Europe/Berlin")
    assert _is_lean(ics, window, zone)
    assert busy_from_ical(ics, window, zone, True) == _full_path(ics, window, zone, True)
