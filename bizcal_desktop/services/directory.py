"""Staff members and the services they offer: added, renamed, changed, archived and restored.

Why archiving and not deleting: bookings, their calendar events and the sync log name the staff
member and the service, and a practitioner's records must survive someone leaving. So archiving
keeps every row and changes what happens *next*:

* An archived staff member gets no new bookings and no new times for existing ones (the booking
  service refuses, and no slots are offered); lists that offer a choice leave them out. Their
  existing bookings stay confirmed and in their calendar, and can still be cancelled — the event is
  then deleted, because their calendar connections stay connected (secrets kept, tokens renewed).
  Their calendars are no longer read for busy times (``store.connections.importing_busy``): with no
  times offered, busy times serve nothing, and nobody is told about conflicts of someone who left.
  To stop BizCal using those calendars at all, disconnect them in Calendar Integrations.
* A service that is not *offered* (switched off for a while) stays in the lists but cannot be
  booked; an archived one is also gone from the lists. Existing bookings of either keep their
  service and can still be moved and cancelled.
* Restoring undoes archiving. Names stay taken while archived (a second "Mark" would make every
  booking and log line ambiguous), and the refusal says so.

The rules are enforced where bookings are made (``store.directory.require_bookable_staff`` and
``require_offered_service``), so the CLI, the windows and any future caller obey them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.zones import validate_zone
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.connections import in_use
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import service_row, staff_row
from bizcal_desktop.store.models import Booking, BookingStatus, CalendarConnection, Service, Staff
from bizcal_desktop.store.types import utcnow


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    timezone: str
    email: str | None
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    offered: bool = True
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def bookable(self) -> bool:
        return self.offered and not self.archived


@dataclass(frozen=True)
class ArchiveImpact:
    """What archiving would keep: confirmed bookings still to come, and connected calendars."""

    name: str
    future_bookings: int
    connections: int = 0


def _staff_view(s: Staff) -> StaffView:
    return StaffView(s.id, s.name, s.timezone, s.email, s.archived_at)


def _service_view(s: Service) -> ServiceView:
    return ServiceView(
        s.id, s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
        s.offered, s.archived_at,
    )


def _clean_name(name: str, what: str) -> str:
    name = name.strip()
    if not name:
        raise UserInputError(f"A {what} needs a name.")
    if len(name) > 200:
        raise UserInputError(f"A {what}'s name is at most 200 characters.")
    return name


def _check_service_times(duration: int, before: int, after: int) -> None:
    if duration <= 0 or duration > 24 * 60:
        raise UserInputError("A service lasts between 1 minute and 24 hours.")
    if before < 0 or after < 0:
        raise UserInputError("Buffers cannot be negative.")
    if before > 24 * 60 or after > 24 * 60:
        raise UserInputError("A buffer is at most 24 hours.")


def _future_bookings(s: Session, column, row_id: int) -> int:  # type: ignore[no-untyped-def]
    return s.scalar(
        select(func.count(Booking.id)).where(
            column == row_id, Booking.status == BookingStatus.CONFIRMED, Booking.end_utc > utcnow()
        )
    ) or 0


class DirectoryService:
    """Staff members and services, by id or by name (the CLI accepts both)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- staff ---------------------------------------------------------------------------------
    def add_staff(self, name: str, timezone: str, email: str | None = None) -> StaffView:
        name = _clean_name(name, "staff member")
        validate_zone(timezone)
        with self._db.session() as s:
            _check_name_free(s, Staff, name)
            staff = Staff(name=name, timezone=timezone, email=(email or "").strip() or None)
            s.add(staff)
            s.flush()
            return _staff_view(staff)

    def list_staff(self, include_archived: bool = False) -> list[StaffView]:
        """Staff members by name; archived ones only when asked (lists that offer a choice leave them out)."""
        query = select(Staff).order_by(Staff.name)
        if not include_archived:
            query = query.where(Staff.archived_at.is_(None))
        with self._db.session() as s:
            return [_staff_view(x) for x in s.scalars(query)]

    def find_staff(self, ref: str | int) -> StaffView:
        with self._db.session() as s:
            return _staff_view(staff_row(s, ref))

    def rename_staff(self, ref: str | int, new_name: str) -> StaffView:
        """A new name; bookings and the log follow (they refer to the id)."""
        return self.edit_staff(ref, name=new_name)

    def set_staff_timezone(self, ref: str | int, timezone: str) -> StaffView:
        """Working hours and free times count in the new zone from now on; bookings already made
        keep their instant and the zone they were made in."""
        return self.edit_staff(ref, timezone=timezone)

    def edit_staff(
        self, ref: str | int, *, name: str | None = None, timezone: str | None = None, email: str | None = None
    ) -> StaffView:
        """Change what is given (``None`` keeps it; an empty ``email`` clears it), all or nothing."""
        new_name = _clean_name(name, "staff member") if name is not None else None
        if timezone is not None:
            validate_zone(timezone)
        with self._db.session() as s:
            staff = staff_row(s, ref)
            if new_name is not None:
                _check_name_free(s, Staff, new_name, staff.id)
                staff.name = new_name
            if timezone is not None:
                staff.timezone = timezone
            if email is not None:
                staff.email = email.strip() or None
            s.flush()
            return _staff_view(staff)

    def staff_archive_impact(self, ref: str | int) -> ArchiveImpact:
        """What archiving ``ref`` would keep (the window asks before, the CLI tells after)."""
        with self._db.session() as s:
            staff = staff_row(s, ref)
            connections = s.scalar(
                select(func.count(CalendarConnection.id)).where(
                    CalendarConnection.staff_id == staff.id, in_use()
                )
            ) or 0
            return ArchiveImpact(staff.name, _future_bookings(s, Booking.staff_id, staff.id), connections)

    def archive_staff(self, ref: str | int) -> StaffView:
        """No new bookings with ``ref``; everything they have is kept (see the module's docstring)."""
        with self._db.session() as s:
            staff = staff_row(s, ref)
            if staff.archived_at is None:
                staff.archived_at = utcnow()
            return _staff_view(staff)

    def restore_staff(self, ref: str | int) -> StaffView:
        with self._db.session() as s:
            staff = staff_row(s, ref)
            staff.archived_at = None
            return _staff_view(staff)

    # ----- services ------------------------------------------------------------------------------
    def add_service(
        self,
        name: str,
        duration_minutes: int,
        buffer_before: int = 0,
        buffer_after: int = 0,
        offered: bool = True,
    ) -> ServiceView:
        name = _clean_name(name, "service")
        _check_service_times(duration_minutes, buffer_before, buffer_after)
        with self._db.session() as s:
            _check_name_free(s, Service, name)
            svc = Service(
                name=name,
                duration_minutes=duration_minutes,
                buffer_before_minutes=buffer_before,
                buffer_after_minutes=buffer_after,
                offered=offered,
            )
            s.add(svc)
            s.flush()
            return _service_view(svc)

    def edit_service(
        self,
        ref: str | int,
        *,
        name: str | None = None,
        duration_minutes: int | None = None,
        buffer_before: int | None = None,
        buffer_after: int | None = None,
        offered: bool | None = None,
    ) -> ServiceView:
        """Change what is given (``None`` keeps it). A new duration applies to new bookings only:
        a booking keeps the time it was made for, as the customer was told."""
        new_name = _clean_name(name, "service") if name is not None else None
        with self._db.session() as s:
            svc = service_row(s, ref)
            duration = svc.duration_minutes if duration_minutes is None else duration_minutes
            before = svc.buffer_before_minutes if buffer_before is None else buffer_before
            after = svc.buffer_after_minutes if buffer_after is None else buffer_after
            _check_service_times(duration, before, after)
            if new_name is not None:
                _check_name_free(s, Service, new_name, svc.id)
                svc.name = new_name
            svc.duration_minutes, svc.buffer_before_minutes, svc.buffer_after_minutes = duration, before, after
            if offered is not None:
                svc.offered = offered
            s.flush()
            return _service_view(svc)

    def list_services(self, include_archived: bool = False, bookable_only: bool = False) -> list[ServiceView]:
        """Services by name; archived ones only when asked; ``bookable_only`` also drops those not offered."""
        query = select(Service).order_by(Service.name)
        if not include_archived or bookable_only:
            query = query.where(Service.archived_at.is_(None))
        if bookable_only:
            query = query.where(Service.offered.is_(True))
        with self._db.session() as s:
            return [_service_view(x) for x in s.scalars(query)]

    def find_service(self, ref: str | int) -> ServiceView:
        with self._db.session() as s:
            return _service_view(service_row(s, ref))

    def service_archive_impact(self, ref: str | int) -> ArchiveImpact:
        with self._db.session() as s:
            svc = service_row(s, ref)
            return ArchiveImpact(svc.name, _future_bookings(s, Booking.service_id, svc.id))

    def archive_service(self, ref: str | int) -> ServiceView:
        with self._db.session() as s:
            svc = service_row(s, ref)
            if svc.archived_at is None:
                svc.archived_at = utcnow()
            return _service_view(svc)

    def restore_service(self, ref: str | int) -> ServiceView:
        with self._db.session() as s:
            svc = service_row(s, ref)
            svc.archived_at = None
            return _service_view(svc)


def _check_name_free(
    s: Session, table: type[Staff | Service], name: str, own_id: int | None = None
) -> None:
    """Refuse a name another row holds, saying whether that row is archived (then: restore it).

    Asked in the transaction that writes the name; the unique constraint still guards a race.
    """
    holder = s.scalar(select(table).where(table.name == name))
    if holder is None or holder.id == own_id:
        return
    what, pronoun = ("A staff member", "them") if table is Staff else ("A service", "it")
    if holder.archived_at is not None:
        raise UserInputError(
            f"{what} named {name!r} already exists but is archived; restore {pronoun} in Staff & Services "
            "or choose another name."
        )
    raise UserInputError(f"{what} named {name!r} already exists.")
