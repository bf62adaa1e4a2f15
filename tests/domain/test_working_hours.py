"""WorkingHours: parsing the stored dict, validation messages, normalisation and the round trip."""

from __future__ import annotations

import json
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bizcal_desktop.domain.working_hours import WEEKDAY_KEYS, WorkingHours


def test_from_dict_reads_days_and_closed_days() -> None:
    hours = WorkingHours.from_dict({"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"], "sun": []})
    assert hours.intervals_on(0) == ((time(9), time(12)), (time(13), time(17)))
    assert hours.intervals_on(5) == ((time(10), time(14)),)
    assert hours.intervals_on(1) == ()  # missing day = closed
    assert hours.intervals_on(6) == ()
    assert hours.describe_day(0) == "09:00–12:00, 13:00–17:00"
    assert hours.describe_day(6) == "closed"


def test_to_dict_lists_every_day_and_survives_json() -> None:
    hours = WorkingHours.from_dict({"TUE": ["9:30 – 17:00"], "fri": ["13:00-17:00", "08:00-12:00"]})
    stored = hours.to_dict()
    assert list(stored) == list(WEEKDAY_KEYS)
    assert stored["tue"] == ["09:30-17:00"]
    assert stored["fri"] == ["08:00-12:00", "13:00-17:00"]  # sorted
    assert WorkingHours.from_dict(json.loads(json.dumps(stored))) == hours


def test_touching_intervals_merge_so_a_slot_may_cross_the_seam() -> None:
    hours = WorkingHours.from_dict({"mon": ["12:00-17:00", "09:00-12:00"]})
    assert hours.intervals_on(0) == ((time(9), time(17)),)


def test_direct_construction_is_validated_and_normalised() -> None:
    days = ((), ((time(13), time(14)), (time(9), time(10))), (), (), (), (), ())
    hours = WorkingHours(days)
    assert hours.intervals_on(1) == ((time(9), time(10)), (time(13), time(14)))
    with pytest.raises(ValueError, match="exactly 7 days"):
        WorkingHours(((),) * 6)
    with pytest.raises(ValueError, match="whole minutes"):
        WorkingHours((((time(9, 0, 30), time(10)),),) + ((),) * 6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"monday": ["09:00-17:00"]}, "Unknown weekday 'monday'"),
        ({"mon": "09:00-17:00"}, "must be a list"),
        ({"mon": [900]}, "must be strings"),
        ({"mon": ["9-17"]}, "HH:MM-HH:MM"),
        ({"mon": ["09:00-25:00"]}, "impossible time"),
        ({"mon": ["09:60-10:00"]}, "impossible time"),
        ({"mon": ["18:00-24:00"]}, "23:59"),
        ({"mon": ["17:00-09:00"]}, "ends before it starts"),
        ({"mon": ["09:00-09:00"]}, "ends before it starts"),
        ({"mon": ["09:00-13:00", "12:00-17:00"]}, "overlap"),
        (["09:00-17:00"], "mapping"),
    ],
)
def test_invalid_input_raises_a_clear_value_error(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingHours.from_dict(data)  # type: ignore[arg-type]


_minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def _day(draw: st.DrawFn) -> list[str]:
    """Disjoint, non-touching intervals as strings, in random order."""
    points = sorted(draw(st.sets(_minutes, max_size=6)))
    pairs = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
    texts = [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in pairs if b > a]
    return draw(st.permutations(texts))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(WEEKDAY_KEYS), _day()))
def test_round_trip_through_the_stored_form(data: dict[str, list[str]]) -> None:
    hours = WorkingHours.from_dict(data)
    assert WorkingHours.from_dict(hours.to_dict()) == hours
    for index, key in enumerate(WEEKDAY_KEYS):
        # Intervals here never touch, so normalising only sorts them.
        assert hours.to_dict()[key] == sorted(data.get(key, []))
        assert all(start < end for start, end in hours.intervals_on(index))
