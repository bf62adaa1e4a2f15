"""Which instants a wall time with a zone name cannot name (the repeated hour of a fall-back night)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.domain.local_time import is_repeated_wall_time

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("instant", "zone", "repeated"),
    [
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), BERLIN, True),  # first 02:30 (CEST)
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), BERLIN, True),  # second 02:30 (CET)
        (datetime(2027, 10, 31, 0, 0, tzinfo=UTC), BERLIN, True),  # first 02:00: the hour starts
        (datetime(2027, 10, 31, 2, 0, tzinfo=UTC), BERLIN, False),  # 03:00 happens once
        (datetime(2027, 10, 30, 23, 59, tzinfo=UTC), BERLIN, False),  # 01:59 CEST
        (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), BERLIN, False),  # spring forward: 03:00 CEST, once
        (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), NEW_YORK, True),  # first 01:30 (EDT)
        (datetime(2027, 11, 7, 6, 30, tzinfo=UTC), NEW_YORK, True),  # second 01:30 (EST)
        (datetime(2027, 11, 7, 7, 0, tzinfo=UTC), NEW_YORK, False),  # 02:00 EST
        (datetime(2027, 7, 1, 12, 0, tzinfo=UTC), NEW_YORK, False),
    ],
)
def test_repeated_wall_times(instant: datetime, zone: ZoneInfo, repeated: bool) -> None:
    assert is_repeated_wall_time(instant, zone) is repeated
