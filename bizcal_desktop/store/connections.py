"""Row helpers for calendar connections that several layers share.

The sync engine, the importer, the token guardian and the connection service all need the same few
questions answered about connection rows ("which are in use", "copy one for a provider", "switch one
off"). They live here, beside the models, so no layer has to import another layer's private helpers
and every one of them answers the question the same way.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.connection import ConnectionInfo
from bizcal_desktop.store.directory import not_archived_staff
from bizcal_desktop.store.models import CalendarConnection, ConnectionStatus


def in_use() -> ColumnElement[bool]:
    """The condition of a connection that is switched on (whatever its health)."""
    return CalendarConnection.active.is_(True)


def importing_busy() -> list[ColumnElement[bool]]:
    """The conditions of a connection whose busy times count: switched on, importing, and its staff
    member not archived (no times are offered for them, so their calendars are not read)."""
    return [in_use(), CalendarConnection.import_busy.is_(True), not_archived_staff()]


def reading_busy() -> list[ColumnElement[bool]]:
    """The conditions of a connection whose calendars are read for busy times: importing and not
    paused (a paused connection's busy times still count, as last read, but are not read again)."""
    return [*importing_busy(), CalendarConnection.paused.is_(False)]


def usable_connections(staff_id: int) -> Select[tuple[CalendarConnection]]:
    """A staff member's connections that can take a write now, the default first."""
    return (
        select(CalendarConnection)
        .where(
            CalendarConnection.staff_id == staff_id,
            in_use(),
            CalendarConnection.status == ConnectionStatus.ACTIVE,
        )
        .order_by(CalendarConnection.is_default.desc(), CalendarConnection.id)
    )


def connection_info(c: CalendarConnection) -> ConnectionInfo:
    """A plain copy of the row, for a provider (which never sees the ORM)."""
    return ConnectionInfo(
        id=c.id,
        provider=c.provider,
        secret_key=c.secret_key,
        timezone=c.staff.timezone,
        server_url=c.server_url,
        username=c.username,
        calendar_id=c.calendar_id,
        calendar_href=c.calendar_href,
        busy_calendar_ids=tuple(json.loads(c.busy_calendar_ids)) if c.busy_calendar_ids else (),
    )


def needs_attention(row: CalendarConnection, status: str, error: str) -> None:
    """Take an active connection out of use until the user acts; its bookings go to the next usable one.

    ``status`` says why (:attr:`ConnectionStatus.NEEDS_RECONNECT`, :attr:`ConnectionStatus.CALENDAR_MISSING`);
    ``last_error`` says it in words, with what to do. A connection already out of use keeps its status.
    """
    if row.status != ConnectionStatus.ACTIVE:
        return
    row.status = status
    if status == ConnectionStatus.CALENDAR_MISSING:
        calendar = row.calendar_name or row.calendar_id or "chosen"
        error = (f"The calendar “{calendar}” of {row.display_name} no longer exists (deleted, or no longer "
                 "shared with this account). Connect the calendar account again in Calendar Integrations and "
                 "choose an existing calendar, then run Resync; until then bookings go to the staff member's "
                 f"other calendar connection. ({error})")
    row.last_error = error


def switch_off(session: Session, row: CalendarConnection, status: str) -> None:
    """Deactivate ``row``; if it was its staff member's default, the next active connection is.

    ``default_when_off`` remembers that it was, so a reconnect can make it the default again.
    """
    was_default = row.is_default
    row.active = False
    row.is_default = False
    row.default_when_off = was_default
    row.status = status
    if not was_default:
        return
    successor = session.scalar(
        select(CalendarConnection)
        .where(CalendarConnection.staff_id == row.staff_id, in_use(), CalendarConnection.id != row.id)
        .order_by(CalendarConnection.id)
    )
    if successor is not None:
        successor.is_default = True


def switch_on(session: Session, row: CalendarConnection) -> None:
    """Put ``row`` back in use (reconnected): active, healthy, and the default again if it was the
    default when it was switched off, or if its staff member has no default in use now."""
    row.active = True
    row.status = ConnectionStatus.ACTIVE
    row.last_error = None
    others = list(session.scalars(
        select(CalendarConnection).where(CalendarConnection.staff_id == row.staff_id, CalendarConnection.id != row.id)
    ))
    if row.default_when_off or not any(o.is_default and o.active for o in others):
        for other in others:
            other.is_default = False
        row.is_default = True
    row.default_when_off = False
