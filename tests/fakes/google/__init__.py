"""A loopback fake of Google's OAuth server and Calendar v3 API for end-to-end tests."""

from tests.fakes.google.calendar_store import FakeCalendar
from tests.fakes.google.server import CLIENT_ID, CLIENT_SECRET, GoogleFake

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "FakeCalendar", "GoogleFake"]
