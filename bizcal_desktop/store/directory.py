"""Finding a staff member's or a service's row by id or by name.

Users (and scripts) name staff and services either way ("Mark" or 3); the booking changes, the
importer and the services all resolve such a reference inside their own transaction, so the lookup
is a row helper here rather than a private method of one service.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.models import Service, Staff


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
