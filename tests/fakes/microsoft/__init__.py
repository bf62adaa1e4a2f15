"""A loopback HTTPS fake of Microsoft's identity platform and Graph v1.0 calendars for tests."""

from tests.fakes.microsoft.graph_store import FakeOutlookCalendar
from tests.fakes.microsoft.server import CLIENT_ID, MicrosoftFake

__all__ = ["CLIENT_ID", "FakeOutlookCalendar", "MicrosoftFake"]
