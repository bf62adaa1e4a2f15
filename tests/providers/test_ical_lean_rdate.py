"""RDATEs read by the lean path, by hand: extra instances, with and without a rule, as the full path reads them.

The generated resources of ``test_ical_lean_series.py`` and ``test_ical_busy_lean.py`` hold lean == full
for RDATEs too; here each rule is shown on one plain example, read lean (asserted through
``ical_busy.lean_busy`` answering, which it did not for any RDATE before) and equal to the full path
(``icalendar`` + ``recurring-ical-events``): an RDATE's instance lasts the master's exact length (its
days nominal), an EXDATE removes it, an override replaces it, one equal to a rule's instance counts once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav import ical_busy
from bizcal_desktop.providers.caldav.ical_busy import busy_from_ical, without_known_zones

BERLIN = ZoneInfo("Europe/Berlin")
#: Berlin skips 02:00-03:00 on Sunday 2026-03-29 (CET +01:00, then CEST +02:00).
MARCH = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 15, tzinfo=UTC))


def _calendar(*events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", "UID:extra@example.org", "DTSTAMP:20260101T000000Z", *event, "END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def _is_lean(ics: str) -> bool:
    return ical_busy.lean_busy(without_known_zones(ics), MARCH, BERLIN, False, frozenset()) is not None


def _full_path(ics: str) -> ical_busy.ParsedResource:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ical_busy, "without_known_zones", lambda text: text)
        patch.setattr(ical_busy, "_single_instance", lambda calendar: None)
        patch.setattr(ical_busy, "lean_busy", lambda *args: None)
        return busy_from_ical(ics, MARCH, BERLIN, True)


def _spans(*events: list[str]) -> list[str]:
    """The busy spans in UTC, read lean (asserted) and equal to the full path's."""
    ics = _calendar(*events)
    assert _is_lean(ics)
    lean = busy_from_ical(ics, MARCH, BERLIN, True)
    assert lean == _full_path(ics)
    return [f"{i.start:%m-%d %H:%M}-{i.end:%m-%d %H:%M}" for i in lean.intervals]


def test_rdates_without_a_rule_are_read_lean() -> None:
    """DTSTART and each RDATE (two lines, one of them a list) are the instances, 30 minutes each."""
    assert _spans(["DTSTART;TZID=Europe/Berlin:20260305T100000", "DURATION:PT30M",
                   "RDATE;TZID=Europe/Berlin:20260312T100000,20260319T140000", "RDATE:20260402T080000Z"]) == [
        "03-05 09:00-03-05 09:30", "03-12 09:00-03-12 09:30", "03-19 13:00-03-19 13:30", "04-02 08:00-04-02 08:30"]


def test_an_rdate_on_an_instance_of_the_rule_counts_once() -> None:
    assert _spans(["DTSTART;TZID=Europe/Berlin:20260305T100000", "DTEND;TZID=Europe/Berlin:20260305T110000",
                   "RRULE:FREQ=WEEKLY;COUNT=2",
                   "RDATE;TZID=Europe/Berlin:20260305T100000,20260312T100000,20260313T100000"]) == ["03-05 09:00-03-05 10:00", "03-12 09:00-03-12 10:00",
                                           "03-13 09:00-03-13 10:00"]


def test_an_rdate_lies_outside_count_and_until() -> None:
    """COUNT and UNTIL bound the rule, not the RDATEs (RFC 5545 3.8.5.2)."""
    assert _spans(["DTSTART;TZID=Europe/Berlin:20260305T100000", "DURATION:PT1H",
                   "RRULE:FREQ=DAILY;UNTIL=20260306T090000Z", "RDATE;TZID=Europe/Berlin:20260320T100000"]) == [
        "03-05 09:00-03-05 10:00", "03-06 09:00-03-06 10:00", "03-20 09:00-03-20 10:00"]


def test_an_exdate_removes_an_rdate_and_an_override_replaces_one() -> None:
    master = ["DTSTART;TZID=Europe/Berlin:20260305T100000", "DURATION:PT1H",
              "RDATE;TZID=Europe/Berlin:20260310T100000,20260311T100000,20260312T100000",
              "EXDATE:20260311T090000Z"]
    moved = ["RECURRENCE-ID;TZID=Europe/Berlin:20260312T100000", "DTSTART;TZID=Europe/Berlin:20260312T150000",
             "DTEND;TZID=Europe/Berlin:20260312T153000", "SUMMARY:Moved"]
    assert _spans(master, moved) == ["03-05 09:00-03-05 10:00", "03-10 09:00-03-10 10:00",
                                     "03-12 14:00-03-12 14:30"]


def test_an_rdate_across_the_spring_change_lasts_the_masters_exact_length() -> None:
    """The master lasts 3 hours: the RDATE from 01:30 CET on the 29th (00:30 UTC) ends at 03:30 UTC."""
    assert _spans(["DTSTART;TZID=Europe/Berlin:20260322T013000", "DTEND;TZID=Europe/Berlin:20260322T043000",
                   "RDATE;TZID=Europe/Berlin:20260329T013000"]) == ["03-22 00:30-03-22 03:30",
                                                                     "03-29 00:30-03-29 03:30"]


def test_an_rdates_nominal_day_is_counted_in_its_own_zone() -> None:
    """P1D is a calendar day: 23 hours in Berlin across the change, 24 for an RDATE written in UTC."""
    assert _spans(["DTSTART;TZID=Europe/Berlin:20260321T100000", "DURATION:P1D",
                   "RDATE;TZID=Europe/Berlin:20260328T100000", "RDATE:20260404T090000Z"]) == [
        "03-21 09:00-03-22 09:00", "03-28 09:00-03-29 08:00", "04-04 09:00-04-05 09:00"]


def test_all_day_rdates_block_local_days() -> None:
    assert _spans(["DTSTART;VALUE=DATE:20260320", "DTEND;VALUE=DATE:20260321",
                   "RDATE;VALUE=DATE:20260329,20260401"]) == ["03-19 23:00-03-20 23:00", "03-28 23:00-03-29 22:00",
                                                             "03-31 22:00-04-01 22:00"]


def test_floating_rdates_of_a_floating_event_are_read_in_the_staff_zone() -> None:
    assert _spans(["DTSTART:20260321T100000", "DURATION:PT1H", "RDATE:20260329T100000"]) == [
        "03-21 09:00-03-21 10:00", "03-29 08:00-03-29 09:00"]


@pytest.mark.parametrize("rdate", [
    "RDATE;VALUE=PERIOD:20260312T090000Z/PT2H",  # its own length
    "RDATE;VALUE=DATE:20260312",  # a date of a timed series: the library makes it a midnight
    "RDATE:20260312T100000",  # floating, of a zoned series: read in DTSTART's zone
    "RDATE:20260312T090000Z",  # the instant of a rule's instance, in another zone: which one is kept?
])
def test_rdates_it_is_not_sure_of_are_left_to_the_full_path(rdate: str) -> None:
    ics = _calendar(["DTSTART;TZID=Europe/Berlin:20260305T100000", "DURATION:P1D", "RRULE:FREQ=WEEKLY;COUNT=3",
                     rdate])
    assert not _is_lean(ics)
    assert busy_from_ical(ics, MARCH, BERLIN, True) == _full_path(ics)
