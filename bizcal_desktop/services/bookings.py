"""Bookings: add, reschedule, cancel, list, find by customer.

Every change writes an outbox job in the SAME transaction as the change, so a crash can never lose a
calendar sync and a failed sync never loses a booking. The sync engine drains the outbox.
A new booking, or a new time, is refused for an archived staff member and a new booking for a
service that is archived or not offered (see ``services/directory.py``); cancelling always works.
Each change is an audit event too, with the door the caller names (``door``: the CLI says "cli",
the windows "desktop"; see ``store/audit.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store import booking_changes
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import (
    require_bookable_staff,
    require_offered_service,
    service_row,
    staff_row,
)
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
)


def parse_instant(text: str, zone: str) -> datetime:
    """Parse an ISO 8601 date-time; one without an offset is read in ``zone`` (the staff's).

    A local time that does not exist (skipped by a DST change) is refused rather than shifted
    silently, so nobody gets booked at an hour that never happens.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(
            f"{text!r} is not a date-time; use ISO 8601 like 2026-12-01T10:00 or 2026-12-01T10:00+01:00."
        ) from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = ZoneInfo(zone)
    aware = value.replace(tzinfo=tz)
    roundtrip = aware.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != value:
        raise UserInputError(
            f"{text} does not exist in {zone} (the clocks change that night); pick another time."
        )
    return aware.astimezone(UTC)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(f"{text!r} is not a date; use YYYY-MM-DD.") from None


@dataclass(frozen=True)
class MappingView:
    id: int
    connection_id: int
    state: str
    external_id: str | None
    attempts: int
    last_error: str | None
    deleted: bool


@dataclass(frozen=True)
class BookingView:
    id: int
    public_id: str
    customer_name: str
    service_id: int
    service_name: str
    staff_id: int
    staff_name: str
    start: datetime  #: UTC
    end: datetime  #: UTC
    timezone: str
    status: str
    version: int
    mappings: list[MappingView] = field(default_factory=list)

    @property
    def sync_state(self) -> str:
        """One word for lists: synced, pending, failed, or "-" when there is nothing to sync."""
        states = {m.state for m in self.mappings}
        for state in ("failed", "pending", "synced"):
            if state in states:
                return state
        return "-"


def booking_view(session: Session, b: Booking) -> BookingView:
    mappings = session.scalars(
        select(CalendarEventMapping).where(CalendarEventMapping.booking_id == b.id)
    ).all()
    return BookingView(
        id=b.id,
        public_id=b.public_id,
        customer_name=b.customer_name,
        service_id=b.service_id,
        service_name=b.service.name,
        staff_id=b.staff_id,
        staff_name=b.staff.name,
        start=b.start_utc,
        end=b.end_utc,
        timezone=b.timezone,
        status=b.status,
        version=b.version,
        mappings=[
            MappingView(m.id, m.connection_id, m.state, m.external_id, m.attempts, m.last_error, m.deleted)
            for m in mappings
        ],
    )


class BookingService:
    """The booking use cases. Each method is one transaction: change + outbox job, or nothing."""

    def __init__(self, db: Database, directory: DirectoryService) -> None:
        self._db = db
        self._directory = directory

    def add(
        self, staff: str | int, service: str | int, customer: str, start: str | datetime, door: str = Door.UNKNOWN
    ) -> BookingView:
        customer = customer.strip()
        if not customer:
            raise UserInputError("A booking needs the customer's name.")
        with self._db.session() as s:
            staff_member = require_bookable_staff(staff_row(s, staff))
            offered = require_offered_service(service_row(s, service))
            start_utc = (
                parse_instant(start, staff_member.timezone) if isinstance(start, str) else _as_utc(start)
            )
            booking = booking_changes.create_booking(s, staff_member, offered, customer, start_utc, door)
            return booking_view(s, booking)

    def move(self, booking_id: int, start: str | datetime, door: str = Door.UNKNOWN) -> BookingView:
        with self._db.session() as s:
            booking = self._row(s, booking_id)
            if booking.status != BookingStatus.CONFIRMED:
                raise UserInputError(f"Booking {booking_id} is cancelled; make a new booking instead.")
            require_bookable_staff(booking.staff)
            start_utc = parse_instant(start, booking.timezone) if isinstance(start, str) else _as_utc(start)
            booking_changes.reschedule(s, booking, start_utc, door)
            s.flush()
            return booking_view(s, booking)

    def cancel(self, booking_id: int, door: str = Door.UNKNOWN) -> BookingView:
        with self._db.session() as s:
            booking = self._row(s, booking_id)
            if booking.status == BookingStatus.CANCELLED:
                return booking_view(s, booking)
            booking_changes.cancel(s, booking, door)
            s.flush()
            return booking_view(s, booking)

    def get(self, booking_id: int) -> BookingView:
        with self._db.session() as s:
            return booking_view(s, self._row(s, booking_id))

    def list(
        self,
        staff: str | int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        include_cancelled: bool = False,
    ) -> list[BookingView]:
        with self._db.session() as s:
            query = select(Booking).order_by(Booking.start_utc)
            if staff is not None:
                query = query.where(Booking.staff_id == staff_row(s, staff).id)
            if start is not None:
                query = query.where(Booking.end_utc > start)
            if end is not None:
                query = query.where(Booking.start_utc < end)
            if not include_cancelled:
                query = query.where(Booking.status == BookingStatus.CONFIRMED)
            return [booking_view(s, b) for b in s.scalars(query)]

    def search(
        self, text: str, staff: str | int | None = None, include_cancelled: bool = False
    ) -> list[BookingView]:
        """Bookings whose customer's name contains ``text``, on any date, oldest first.

        Case is ignored the way people mean it ("müller" finds "Müller", "STRASSE" finds "Straße"),
        which SQLite's LIKE and LOWER do only for ASCII; so the names are compared here (one narrow
        query over id and name, then the matches are read in full).
        """
        needle = text.strip().casefold()
        if not needle:
            return []
        with self._db.session() as s:
            query = select(Booking.id, Booking.customer_name).order_by(Booking.start_utc, Booking.id)
            if staff is not None:
                query = query.where(Booking.staff_id == staff_row(s, staff).id)
            if not include_cancelled:
                query = query.where(Booking.status == BookingStatus.CONFIRMED)
            ids = [row.id for row in s.execute(query) if needle in row.customer_name.casefold()]
            rows = {b.id: b for b in s.scalars(select(Booking).where(Booking.id.in_(ids)))} if ids else {}
            return [booking_view(s, rows[i]) for i in ids]

    @staticmethod
    def _row(session: Session, booking_id: int) -> Booking:
        row = session.get(Booking, int(booking_id))
        if row is None:
            raise UserInputError(f"No booking {booking_id}; see `bizcal booking list`.")
        return row


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise UserInputError("A booking time needs a time zone.")
    return value.astimezone(UTC)
