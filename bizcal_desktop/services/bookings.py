"""Bookings: add, reschedule, cancel, list.

Every change writes an outbox job in the SAME transaction as the change, so a crash can never lose a
calendar sync and a failed sync never loses a booking. The sync engine drains the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
    OutboxJob,
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


def local_midnight_utc(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


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


def enqueue(session: Session, booking_id: int, reason: str) -> OutboxJob:
    """Add an outbox job for ``booking_id`` to the caller's transaction."""
    job = OutboxJob(booking_id=booking_id, reason=reason)
    session.add(job)
    return job


class BookingService:
    """The booking use cases. Each method is one transaction: change + outbox job, or nothing."""

    def __init__(self, db: Database, directory: DirectoryService) -> None:
        self._db = db
        self._directory = directory

    def add(self, staff: str | int, service: str | int, customer: str, start: str | datetime) -> BookingView:
        customer = customer.strip()
        if not customer:
            raise UserInputError("A booking needs the customer's name.")
        with self._db.session() as s:
            staff_row = DirectoryService._staff_row(s, staff)
            service_row = DirectoryService._service_row(s, service)
            start_utc = (
                parse_instant(start, staff_row.timezone) if isinstance(start, str) else _as_utc(start)
            )
            booking = Booking(
                customer_name=customer,
                service_id=service_row.id,
                staff_id=staff_row.id,
                start_utc=start_utc,
                end_utc=start_utc + timedelta(minutes=service_row.duration_minutes),
                timezone=staff_row.timezone,
                status=BookingStatus.CONFIRMED,
                version=1,
            )
            s.add(booking)
            s.flush()
            enqueue(s, booking.id, "created")
            return booking_view(s, booking)

    def move(self, booking_id: int, start: str | datetime) -> BookingView:
        with self._db.session() as s:
            booking = self._row(s, booking_id)
            if booking.status != BookingStatus.CONFIRMED:
                raise UserInputError(f"Booking {booking_id} is cancelled; make a new booking instead.")
            start_utc = parse_instant(start, booking.timezone) if isinstance(start, str) else _as_utc(start)
            duration = booking.end_utc - booking.start_utc
            booking.start_utc = start_utc
            booking.end_utc = start_utc + duration
            booking.version += 1
            enqueue(s, booking.id, "moved")
            s.flush()
            return booking_view(s, booking)

    def cancel(self, booking_id: int) -> BookingView:
        with self._db.session() as s:
            booking = self._row(s, booking_id)
            if booking.status == BookingStatus.CANCELLED:
                return booking_view(s, booking)
            booking.status = BookingStatus.CANCELLED
            booking.version += 1
            enqueue(s, booking.id, "cancelled")
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
                query = query.where(Booking.staff_id == DirectoryService._staff_row(s, staff).id)
            if start is not None:
                query = query.where(Booking.end_utc > start)
            if end is not None:
                query = query.where(Booking.start_utc < end)
            if not include_cancelled:
                query = query.where(Booking.status == BookingStatus.CONFIRMED)
            return [booking_view(s, b) for b in s.scalars(query)]

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
