"""busy_from_ical on hand-written RFC 5545 resources.

Every expected instant below is worked out by hand (UTC offsets: Europe/Berlin +1 in winter, +2 in
summer, switching 2026-03-29 01:00Z and 2026-10-25 01:00Z; America/New_York -5 / -4, switching
2026-03-08 and 2026-11-01 06:00Z), so the tests check the conversions rather than repeat them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import BusyInterval, SkippedEvent, booking_uid
from bizcal_desktop.providers.caldav.ical_busy import (
    MalformedCalendarData,
    ParsedResource,
    busy_from_ical,
    without_known_zones,
)
from bizcal_desktop.providers.caldav.ical_lean import lean_busy

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
STAFF = "emma@salon.example"


def z(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC instant, short to write."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(start: datetime, end: datetime) -> TimeRange:
    return TimeRange(start, end)


MARCH = window(z(2026, 3, 1), z(2026, 4, 1))
JUNE = window(z(2026, 6, 1), z(2026, 7, 1))


def vcalendar(*events: str, preamble: str = "") -> str:
    """A VCALENDAR around the given component bodies, with CRLF line ends as RFC 5545 writes them."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//busy//EN"]
    if preamble:
        lines.extend(preamble.strip().splitlines())
    for body in events:
        lines.append("BEGIN:VEVENT")
        lines.extend(body.strip().splitlines())
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(line.strip() for line in lines) + "\r\n"


def event(uid: str = "e1@example.org", **props: str) -> str:
    """A VEVENT body: UID, DTSTAMP, then ``props`` (keys with '_' for '-', ';' parameters kept)."""
    lines = [f"UID:{uid}", "DTSTAMP:20260101T000000Z"]
    for key, value in props.items():
        name = key.replace("__", ";").replace("_", "-").upper()
        lines.append(f"{name}{value if value.startswith(';') else ':' + value}")
    return "\n".join(lines)


def spans(result: ParsedResource) -> list[tuple[datetime, datetime]]:
    return [(i.start, i.end) for i in result.intervals]


# ----------------------------------------------------------------------------- single events


def test_single_timed_event_in_utc() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", SUMMARY="Dentist"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.intervals == [BusyInterval(z(2026, 3, 10, 9), z(2026, 3, 10, 10), all_day=False, title=None)]
    assert result.uid == "e1@example.org"
    assert result.own_uid is None


def test_title_only_kept_when_asked() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", SUMMARY="Dentist"))
    assert busy_from_ical(ics, MARCH, BERLIN).intervals[0].title is None
    assert busy_from_ical(ics, MARCH, BERLIN, keep_titles=True).intervals[0].title == "Dentist"


def test_bytes_are_accepted() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", SUMMARY="Café"))
    result = busy_from_ical(ics.encode("utf-8"), MARCH, BERLIN, keep_titles=True)
    assert spans(result) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 10))]
    assert result.intervals[0].title == "Café"


def test_event_in_new_york_for_staff_in_berlin() -> None:
    # 09:00 EDT (UTC-4) on 10 June = 13:00Z, whatever the staff member's own zone is.
    ics = vcalendar(event(DTSTART=";TZID=America/New_York:20260610T090000",
                          DTEND=";TZID=America/New_York:20260610T103000"))
    result = busy_from_ical(ics, JUNE, BERLIN)
    assert spans(result) == [(z(2026, 6, 10, 13), z(2026, 6, 10, 14, 30))]
    assert all(i.start.tzinfo is UTC and i.end.tzinfo is UTC for i in result.intervals)


def test_duration_instead_of_dtend() -> None:
    ics = vcalendar(event(DTSTART=";TZID=Europe/Berlin:20260610T090000", DURATION="PT1H30M"))
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 6, 10, 7), z(2026, 6, 10, 8, 30))]


#: Read with the staff member's address, the ATTENDEE below makes the lean reading step aside (a decline would
#: matter), so the resource goes through icalendar and the expansion; without it the lean reading answers.
BOTH_PATHS = pytest.mark.parametrize("mine", [frozenset(), frozenset({STAFF})], ids=["lean", "full"])
ACCEPTED = f";PARTSTAT=ACCEPTED:mailto:{STAFF}"


def _read(ics: str, window: TimeRange, mine: frozenset[str]) -> list[tuple[datetime, datetime]]:
    assert (lean_busy(without_known_zones(ics), window, BERLIN, False, mine) is None) == bool(mine)
    return spans(busy_from_ical(ics, window, BERLIN, self_addresses=mine))


