"""The text each privacy level allows, from the booking's facts alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bizcal_desktop.domain.privacy import (
    BookingFacts,
    PrivacyLevel,
    event_description,
    event_title,
    initials,
    parse_level,
)

FACTS = BookingFacts(7, "Massage", "Emma Schmidt", "Mark", datetime(2027, 3, 1, 9, tzinfo=UTC),
                     datetime(2027, 3, 1, 10, tzinfo=UTC), "Europe/Berlin")


@pytest.mark.parametrize(("name", "short"), [
    ("Emma Schmidt", "E. S."), ("Anne-Marie Roy", "A.-M. R."), ("émile  zola", "é. z."), ("Cher", "C."),
    ("", ""), ("  ", ""), ("Dr. O'Neil", "D. O."), ("42", ""),
])
def test_initials(name: str, short: str) -> None:
    assert initials(name) == short


def test_titles() -> None:
    assert [event_title(level, FACTS) for level in PrivacyLevel] == [
        "Massage – Emma Schmidt", "Massage – E. S.", "Massage", "Busy"]


def test_descriptions_never_say_more_than_the_level() -> None:
    full = event_description(PrivacyLevel.FULL, FACTS)
    assert "Customer: Emma Schmidt" in full and "Massage (60 min)" in full and "10:00" in full
    short = event_description(PrivacyLevel.INITIALS, FACTS)
    assert "Customer: E. S." in short and "Emma" not in short and "Schmidt" not in short
    service = event_description(PrivacyLevel.SERVICE, FACTS)
    assert "Customer" not in service and "E. S." not in service and "Massage" in service
    assert event_description(PrivacyLevel.BUSY, FACTS) == ""


def test_a_customer_without_letters_leaves_only_the_service() -> None:
    odd = BookingFacts(**{**FACTS.__dict__, "customer": "42"})
    assert event_title(PrivacyLevel.INITIALS, odd) == "Massage"
    assert "Customer" not in event_description(PrivacyLevel.INITIALS, odd)


def test_parse_level() -> None:
    assert parse_level(" Initials ") is PrivacyLevel.INITIALS
    with pytest.raises(ValueError, match="full, initials, service, busy"):
        parse_level("names")
