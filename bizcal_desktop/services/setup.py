"""First-run set-up: how far a data folder is set up, and saving the wizard's answers all at once.

Why a service of its own: the set-up wizard asks three questions (who you are, what you offer, when
you work) before it can connect a calendar, which needs a staff member to belong to. Saving the
answers one page at a time would leave a staff member without services or hours when the person
cancels half-way; so nothing is written until the hours are answered, and then the staff member,
the services and the hours are written in one transaction (all or nothing). Running the wizard again
after a cancel or a crash reads :meth:`SetupService.status` and picks up what is there: the saved
answers come back filled in, and saving again updates them instead of adding duplicates.

The hours are audited as a setting change through the desktop door: the wizard is the only caller.

*Finished* means the person reached the wizard's last page (a calendar connected, or "later"), or
the folder already has a staff member, a service and a calendar (set up with the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.working_hours import WorkingHours
from bizcal_desktop.domain.zones import validate_zone
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connections import ConnectionService
from bizcal_desktop.services.directory import DirectoryService, ServiceView, StaffView
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import Service, Staff
from bizcal_desktop.store.settings import SettingsStore

#: What the services page offers on a fresh folder (editable, and removable).
EXAMPLE_SERVICE = ("Massage", 60, 0, 15)


@dataclass(frozen=True)
class ServiceDraft:
    """One service as typed in the wizard; ``id`` is set for a service saved before."""

    name: str
    duration_minutes: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    id: int | None = None


@dataclass(frozen=True)
class SetupDraft:
    """Everything the wizard asks before a calendar can be connected."""

    name: str
    timezone: str
    services: tuple[ServiceDraft, ...]
    hours: dict[str, list[str]]
    #: The staff member saved before (a resumed set-up updates them rather than adding another).
    staff_id: int | None = None


@dataclass(frozen=True)
class SetupStatus:
    """How far this data folder is set up."""

    staff: StaffView | None
    services: tuple[ServiceView, ...]
    #: The working hours that apply to ``staff`` (their own, else the business's).
    hours: dict[str, list[str]]
    #: Whether ``hours`` are the staff member's own (then set-up keeps them there).
    own_hours: bool
    connections: int
    finished: bool
    all_staff: tuple[StaffView, ...] = field(default=())

    @property
    def needs_wizard(self) -> bool:
        """No staff member at all: the app opens the wizard by itself."""
        return self.staff is None

    @property
    def basics_saved(self) -> bool:
        return self.staff is not None and bool(self.services)

    def draft(self) -> SetupDraft | None:
        """The saved answers as the wizard would type them (None before anything was saved)."""
        if self.staff is None:
            return None
        services = tuple(
            ServiceDraft(s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes, s.id)
            for s in self.services
        )
        return SetupDraft(self.staff.name, self.staff.timezone, services, self.hours, self.staff.id)


class SetupService:
    def __init__(
        self, db: Database, directory: DirectoryService, settings: SettingsStore, connections: ConnectionService
    ) -> None:
        self._db = db
        self._directory = directory
        self._settings = settings
        self._connections = connections

    def status(self) -> SetupStatus:
        staff = tuple(self._directory.list_staff())
        first = staff[0] if staff else None
        services = tuple(self._directory.list_services())
        own = self._settings.staff_hours(first.id) if first else None
        hours = own if own is not None else self._settings.get().working_hours
        connections = len(self._connections.list())
        finished = self._settings.setup_finished() or bool(staff and services and connections)
        return SetupStatus(first, services, hours, own is not None, connections, finished, staff)

    def save_basics(self, draft: SetupDraft) -> SetupStatus:
        """Write the staff member, the services and the hours in one transaction; the new status."""
        _check(draft)
        own_hours = draft.staff_id is not None and self._settings.staff_hours(draft.staff_id) is not None
        with self._db.session() as s:
            _refuse_taken_names(s, draft)
            staff = _staff_row(s, draft)
            for service in draft.services:
                _save_service(s, service)
            s.flush()
            if own_hours:
                self._settings.put_hours_in(s, draft.hours, staff_id=staff.id, door=Door.DESKTOP)
            else:
                self._settings.put_hours_in(s, draft.hours, timezone=draft.timezone, door=Door.DESKTOP)
        return self.status()

    def mark_finished(self) -> SetupStatus:
        self._settings.mark_setup_finished()
        return self.status()


def _check(draft: SetupDraft) -> None:
    """Every answer, checked before anything is written (one sentence per problem)."""
    if not draft.name.strip():
        raise UserInputError("Please type your name (or your practice's name).")
    validate_zone(draft.timezone)
    if not draft.services:
        raise UserInputError("Add at least one service, so customers have something to book.")
    seen: set[str] = set()
    for service in draft.services:
        name = service.name.strip()
        if not name:
            raise UserInputError("Every service needs a name; remove the rows you do not need.")
        if name.casefold() in seen:
            raise UserInputError(f"The service {name!r} is listed twice; give each service its own name.")
        seen.add(name.casefold())
        if not 1 <= service.duration_minutes <= 24 * 60:
            raise UserInputError(f"{name} must last between 1 minute and 24 hours.")
        if service.buffer_before_minutes < 0 or service.buffer_after_minutes < 0:
            raise UserInputError(f"The breaks around {name} cannot be negative.")
    try:
        hours = WorkingHours.from_dict(draft.hours)
    except ValueError as exc:
        raise UserInputError(f"Working hours: {exc}") from None
    if not any(hours.to_dict().values()):
        raise UserInputError("Open at least one day, or no time can ever be booked.")


def _staff_row(session: Session, draft: SetupDraft) -> Staff:
    row = session.get(Staff, draft.staff_id) if draft.staff_id is not None else None
    if row is None:
        row = Staff(name=draft.name.strip(), timezone=draft.timezone)
        session.add(row)
    else:
        row.name, row.timezone = draft.name.strip(), draft.timezone
    return row


def _save_service(session: Session, draft: ServiceDraft) -> None:
    row = session.get(Service, draft.id) if draft.id is not None else None
    if row is None:
        row = Service(name=draft.name.strip(), duration_minutes=draft.duration_minutes)
        session.add(row)
    row.name = draft.name.strip()
    row.duration_minutes = draft.duration_minutes
    row.buffer_before_minutes = draft.buffer_before_minutes
    row.buffer_after_minutes = draft.buffer_after_minutes


def _refuse_taken_names(session: Session, draft: SetupDraft) -> None:
    """A name another staff member or service already has (made elsewhere, e.g. with the CLI)."""
    name = draft.name.strip()
    other = session.scalar(select(Staff.id).where(Staff.name == name, Staff.id != (draft.staff_id or -1)))
    if other is not None:
        raise UserInputError(f"Someone named {name!r} is already set up in BizCal; choose another name.")
    for service in draft.services:
        taken = session.scalar(
            select(Service.id).where(Service.name == service.name.strip(), Service.id != (service.id or -1))
        )
        if taken is not None:
            raise UserInputError(
                f"A service named {service.name.strip()!r} already exists; give this one another name."
            )
