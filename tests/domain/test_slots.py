"""Example tests of slot generation and explanations: plain days, buffers, notice, window, DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.domain.scheduling import (
    Blocker,
    ReasonCode,
    SchedulingRules,
    ServiceSpec,
    WorkingHours,
    explain,
    generate_slots,
)
from bizcal_desktop.domain.time_range import TimeRange

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 9)  # a plain Monday, no DST change anywhere near
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)


def rules(
    hours: dict[str, list[str]] | None = None,
    *,
    zone: str = "Europe/Berlin",
    step: int = 15,
    before: int = 0,
    after: int = 0,
    notice: int = 0,
    window_days: int = 365,
) -> SchedulingRules:
    return SchedulingRules(
        zone=zone,
        working_hours=WorkingHours.from_dict(hours or {"mon": ["09:00-12:00"]}),
        buffer_before=before * MIN,
        buffer_after=after * MIN,
        step=step * MIN,
        min_notice=notice * MIN,
        window_days=window_days,
    )


def service(minutes: int, before: int = 0, after: int = 0) -> ServiceSpec:
    return ServiceSpec(duration=minutes * MIN, buffer_before=before * MIN, buffer_after=after * MIN)


def local(day: date, hhmm: str, tz: ZoneInfo = BERLIN, fold: int = 0) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz).replace(fold=fold)


def booking(start: datetime, end: datetime, ref: str = "12") -> Blocker:
    return Blocker(TimeRange(start, end), "booking", f"Booking {ref} (Massage – Emma)", ref)


def busy(start: datetime, end: datetime, ref: str = "ev-1") -> Blocker:
    return Blocker(TimeRange(start, end), "busy", "Busy block from iCloud – Mark", ref)


def starts(slots: list[TimeRange], tz: ZoneInfo = BERLIN) -> list[str]:
    return [f"{slot.start.astimezone(tz):%H:%M}" for slot in slots]


def test_plain_day_offers_every_step_that_fits() -> None:
    slots = generate_slots(rules(step=30), service(60), [], LONG_AGO, MONDAY, 1)
    assert starts(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert all(slot.start.tzinfo is UTC and slot.duration == 60 * MIN for slot in slots)
    assert slots == sorted(slots)


def test_grid_starts_at_each_working_interval_and_closed_days_offer_nothing() -> None:
    hours = {"mon": ["09:10-10:00", "13:05-14:00"]}
    slots = generate_slots(rules(hours, step=20), service(20), [], LONG_AGO, MONDAY, 7)
    assert starts(slots) == ["09:10", "09:30", "13:05", "13:25"]


def test_business_buffers_pad_every_booking() -> None:
    blocker = booking(local(MONDAY, "10:00"), local(MONDAY, "11:00"))
    slots = generate_slots(
        rules({"mon": ["09:00-13:00"]}, before=15, after=15), service(60), [blocker], LONG_AGO, MONDAY, 1
    )
    # The booking blocks 09:45-11:15; a 60-minute slot must end by 09:45 or start at 11:15.
    assert starts(slots) == ["11:15", "11:30", "11:45", "12:00"]


def test_service_buffers_pad_the_candidate_and_may_touch_the_blocker() -> None:
    blocker = booking(local(MONDAY, "10:00"), local(MONDAY, "11:00"))
    slots = generate_slots(rules(), service(30, before=10, after=20), [blocker], LONG_AGO, MONDAY, 1)
    # [s - 10, s + 50) must stay clear of [10:00, 11:00): s <= 09:10 or s >= 11:10.
    assert starts(slots) == ["09:00", "11:15", "11:30"]
    touching = generate_slots(rules(step=5), service(30, before=10), [blocker], LONG_AGO, MONDAY, 1)
    assert "11:10" in starts(touching) and "11:05" not in starts(touching)
    assert "09:30" in starts(touching) and "09:35" not in starts(touching)


def test_business_and_service_buffers_add_up() -> None:
    blocker = busy(local(MONDAY, "10:00"), local(MONDAY, "10:30"))
    slots = generate_slots(
        rules(step=5, before=5, after=10), service(30, before=5, after=5), [blocker], LONG_AGO, MONDAY, 1
    )
    # Blocker padded to [09:55, 10:40); candidate padded to [s - 5, s + 35).
    assert "09:20" in starts(slots) and "09:25" not in starts(slots)
    assert "10:45" in starts(slots) and "10:40" not in starts(slots)


def test_min_notice_hides_starts_that_are_too_soon() -> None:
    now = local(MONDAY, "09:40")
    slots = generate_slots(rules(notice=60), service(30), [], now, MONDAY, 1)
    assert starts(slots)[0] == "10:45"
    exactly = generate_slots(rules(notice=80), service(30), [], now, MONDAY, 1)
    assert starts(exactly)[0] == "11:00"  # now + notice == start is allowed


def test_booking_window_is_measured_from_now() -> None:
    hours = {"mon": ["09:00-10:00"], "tue": ["09:00-10:00"]}
    now = local(MONDAY, "09:00")
    slots = generate_slots(rules(hours, window_days=1), service(30), [], now, MONDAY, 2)
    local_starts = [f"{s.start.astimezone(BERLIN):%a %H:%M}" for s in slots]
    assert local_starts == ["Mon 09:00", "Mon 09:15", "Mon 09:30"]  # Tue 09:00 is exactly 1 day ahead
    assert generate_slots(rules(hours, window_days=0), service(30), [], now, MONDAY, 2) == []


def test_cancelling_a_booking_reopens_its_slot() -> None:
    blocker = booking(local(MONDAY, "10:00"), local(MONDAY, "11:00"))
    with_booking = generate_slots(rules(step=60), service(60), [blocker], LONG_AGO, MONDAY, 1)
    after_cancel = generate_slots(rules(step=60), service(60), [], LONG_AGO, MONDAY, 1)
    assert starts(with_booking) == ["09:00", "11:00"]
    assert starts(after_cancel) == ["09:00", "10:00", "11:00"]


def test_blockers_in_other_zones_are_compared_as_instants() -> None:
    # 10:00-11:00 in Berlin (still CET) is 05:00-06:00 in New York (already EDT since 8 March)
    # and 18:00-19:00 in Tokyo.
    from_new_york = busy(local(MONDAY, "05:00", NEW_YORK), local(MONDAY, "06:00", NEW_YORK))
    from_tokyo = booking(
        local(MONDAY, "18:00", ZoneInfo("Asia/Tokyo")), local(MONDAY, "19:00", ZoneInfo("Asia/Tokyo"))
    )
    assert from_new_york.range.start.tzinfo is UTC
    for blocker in (from_new_york, from_tokyo):
        slots = generate_slots(rules(step=60), service(60), [blocker], LONG_AGO, MONDAY, 1)
        assert starts(slots) == ["09:00", "11:00"]


def test_zero_length_blocker_without_buffers_blocks_nothing() -> None:
    blocker = busy(local(MONDAY, "10:30"), local(MONDAY, "10:30"))
    assert len(generate_slots(rules(step=60), service(60), [blocker], LONG_AGO, MONDAY, 1)) == 3
    padded = generate_slots(rules(step=60, after=1), service(60), [blocker], LONG_AGO, MONDAY, 1)
    assert starts(padded) == ["09:00", "11:00"]


def _assert_dst_day(slots: list[TimeRange], tz: ZoneInfo, expected: list[str], duration: timedelta) -> None:
    readings = [f"{slot.start.astimezone(tz):%H:%M%z}" for slot in slots]
    assert readings == expected
    assert len({r[:5] for r in readings}) == len(readings)  # no doubled wall-clock start
    assert all(slot.end - slot.start == duration for slot in slots)  # elapsed, not wall, duration


@pytest.mark.parametrize(
    ("zone", "day", "before_gap", "after_gap"),
    [
        ("Europe/Berlin", date(2026, 3, 29), "+0100", "+0200"),
        ("America/New_York", date(2026, 3, 8), "-0500", "-0400"),
    ],
)
def test_spring_forward_skips_the_missing_hour(zone: str, day: date, before_gap: str, after_gap: str) -> None:
    tz = ZoneInfo(zone)
    slots = generate_slots(
        rules({"sun": ["00:00-05:00"]}, zone=zone, step=30), service(60), [], LONG_AGO, day, 1
    )
    expected = [f"{t}{before_gap}" for t in ("00:00", "00:30", "01:00", "01:30")]
    expected += [f"{t}{after_gap}" for t in ("03:00", "03:30", "04:00")]
    _assert_dst_day(slots, tz, expected, 60 * MIN)
    # 01:30 + one elapsed hour reads 03:30 on the clock.
    assert f"{slots[3].end.astimezone(tz):%H:%M}" == "03:30"


@pytest.mark.parametrize(
    ("zone", "day", "summer", "winter", "repeated"),
    [
        ("Europe/Berlin", date(2026, 10, 25), "+0200", "+0100", "02"),
        ("America/New_York", date(2026, 11, 1), "-0400", "-0500", "01"),
    ],
)
def test_fall_back_offers_the_repeated_hour_once(
    zone: str, day: date, summer: str, winter: str, repeated: str
) -> None:
    tz = ZoneInfo(zone)
    slots = generate_slots(
        rules({"sun": ["00:00-05:00"]}, zone=zone, step=30), service(30), [], LONG_AGO, day, 1
    )
    switch = int(repeated) + 1  # first wall hour after the repeated one
    expected = [f"{h:02d}:{m:02d}{summer if h < switch else winter}" for h in range(5) for m in (0, 30)]
    _assert_dst_day(slots, tz, expected, 30 * MIN)
    # The working interval is 6 elapsed hours long; the second pass of the repeated hour has no starts.
    gaps = [b.start - a.start for a, b in zip(slots, slots[1:], strict=False)]
    assert gaps.count(90 * MIN) == 1 and all(g in (30 * MIN, 90 * MIN) for g in gaps)


def test_fall_back_slot_spanning_the_repeated_hour_lasts_its_elapsed_duration() -> None:
    day = date(2026, 10, 25)
    slots = generate_slots(rules({"sun": ["01:00-04:00"]}, step=60), service(60), [], LONG_AGO, day, 1)
    readings = [f"{s.start.astimezone(BERLIN):%H:%M%z}-{s.end.astimezone(BERLIN):%H:%M%z}" for s in slots]
    # 01:00-04:00 on the clock is four elapsed hours; the 02:00 start ends when the clock reads 02:00 again.
    assert readings == [
        "01:00+0200-02:00+0200",
        "02:00+0200-02:00+0100",
        "03:00+0100-04:00+0100",
    ]


def test_working_interval_starting_inside_the_gap_opens_when_the_clock_jumps() -> None:
    day = date(2026, 3, 29)
    slots = generate_slots(rules({"sun": ["02:30-04:00"]}, step=30), service(30), [], LONG_AGO, day, 1)
    assert [f"{s.start.astimezone(BERLIN):%H:%M%z}" for s in slots] == ["03:00+0200", "03:30+0200"]


def test_explain_agrees_and_names_every_reason() -> None:
    r = rules({"mon": ["09:00-12:00", "13:00-17:00"]}, before=15, after=15, notice=120, window_days=30)
    svc = service(60)
    emma = booking(local(MONDAY, "10:00"), local(MONDAY, "11:00"))
    mark = busy(local(MONDAY, "10:30"), local(MONDAY, "12:00"))
    now = local(MONDAY, "08:00")

    fine = explain(r, svc, [emma, mark], now, local(MONDAY, "13:00"))
    assert fine.offered and fine.reasons == []
    assert local(MONDAY, "13:00") in [s.start for s in generate_slots(r, svc, [emma, mark], now, MONDAY, 1)]

    clash = explain(r, svc, [emma, mark], now, local(MONDAY, "10:15"))
    assert not clash.offered
    assert [reason.code for reason in clash.reasons] == [
        ReasonCode.OVERLAPS_BOOKING,
        ReasonCode.OVERLAPS_BUSY,
    ]
    assert clash.reasons[0].blocker is emma and clash.reasons[1].blocker is mark
    assert "Booking 12 (Massage – Emma)" in clash.reasons[0].message
    assert "Busy block from iCloud – Mark" in clash.reasons[1].message
    assert "15 min before" in clash.reasons[0].message

    late = explain(r, svc, [], now, local(MONDAY, "16:37"))
    assert {reason.code for reason in late.reasons} == {ReasonCode.OUTSIDE_HOURS, ReasonCode.NOT_ALIGNED}
    assert "09:00–12:00, 13:00–17:00" in late.reasons[0].message

    early = explain(r, svc, [], now, local(MONDAY, "09:00"))
    assert [reason.code for reason in early.reasons] == [ReasonCode.TOO_SOON]
    assert "2 h notice" in early.reasons[0].message

    far = explain(r, svc, [], now, local(MONDAY + timedelta(days=35), "09:00"))
    assert [reason.code for reason in far.reasons] == [ReasonCode.BEYOND_WINDOW]
    assert "30 days" in far.reasons[0].message

    sunday = explain(r, svc, [], now, local(MONDAY + timedelta(days=6), "09:00"))
    assert [reason.code for reason in sunday.reasons] == [ReasonCode.OUTSIDE_HOURS]
    assert "closed" in sunday.reasons[0].message


def test_explain_names_the_second_pass_of_a_repeated_hour() -> None:
    day = date(2026, 11, 1)
    r = rules({"sun": ["00:00-05:00"]}, zone="America/New_York", step=30)
    second_pass = local(day, "01:30", NEW_YORK, fold=1)
    first_pass = local(day, "01:30", NEW_YORK, fold=0)
    assert explain(r, service(30), [], LONG_AGO, first_pass).offered
    verdict = explain(r, service(30), [], LONG_AGO, second_pass)
    assert [reason.code for reason in verdict.reasons] == [ReasonCode.REPEATED_LOCAL_TIME]
    assert "only the first 01:30" in verdict.reasons[0].message


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: rules(zone="Mars/Olympus"), "Unknown time zone"),
        (lambda: rules(step=0), "step must be longer than zero"),
        (lambda: rules(before=-5), "must not be negative"),
        (lambda: rules(window_days=-1), "window_days"),
        (lambda: service(0), "duration must be longer than zero"),
        (lambda: service(30, after=-1), "must not be negative"),
        (lambda: Blocker(TimeRange(LONG_AGO, LONG_AGO), "holiday", "x", "1"), "kind"),  # type: ignore[arg-type]
    ],
)
def test_invalid_rules_raise_value_error(build, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=message):
        build()


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        generate_slots(rules(), service(30), [], datetime(2026, 3, 9, 8), MONDAY, 1)


def test_time_range_is_exact_across_the_repeated_fall_back_hour() -> None:
    """01:53 PDT then 01:44 PST is a valid 51-minute range, though its wall clock goes backwards."""
    from zoneinfo import ZoneInfo

    from bizcal_desktop.domain.time_range import TimeRange

    la = ZoneInfo("America/Los_Angeles")
    first = datetime(2026, 11, 1, 1, 53, tzinfo=la)  # fold=0: PDT
    second = datetime(2026, 11, 1, 1, 44, fold=1, tzinfo=la)  # fold=1: PST, 51 minutes later
    span = TimeRange(first, second)
    assert span.duration == timedelta(minutes=51)
    assert span.overlaps(TimeRange(datetime(2026, 11, 1, 9, 0, tzinfo=UTC), datetime(2026, 11, 1, 9, 1, tzinfo=UTC)))
