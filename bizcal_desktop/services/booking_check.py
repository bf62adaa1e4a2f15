"""Fresh when it matters: a staff member's calendars are read again right before a booking.

Why: the periodic import runs every 15 minutes, so the dentist appointment typed into a phone ten
minutes ago may not be in the store yet, and the moment that matters is when somebody is about to
book that very time. An incremental read costs about one request per calendar, so it is done then,
for that staff member only (:meth:`AvailabilityImporter.refresh_staff`, bounded by the request
timeout), by the New booking dialog when it opens and by ``bizcal booking add``.

Why a failed read is a note, not an error: a calendar that cannot be read now (offline, the server
down) keeps the busy times of its last read; booking goes on with them, and the note says how old
they are. A busy time over the chosen time, on the other hand, stops the booking until the user
overrides it (``--force``, the dialog's *Book anyway*): it is their own calendar, they may know
better, but they must have seen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bizcal_desktop.services.availability import AvailabilityService, BusyBlockView
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store.settings import SettingsStore
from bizcal_desktop.sync.importer import AvailabilityImporter


@dataclass(frozen=True)
class UncheckedCalendar:
    """A calendar that could not be read just now, and how old its stored busy times are."""

    name: str
    reason: str
    #: When its stored busy times were read (UTC); None if it was never read.
    as_of: datetime | None


@dataclass(frozen=True)
class CalendarCheck:
    """What a read before booking found: the calendars read, the ones that could not be."""

    checked: tuple[str, ...] = ()
    unchecked: tuple[UncheckedCalendar, ...] = ()
    #: Requests the read cost, all calendars together.
    requests: int = 0


@dataclass(frozen=True)
class BusyClash:
    """Busy times from the staff member's calendars over a booking's time."""

    staff_name: str
    zone: str
    blocks: tuple[BusyBlockView, ...]

    def sentence(self) -> str:
        """``Mark is busy then: 'Dentist' in Work (10:00–11:00)`` (a title only when titles are kept)."""
        return f"{self.staff_name} is busy then: " + "; ".join(busy_text(b, self.zone) for b in self.blocks)


def busy_text(block: BusyBlockView, zone: str) -> str:
    """``'Dentist' in Work (10:00–11:00)``, or ``a busy time in Work (...)`` without a title."""
    what = f"'{block.title}' in" if block.title else "a busy time in"
    return f"{what} {block.connection_name} ({span_text(block, zone)})"


def span_text(block: BusyBlockView, zone: str, all_day: str = "all day") -> str:
    """The block's times in ``zone``: ``10:00–11:00``, with the dates when it spans days."""
    if block.all_day:
        return all_day
    tz = ZoneInfo(zone)
    start, end = block.start.astimezone(tz), block.end.astimezone(tz)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def as_of_text(as_of: datetime, now: datetime | None = None) -> str:
    """When busy times were read, in this computer's time: ``10:42``, or with the date if not today."""
    local = as_of.astimezone()
    today = (now or datetime.now(local.tzinfo)).astimezone().date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


def unchecked_note(calendar: UncheckedCalendar) -> str:
    """``Could not check Work just now (reason); showing busy times from 10:42``."""
    text = f"Could not check {calendar.name} just now ({calendar.reason.rstrip('.')})"
    if calendar.as_of is None:
        return text + "; none of its busy times have been read yet"
    return text + f"; showing busy times from {as_of_text(calendar.as_of)}"


class BookingCheckService:
    """Reads a staff member's calendars again, and finds busy times over a booking's time."""

    def __init__(
        self,
        importer: AvailabilityImporter,
        availability: AvailabilityService,
        directory: DirectoryService,
        settings: SettingsStore,
    ) -> None:
        self._importer = importer
        self._availability = availability
        self._directory = directory
        self._settings = settings

    async def refresh(self, staff: str | int) -> CalendarCheck:
        """An incremental read of ``staff``'s calendars (logged "checked before booking"); never raises
        for a calendar that cannot be read."""
        report = await self._importer.refresh_staff(staff)
        return CalendarCheck(
            checked=tuple(c.connection_name for c in report.connections if c.ok),
            unchecked=tuple(UncheckedCalendar(c.connection_name, c.message, c.as_of)
                            for c in report.connections if not c.ok),
            requests=sum(c.requests for c in report.connections),
        )

    def busy_over(self, staff: str | int, service: str | int, start: datetime) -> BusyClash | None:
        """The stored busy times overlapping a booking of ``service`` at ``start``; None if free of them."""
        staff_view = self._directory.find_staff(staff)
        duration = timedelta(minutes=self._directory.find_service(service).duration_minutes)
        blocks = self._availability.busy_blocks(staff_view.id, start, start + duration)
        if not blocks:
            return None
        if not self._settings.get().keep_busy_titles:
            blocks = [BusyBlockView(b.id, b.connection_id, b.connection_name, b.start, b.end, b.all_day, None)
                      for b in blocks]
        return BusyClash(staff_view.name, staff_view.timezone, tuple(blocks))
