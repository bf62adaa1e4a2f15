"""Staff members and the services they offer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bizcal_desktop.domain.zones import validate_zone
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import service_row, staff_row
from bizcal_desktop.store.models import Service, Staff


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    timezone: str
    email: str | None


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int


def _staff_view(s: Staff) -> StaffView:
    return StaffView(s.id, s.name, s.timezone, s.email)


def _service_view(s: Service) -> ServiceView:
    return ServiceView(s.id, s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes)


class DirectoryService:
    """Add and find staff members and services (by id or by name, as the CLI accepts both)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_staff(self, name: str, timezone: str, email: str | None = None) -> StaffView:
        name = name.strip()
        if not name:
            raise UserInputError("A staff member needs a name.")
        validate_zone(timezone)
        try:
            with self._db.session() as s:
                staff = Staff(name=name, timezone=timezone, email=email)
                s.add(staff)
                s.flush()
                return _staff_view(staff)
        except IntegrityError:
            raise UserInputError(f"A staff member named {name!r} already exists.") from None

    def list_staff(self) -> list[StaffView]:
        with self._db.session() as s:
            return [_staff_view(x) for x in s.scalars(select(Staff).order_by(Staff.name))]

    def find_staff(self, ref: str | int) -> StaffView:
        with self._db.session() as s:
            return _staff_view(staff_row(s, ref))


    def add_service(
        self, name: str, duration_minutes: int, buffer_before: int = 0, buffer_after: int = 0
    ) -> ServiceView:
        name = name.strip()
        if not name:
            raise UserInputError("A service needs a name.")
        if duration_minutes <= 0 or duration_minutes > 24 * 60:
            raise UserInputError("A service lasts between 1 minute and 24 hours.")
        if buffer_before < 0 or buffer_after < 0:
            raise UserInputError("Buffers cannot be negative.")
        try:
            with self._db.session() as s:
                svc = Service(
                    name=name,
                    duration_minutes=duration_minutes,
                    buffer_before_minutes=buffer_before,
                    buffer_after_minutes=buffer_after,
                )
                s.add(svc)
                s.flush()
                return _service_view(svc)
        except IntegrityError:
            raise UserInputError(f"A service named {name!r} already exists.") from None

    def list_services(self) -> list[ServiceView]:
        with self._db.session() as s:
            return [_service_view(x) for x in s.scalars(select(Service).order_by(Service.name))]

    def find_service(self, ref: str | int) -> ServiceView:
        with self._db.session() as s:
            return _service_view(service_row(s, ref))

