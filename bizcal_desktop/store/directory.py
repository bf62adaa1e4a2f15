"""Finding a staff member's or a service's row by id or by name.

Users (and scripts) name staff and services either way ("Mark" or 3); the booking changes, the
importer and the services all resolve such a reference inside their own transaction, so the lookup
is a row helper here rather than a private method of one service.

An archived staff member or service is still found (their bookings and history name them, and
they can be restored); whether a *new* booking may be made is asked separately, by
``require_bookable_staff`` and ``require_offered_service``, in the transaction that makes it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.models import CalendarConnection, Service, Staff


def staff_row(session: Session, ref: str | int) -> Staff:
    """The staff member ``ref`` (an id or a name); a clear error names the listing command."""
    row = None
    if isinstance(ref, int) or str(ref).isdigit():
        row = session.get(Staff, int(ref))
    if row is None:
        row = session.scalar(select(Staff).where(Staff.name == str(ref)))
    if row is None:
        raise UserInputError(f"No staff member {ref!r}; see `bizcal staff list`.")
    return row


def service_row(session: Session, ref: str | int) -> Service:
    """The service ``ref`` (an id or a name); a clear error names the listing command."""
    row = None
    if isinstance(ref, int) or str(ref).isdigit():
        row = session.get(Service, int(ref))
    if row is None:
        row = session.scalar(select(Service).where(Service.name == str(ref)))
    if row is None:
        raise UserInputError(f"No service {ref!r}; see `bizcal service list`.")
    return row


def not_archived_staff() -> ColumnElement[bool]:
    """The condition of a connection whose staff member is not archived (their calendars are read)."""
    return CalendarConnection.staff_id.in_(select(Staff.id).where(Staff.archived_at.is_(None)))


def require_bookable_staff(staff: Staff) -> Staff:
    """``staff`` if new bookings (and new times for old ones) may be made with them."""
    if staff.archived_at is not None:
        raise UserInputError(
            f"{staff.name} is archived, so no bookings can be made with them; restore {staff.name} "
            "in Staff & Services (or `bizcal staff restore`) first."
        )
    return staff


def require_offered_service(service: Service) -> Service:
    """``service`` if new bookings of it may be made."""
    if service.archived_at is not None:
        raise UserInputError(
            f"The service {service.name!r} is archived; restore it in Staff & Services "
            "(or `bizcal service restore`) to book it again."
        )
    if not service.offered:
        raise UserInputError(
            f"The service {service.name!r} is not offered at the moment; switch it on in Staff & Services "
            "(or `bizcal service edit --offered yes`) to book it."
        )
    return service