@BOTH_PATHS
@pytest.mark.parametrize(("duration", "end"), [("PT30H", z(2026, 3, 30, 1)), ("P1DT6H", z(2026, 3, 30, 0))])
def test_a_duration_in_hours_is_exact_across_a_dst_change(mine: frozenset[str], duration: str, end: datetime) -> None:
    """RFC 5545 3.3.6: hours are exact however many, days nominal. From 20:00 CET on 2026-03-28 (19:00 UTC), over
    Berlin's spring change, 30 hours end at 01:00 UTC; a calendar day and 6 hours (20:00 CEST + 6 h) at 00:00 UTC."""
    ics = vcalendar(event(DTSTART=";TZID=Europe/Berlin:20260328T200000", DURATION=duration, ATTENDEE=ACCEPTED))
    assert _read(ics, MARCH, mine) == [(z(2026, 3, 28, 19), end)]


@BOTH_PATHS
def test_a_series_and_its_override_each_keep_their_duration_as_written(mine: frozenset[str]) -> None:
    """The master lasts P1DT6H, its override of the 28th PT30H (the alarm's own DURATION is not the event's):
    the 21st ends a calendar day and 6 hours later, the 28th 30 hours later, across the change."""
    master = event(DTSTART=";TZID=Europe/Berlin:20260321T200000", DURATION="P1DT6H", RRULE="FREQ=WEEKLY;COUNT=2",
                   ATTENDEE=ACCEPTED)
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Soon\nTRIGGER:-PT15M\nREPEAT:1\nDURATION:PT5M\nEND:VALARM"
    override = event(RECURRENCE_ID=";TZID=Europe/Berlin:20260328T200000",
                     DTSTART=";TZID=Europe/Berlin:20260328T200000", DURATION="PT30H", ATTENDEE=ACCEPTED)
    ics = vcalendar(master + "\n" + alarm, override)
    assert _read(ics, MARCH, mine) == [(z(2026, 3, 21, 19), z(2026, 3, 23, 1)), (z(2026, 3, 28, 19), z(2026, 3, 30, 1))]


@BOTH_PATHS
def test_an_rdate_instance_lasts_the_masters_duration_as_written(mine: frozenset[str]) -> None:
    """The RDATE's instance on 2026-03-28 20:00 CET lasts PT30H exactly, across the change."""
    ics = vcalendar(event(DTSTART=";TZID=Europe/Berlin:20260321T200000", DURATION="PT30H",
                          RDATE=";TZID=Europe/Berlin:20260328T200000", ATTENDEE=ACCEPTED))
    assert _read(ics, MARCH, mine) == [(z(2026, 3, 21, 19), z(2026, 3, 23, 1)),
                                                     (z(2026, 3, 28, 19), z(2026, 3, 30, 1))]


def test_timed_event_without_end_blocks_nothing() -> None:
    # RFC 5545 3.6.1: a DATE-TIME DTSTART without DTEND/DURATION ends when it starts.
    ics = vcalendar(event(DTSTART="20260610T090000Z"))
    result = busy_from_ical(ics, JUNE, BERLIN)
    assert result.intervals == []
    assert result.uid == "e1@example.org"
    same = vcalendar(event(DTSTART="20260610T090000Z", DTEND="20260610T090000Z"))
    assert busy_from_ical(same, JUNE, BERLIN).intervals == []


def test_floating_time_is_read_in_the_staff_zone() -> None:
    ics = vcalendar(event(DTSTART="20260610T090000", DTEND="20260610T100000"))
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 6, 10, 7), z(2026, 6, 10, 8))]
    assert spans(busy_from_ical(ics, JUNE, NEW_YORK)) == [(z(2026, 6, 10, 13), z(2026, 6, 10, 14))]


def test_windows_zone_name_as_outlook_writes_it() -> None:
    # No VTIMEZONE at all: the Windows name alone must be mapped to Europe/Berlin (UTC+2 in June).
    bare = vcalendar(event(DTSTART=";TZID=W. Europe Standard Time:20260610T090000",
                           DTEND=";TZID=W. Europe Standard Time:20260610T100000"))
    assert lean_busy(bare, JUNE, NEW_YORK, False, frozenset()) is not None  # the lean reading maps it too
    assert spans(busy_from_ical(bare, JUNE, NEW_YORK)) == [(z(2026, 6, 10, 7), z(2026, 6, 10, 8))]
    eastern = vcalendar(event(DTSTART=";TZID=Eastern Standard Time:20260115T090000",
                              DTEND=";TZID=Eastern Standard Time:20260115T100000"))
    january = window(z(2026, 1, 1), z(2026, 2, 1))
    assert spans(busy_from_ical(eastern, january, BERLIN)) == [(z(2026, 1, 15, 14), z(2026, 1, 15, 15))]


OUTLOOK_VTIMEZONE = """
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def test_windows_zone_with_outlooks_own_vtimezone_across_dst() -> None:
    ics = vcalendar(
        event(DTSTART=";TZID=W. Europe Standard Time:20260323T090000",
              DTEND=";TZID=W. Europe Standard Time:20260323T100000", RRULE="FREQ=WEEKLY;COUNT=2"),
        preamble=OUTLOOK_VTIMEZONE,
    )
    assert "VTIMEZONE" not in without_known_zones(ics)  # the name means its CLDR zone: the lean reading's
    assert lean_busy(without_known_zones(ics), MARCH, NEW_YORK, False, frozenset()) is not None
    assert spans(busy_from_ical(ics, MARCH, NEW_YORK)) == [
        (z(2026, 3, 23, 8), z(2026, 3, 23, 9)),  # CET, UTC+1
        (z(2026, 3, 30, 7), z(2026, 3, 30, 8)),  # CEST, UTC+2
    ]


#: A definition of a Windows name without summer time, as a broken exporter might write it.
SUMMERLESS_ROMANCE = """
BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
"""


def test_a_windows_name_means_its_cldr_zone_whatever_was_read_before() -> None:
    """``icalendar`` resolves a TZID through one process-wide cache: the first VTIMEZONE of a Windows name it
    parsed used to answer for every later resource, even one without any. Now the name means its CLDR zone
    (Europe/Paris: 09:00 in June is 07:00 UTC) in every resource, its own definition or not, in either order."""
    own = vcalendar(event(DTSTART=";TZID=Romance Standard Time:20260610T090000", DURATION="PT1H",
                          ATTENDEE=ACCEPTED), preamble=SUMMERLESS_ROMANCE)
    bare = vcalendar(event(DTSTART=";TZID=Romance Standard Time:20260610T090000", DURATION="PT1H",
                           ATTENDEE=ACCEPTED))
    for ics in (own, bare, own):
        for mine in (frozenset({STAFF}), frozenset()):  # the full path (see BOTH_PATHS), then the lean one
            assert _read(ics, JUNE, mine) == [(z(2026, 6, 10, 7), z(2026, 6, 10, 8))]


def test_custom_vtimezone_in_the_file() -> None:
    custom = """
    BEGIN:VTIMEZONE
    TZID:Head Office Time
    BEGIN:STANDARD
    DTSTART:19700101T000000
    TZOFFSETFROM:+0530
    TZOFFSETTO:+0530
    TZNAME:HOT
    END:STANDARD
    END:VTIMEZONE
    """
    ics = vcalendar(event(DTSTART=";TZID=Head Office Time:20260610T090000",
                          DTEND=";TZID=Head Office Time:20260610T100000"), preamble=custom)
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 6, 10, 3, 30), z(2026, 6, 10, 4, 30))]


def test_unknown_tzid_is_read_like_a_floating_time_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="bizcal_desktop.providers.caldav")
    ics = vcalendar(event(DTSTART=";TZID=Nowhere/Special:20260610T090000",
                          DTEND=";TZID=Nowhere/Special:20260610T100000"))
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 6, 10, 7), z(2026, 6, 10, 8))]
    (record,) = caplog.records  # one line for the resource, saying what was done
    assert "'Nowhere/Special' is unknown" in record.getMessage()
    assert "read in the staff member's zone Europe/Berlin" in record.getMessage()


# ----------------------------------------------------------------------------- busy or not


def test_transparent_event_is_free_opaque_is_busy() -> None:
    free = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", TRANSP="TRANSPARENT"))
    busy = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", TRANSP="OPAQUE"))
    assert busy_from_ical(free, MARCH, BERLIN).intervals == []
    assert spans(busy_from_ical(busy, MARCH, BERLIN)) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 10))]


def test_cancelled_event_blocks_nothing() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", STATUS="CANCELLED"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.intervals == []
    assert result.uid == "e1@example.org"


def invitation(partstat: str, address: str = STAFF) -> str:
    return vcalendar(event(
        DTSTART="20260310T090000Z", DTEND="20260310T100000Z",
        ORGANIZER="mailto:boss@corp.example",
        ATTENDEE=f";PARTSTAT={partstat};CN=Someone:mailto:{address}",
    ))


def test_declined_invitation_is_free_accepted_is_busy() -> None:
    mine = frozenset({STAFF})
    assert busy_from_ical(invitation("DECLINED"), MARCH, BERLIN, self_addresses=mine).intervals == []
    assert spans(busy_from_ical(invitation("ACCEPTED"), MARCH, BERLIN, self_addresses=mine)) == [
        (z(2026, 3, 10, 9), z(2026, 3, 10, 10))
    ]


def test_decline_matches_address_case_insensitively_with_or_without_mailto() -> None:
    declined = invitation("DECLINED", address="Emma@Salon.Example")
    for given in ("emma@salon.example", "MAILTO:EMMA@SALON.EXAMPLE", " mailto:emma@salon.example "):
        assert busy_from_ical(declined, MARCH, BERLIN, self_addresses=frozenset({given})).intervals == []


def test_someone_elses_decline_does_not_free_the_staff_member() -> None:
    other = invitation("DECLINED", address="colleague@salon.example")
    assert len(busy_from_ical(other, MARCH, BERLIN, self_addresses=frozenset({STAFF})).intervals) == 1
    # Without knowing the staff member's addresses no decline can be attributed to them.
    assert len(busy_from_ical(invitation("DECLINED"), MARCH, BERLIN).intervals) == 1


def test_decline_among_several_attendees() -> None:
    ics = vcalendar(event(
        DTSTART="20260310T090000Z", DTEND="20260310T100000Z",
        ATTENDEE=";PARTSTAT=ACCEPTED:mailto:boss@corp.example",
    ) + f"\nATTENDEE;PARTSTAT=DECLINED:mailto:{STAFF}")
    assert busy_from_ical(ics, MARCH, BERLIN, self_addresses=frozenset({STAFF})).intervals == []


def test_our_own_booking_event_is_reported_not_blocked() -> None:
    uid = booking_uid("ab" * 16)
    ics = vcalendar(event(uid=uid, DTSTART="20260310T090000Z", DTEND="20260310T100000Z"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.intervals == []
    assert result.own_uid == uid
    assert result.uid == uid


def test_marker_property_makes_an_event_ours_whatever_its_uid() -> None:
    # A booking event adopted from elsewhere, or rewritten by a client that changed the UID.
    ics = vcalendar(event(uid="imported-7@example.org", DTSTART="20260310T090000Z",
                          DTEND="20260310T100000Z", X_BIZCAL_BOOKING="cd" * 16))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.intervals == []
    assert result.own_uid == booking_uid("cd" * 16)  # the booking it belongs to
    assert result.uid == "imported-7@example.org"


def test_todo_and_journal_are_ignored() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VTODO\r\nUID:t1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\n"
        "DUE:20260310T100000Z\r\nEND:VTODO\r\n"
        "BEGIN:VJOURNAL\r\nUID:j1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\nEND:VJOURNAL\r\n"
        "END:VCALENDAR\r\n"
    )
    assert busy_from_ical(ics, MARCH, BERLIN) == ParsedResource(intervals=[], own_uid=None, uid=None)


# ----------------------------------------------------------------------------- all-day events


def test_all_day_single_day_blocks_the_local_day() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260610", DTEND=";VALUE=DATE:20260611"))
    result = busy_from_ical(ics, JUNE, BERLIN)
    assert result.intervals == [BusyInterval(z(2026, 6, 9, 22), z(2026, 6, 10, 22), all_day=True)]


def test_all_day_without_dtend_is_one_day() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260610"))
    assert spans(busy_from_ical(ics, JUNE, NEW_YORK)) == [(z(2026, 6, 10, 4), z(2026, 6, 11, 4))]


def test_all_day_multi_day_end_date_is_exclusive() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260610", DTEND=";VALUE=DATE:20260613"))
    (interval,) = busy_from_ical(ics, JUNE, BERLIN).intervals
    assert (interval.start, interval.end, interval.all_day) == (z(2026, 6, 9, 22), z(2026, 6, 12, 22), True)


def test_all_day_with_duration() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260610", DURATION="P2D"))
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 6, 9, 22), z(2026, 6, 11, 22))]


def test_all_day_on_spring_forward_day_in_berlin_is_23_hours() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260329", DTEND=";VALUE=DATE:20260330"))
    (interval,) = busy_from_ical(ics, MARCH, BERLIN).intervals
    assert (interval.start, interval.end) == (z(2026, 3, 28, 23), z(2026, 3, 29, 22))
    assert interval.end - interval.start == timedelta(hours=23)


def test_all_day_on_fall_back_day_in_new_york_is_25_hours() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20261101", DTEND=";VALUE=DATE:20261102"))
    november = window(z(2026, 10, 25), z(2026, 11, 10))
    (interval,) = busy_from_ical(ics, november, NEW_YORK).intervals
    assert (interval.start, interval.end) == (z(2026, 11, 1, 4), z(2026, 11, 2, 5))
    assert interval.end - interval.start == timedelta(hours=25)


def test_multi_day_all_day_across_dst_spans_local_midnights() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260327", DTEND=";VALUE=DATE:20260331"))
    (interval,) = busy_from_ical(ics, MARCH, BERLIN).intervals
    assert (interval.start, interval.end) == (z(2026, 3, 26, 23), z(2026, 3, 30, 22))
    assert interval.end - interval.start == timedelta(days=4) - timedelta(hours=1)


def test_weekly_all_day_series_keeps_local_days_across_dst() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260322", RRULE="FREQ=WEEKLY;COUNT=2"))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [
        (z(2026, 3, 21, 23), z(2026, 3, 22, 23)),
        (z(2026, 3, 28, 23), z(2026, 3, 29, 22)),
    ]


def test_all_day_event_started_long_before_the_window_still_blocks() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260520", DTEND=";VALUE=DATE:20260610"))
    assert spans(busy_from_ical(ics, JUNE, BERLIN)) == [(z(2026, 5, 19, 22), z(2026, 6, 9, 22))]


# ----------------------------------------------------------------------------- recurrence

WEEKLY_MONDAY_9 = event(
    uid="weekly@example.org",
    DTSTART=";TZID=Europe/Berlin:20260302T090000",
    DTEND=";TZID=Europe/Berlin:20260302T100000",
    RRULE="FREQ=WEEKLY;BYDAY=MO",
    SUMMARY="Team meeting",
)


def override(recurrence_id: str, start: str, end: str, **props: str) -> str:
    return event(uid="weekly@example.org", RECURRENCE_ID=f";TZID=Europe/Berlin:{recurrence_id}",
                 DTSTART=f";TZID=Europe/Berlin:{start}", DTEND=f";TZID=Europe/Berlin:{end}", **props)


def test_weekly_series_keeps_local_wall_time_across_dst() -> None:
    # Mondays 09:00 Berlin: 08:00Z in March before the change (29th), 07:00Z after.
    result = busy_from_ical(vcalendar(WEEKLY_MONDAY_9), MARCH, BERLIN)
    assert spans(result) == [
        (z(2026, 3, 2, 8), z(2026, 3, 2, 9)),
        (z(2026, 3, 9, 8), z(2026, 3, 9, 9)),
        (z(2026, 3, 16, 8), z(2026, 3, 16, 9)),
        (z(2026, 3, 23, 8), z(2026, 3, 23, 9)),
        (z(2026, 3, 30, 7), z(2026, 3, 30, 8)),
    ]


def test_floating_series_keeps_local_wall_time_across_dst() -> None:
    ics = vcalendar(event(DTSTART="20261026T090000", DTEND="20261026T100000", RRULE="FREQ=WEEKLY;COUNT=2"))
    november = window(z(2026, 10, 20), z(2026, 11, 10))
    # New York: EDT (-4) on 26 Oct, EST (-5) on 2 Nov.
    assert spans(busy_from_ical(ics, november, NEW_YORK)) == [
        (z(2026, 10, 26, 13), z(2026, 10, 26, 14)),
        (z(2026, 11, 2, 14), z(2026, 11, 2, 15)),
    ]


def test_exdate_and_moved_instances() -> None:
    ics = vcalendar(
        WEEKLY_MONDAY_9 + "\nEXDATE;TZID=Europe/Berlin:20260316T090000",
        # 9 March moved to Wednesday afternoon, same week.
        override("20260309T090000", "20260311T140000", "20260311T150000", SUMMARY="Moved"),
    )
    result = busy_from_ical(ics, MARCH, BERLIN, keep_titles=True)
    assert [(i.start, i.end, i.title) for i in result.intervals] == [
        (z(2026, 3, 2, 8), z(2026, 3, 2, 9), "Team meeting"),
        (z(2026, 3, 11, 13), z(2026, 3, 11, 14), "Moved"),
        (z(2026, 3, 23, 8), z(2026, 3, 23, 9), "Team meeting"),
        (z(2026, 3, 30, 7), z(2026, 3, 30, 8), "Team meeting"),
    ]


def test_instance_moved_into_the_window_from_outside() -> None:
    # The 4 May instance (outside March) is moved to 25 March: it must appear.
    ics = vcalendar(WEEKLY_MONDAY_9, override("20260504T090000", "20260325T140000", "20260325T150000"))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [  # in time order, the moved one among them
        (z(2026, 3, 2, 8), z(2026, 3, 2, 9)),
        (z(2026, 3, 9, 8), z(2026, 3, 9, 9)),
        (z(2026, 3, 16, 8), z(2026, 3, 16, 9)),
        (z(2026, 3, 23, 8), z(2026, 3, 23, 9)),
        (z(2026, 3, 25, 13), z(2026, 3, 25, 14)),
        (z(2026, 3, 30, 7), z(2026, 3, 30, 8)),
    ]
    may = spans(busy_from_ical(ics, window(z(2026, 5, 1), z(2026, 5, 8)), BERLIN))
    assert may == []  # 4 May was the only Monday in that week, and it moved away


def test_instance_moved_out_of_the_window() -> None:
    # The 23 March instance moves to June: March loses it, June gains it.
    ics = vcalendar(WEEKLY_MONDAY_9, override("20260323T090000", "20260603T140000", "20260603T150000"))
    march = spans(busy_from_ical(ics, MARCH, BERLIN))
    assert (z(2026, 3, 23, 8), z(2026, 3, 23, 9)) not in march
    assert len(march) == 4
    june = spans(busy_from_ical(ics, JUNE, BERLIN))
    assert (z(2026, 6, 3, 12), z(2026, 6, 3, 13)) in june
    assert (z(2026, 6, 1, 7), z(2026, 6, 1, 8)) in june  # the regular instances are still there


def test_cancelled_instance_of_a_series() -> None:
    ics = vcalendar(WEEKLY_MONDAY_9,
                    override("20260316T090000", "20260316T090000", "20260316T100000", STATUS="CANCELLED"))
    march = spans(busy_from_ical(ics, MARCH, BERLIN))
    assert (z(2026, 3, 16, 8), z(2026, 3, 16, 9)) not in march
    assert len(march) == 4


def test_declined_single_instance_of_an_accepted_series() -> None:
    master = WEEKLY_MONDAY_9 + f"\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{STAFF}"
    declined = override("20260309T090000", "20260309T090000", "20260309T100000",
                        ATTENDEE=f";PARTSTAT=DECLINED:mailto:{STAFF}")
    march = spans(busy_from_ical(vcalendar(master, declined), MARCH, BERLIN, self_addresses=frozenset({STAFF})))
    assert (z(2026, 3, 9, 8), z(2026, 3, 9, 9)) not in march
    assert len(march) == 4


def test_rdate_adds_instances_and_results_are_sorted() -> None:
    ics = vcalendar(event(
        DTSTART="20260320T090000Z", DTEND="20260320T100000Z", RRULE="FREQ=DAILY;COUNT=2",
        RDATE="20260305T090000Z,20260310T120000Z",
    ))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [
        (z(2026, 3, 5, 9), z(2026, 3, 5, 10)),
        (z(2026, 3, 10, 12), z(2026, 3, 10, 13)),
        (z(2026, 3, 20, 9), z(2026, 3, 20, 10)),
        (z(2026, 3, 21, 9), z(2026, 3, 21, 10)),
    ]


def test_resource_with_only_an_overridden_instance() -> None:
    # Invited to one instance of someone else's series: the server stores the override alone.
    ics = vcalendar(override("20260309T090000", "20260309T110000", "20260309T120000"))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [(z(2026, 3, 9, 10), z(2026, 3, 9, 11))]


def test_endless_daily_series_started_years_ago() -> None:
    ics = vcalendar(event(DTSTART=";TZID=Europe/Berlin:20100104T120000",
                          DTEND=";TZID=Europe/Berlin:20100104T130000", RRULE="FREQ=DAILY"))
    result = busy_from_ical(ics, window(z(2026, 6, 1), z(2026, 6, 8)), BERLIN)
    assert spans(result) == [(z(2026, 6, d, 10), z(2026, 6, d, 11)) for d in range(1, 8)]


# ----------------------------------------------------------------------------- window edges


def test_window_edges_are_half_open_and_instances_are_not_clipped() -> None:
    the_window = window(z(2026, 6, 10, 10), z(2026, 6, 10, 12))
    cases = {
        ("20260610T090000Z", "20260610T100000Z"): False,  # ends exactly at the window start
        ("20260610T085900Z", "20260610T095900Z"): False,  # just before
        ("20260610T120000Z", "20260610T130000Z"): False,  # starts exactly at the window end
        ("20260610T093000Z", "20260610T103000Z"): True,   # overlaps the start
        ("20260610T113000Z", "20260610T123000Z"): True,   # overlaps the end
        ("20260610T080000Z", "20260610T140000Z"): True,   # covers the whole window
    }
    for (start, end), inside in cases.items():
        result = busy_from_ical(vcalendar(event(DTSTART=start, DTEND=end)), the_window, BERLIN)
        assert bool(result.intervals) is inside, (start, end)
        if inside:
            (interval,) = result.intervals
            assert interval.end - interval.start == datetime.strptime(end, "%Y%m%dT%H%M%SZ") - datetime.strptime(
                start, "%Y%m%dT%H%M%SZ"
            )


def test_series_instances_just_outside_the_window_are_left_out() -> None:
    ics = vcalendar(event(DTSTART="20260601T090000Z", DTEND="20260601T100000Z", RRULE="FREQ=DAILY;COUNT=10"))
    # The window runs from the end of the 3 June instance to the start of the 6 June instance.
    result = busy_from_ical(ics, window(z(2026, 6, 3, 10), z(2026, 6, 6, 9)), BERLIN)
    assert spans(result) == [(z(2026, 6, 4, 9), z(2026, 6, 4, 10)), (z(2026, 6, 5, 9), z(2026, 6, 5, 10))]


def test_all_day_event_outside_a_window_in_another_zone() -> None:
    # 10 June in Berlin is 9 June 22:00Z - 10 June 22:00Z: a window from 22:00Z on sees nothing.
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260610"))
    assert busy_from_ical(ics, window(z(2026, 6, 10, 22), z(2026, 6, 11, 22)), BERLIN).intervals == []
    assert len(busy_from_ical(ics, window(z(2026, 6, 10, 21), z(2026, 6, 11, 22)), BERLIN).intervals) == 1


def test_window_given_in_another_zone_is_compared_as_instants() -> None:
    ics = vcalendar(event(DTSTART="20260610T090000Z", DTEND="20260610T100000Z"))
    berlin_window = window(datetime(2026, 6, 10, 11, 59, tzinfo=BERLIN), datetime(2026, 6, 10, 13, tzinfo=BERLIN))
    assert len(busy_from_ical(ics, berlin_window, NEW_YORK).intervals) == 1  # 11:59 CEST = 09:59Z


# ----------------------------------------------------------------------------- malformed input

SECRET = "Divorce lawyer with J. Doe"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"this is not a calendar, it is about {SECRET}", id="plain text"),
        pytest.param("", id="empty"),
        pytest.param(f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{SECRET}\r\nEND:VCARD\r\n", id="vcard"),
        pytest.param(f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:{SECRET}\r\n", id="unterminated"),
    ],
)
def test_text_that_is_not_icalendar_raises_without_quoting_the_payload(text: str) -> None:
    with pytest.raises(MalformedCalendarData) as caught:
        busy_from_ical(text, MARCH, BERLIN)
    message = str(caught.value)
    assert isinstance(caught.value, PermanentError)
    assert SECRET not in message and "J. Doe" not in message
    assert "could not be read" in message
    assert caught.value.as_skipped() == SkippedEvent(f"{caught.value.problem}; it blocks no time")


@pytest.mark.parametrize(
    ("props", "problem", "blocked"),
    [
        pytest.param({"DTSTART": None}, "has no start time (DTSTART); it blocks no time", [], id="no DTSTART"),
        pytest.param({"DTSTART": f"next tuesday {SECRET}"},
                     "has a date, time or recurrence BizCal cannot read (DTSTART); it blocks no time", [],
                     id="garbage DTSTART"),
        pytest.param({"RRULE": f"FREQ=FORTNIGHTLY;X={SECRET}"},
                     "has a date, time or recurrence BizCal cannot read (RRULE)", "first", id="unknown FREQ"),
        pytest.param({"RRULE": "every monday"}, "has a recurrence rule BizCal cannot read (no valid FREQ)",
                     "first", id="RRULE without FREQ"),
        pytest.param({"RRULE": "FREQ=WEEKLY;BYDAY=XX"},
                     "has a date, time or recurrence BizCal cannot read (RRULE)", "first", id="bad BYDAY"),
        pytest.param({"RRULE": "FREQ=WEEKLY;INTERVAL=0"},
                     "has a recurrence rule BizCal cannot expand (INTERVAL=0)", "first",
                     id="INTERVAL=0 (loops forever if expanded)"),
    ],
)
def test_an_event_that_cannot_be_expanded_blocks_its_first_instance_and_says_why(
    props: dict[str, str | None], problem: str, blocked: object
) -> None:
    """Not called free: the span written in the event is blocked, and the reason reported."""
    times = {"DTSTART": "20260310T090000Z", "DTEND": "20260310T100000Z"}
    fields = {k: v for k, v in {**times, **props}.items() if v is not None}
    ics = vcalendar(event(uid="broken-1@example.org", SUMMARY=SECRET, **fields))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.uid == "broken-1@example.org" and result.own_uid is None
    assert result.skipped is not None
    if blocked == "first":
        assert spans(result) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 10))]
        problem += "; only its first occurrence is blocked"
    else:
        assert spans(result) == blocked
    assert result.skipped.problem == problem  # never quotes the event's text
    assert result.skipped.title == SECRET  # held apart: the importer shows it only if titles are kept


def test_non_utf8_bytes_are_malformed() -> None:
    with pytest.raises(MalformedCalendarData):
        busy_from_ical(b"BEGIN:VCALENDAR\r\n\xff\xfe\r\nEND:VCALENDAR\r\n", MARCH, BERLIN)


def test_rule_that_would_expand_to_millions_blocks_only_its_first_instance() -> None:
    ics = vcalendar(event(SUMMARY="Standup", DTSTART="20260310T090000Z", DTEND="20260310T091500Z",
                          RRULE="FREQ=SECONDLY"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert spans(result) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 9, 15))]
    assert result.skipped == SkippedEvent(
        "has a recurrence rule BizCal cannot expand (FREQ=SECONDLY); only its first occurrence is blocked",
        "Standup")
    assert result.skipped.describe(with_title=True) == (
        "'Standup' has a recurrence rule BizCal cannot expand (FREQ=SECONDLY); only its first occurrence "
        "is blocked")
    assert result.skipped.describe(with_title=False).startswith("an event has a recurrence rule")


def test_unexpandable_series_keeps_its_overridden_instances_as_written() -> None:
    master = event(uid="s@example.org", DTSTART="20260302T090000Z", DTEND="20260302T100000Z",
                   RRULE="FREQ=MINUTELY")
    moved = event(uid="s@example.org", RECURRENCE_ID="20260303T090000Z", DTSTART="20260303T140000Z",
                  DTEND="20260303T150000Z")
    result = busy_from_ical(vcalendar(master, moved), MARCH, BERLIN)
    assert spans(result) == [(z(2026, 3, 2, 9), z(2026, 3, 2, 10)), (z(2026, 3, 3, 14), z(2026, 3, 3, 15))]
    assert result.skipped is not None


def test_unexpandable_event_that_blocks_no_time_is_not_reported() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", RRULE="FREQ=SECONDLY",
                          TRANSP="TRANSPARENT"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert result.intervals == [] and result.skipped is None


def test_dtend_before_dtstart_blocks_one_hour_from_dtstart_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="bizcal_desktop.providers.caldav")
    # A mistyped year in DTEND: swapping the two would block a whole year.
    ics = vcalendar(event(uid="typo@example.org", SUMMARY=SECRET, DTSTART="20260310T090000Z",
                          DTEND="20250310T100000Z", RRULE="FREQ=DAILY;COUNT=2"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert spans(result) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 10)), (z(2026, 3, 11, 9), z(2026, 3, 11, 10))]
    assert result.skipped is None
    (record,) = [r for r in caplog.records if "DTEND" in r.getMessage()]  # once, not per instance
    assert "typo@example.org" in record.getMessage() and "one hour from DTSTART" in record.getMessage()
    assert SECRET not in caplog.text


def test_all_day_dtend_before_dtstart_blocks_the_day() -> None:
    ics = vcalendar(event(DTSTART=";VALUE=DATE:20260310", DTEND=";VALUE=DATE:20260308"))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [(z(2026, 3, 9, 23), z(2026, 3, 10, 23))]


def test_dense_rule_bounded_by_count_is_expanded() -> None:
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T090500Z",
                          RRULE="FREQ=MINUTELY;INTERVAL=10;COUNT=6"))
    result = busy_from_ical(ics, MARCH, BERLIN)
    assert [i.start for i in result.intervals] == [z(2026, 3, 10, 9, m) for m in range(0, 60, 10)]


def test_broken_summary_does_not_hide_the_busy_time() -> None:
    # Only the time properties matter; an odd property elsewhere must not lose the block.
    ics = vcalendar(event(DTSTART="20260310T090000Z", DTEND="20260310T100000Z", X_ODD=";VALUE=DATE:nonsense"))
    assert spans(busy_from_ical(ics, MARCH, BERLIN)) == [(z(2026, 3, 10, 9), z(2026, 3, 10, 10))]
