"""Calendar connections once saved: list, look up, choose the default, pause, resume, disconnect.

Why :class:`ConnectionService` extends :class:`~bizcal_desktop.services.disconnect.DisconnectFlow`
(a :class:`~bizcal_desktop.services.reconnect.ReconnectFlow`, itself a
:class:`~bizcal_desktop.services.connect_flow.ConnectFlow`): the CLI and the desktop UI know one
object for everything about connections (``services.connections``), while making a connection — log
in, choose the calendar, test, save —, mending one in place and disconnecting one safely are jobs of
their own and live in their own modules.

Pause is per connection (``store/pauses``): the user's choice, so the connection's bookings wait
for it instead of failing or moving to another calendar, and its busy times are kept as last read.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.privacy import parse_level
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.services.connection_view import ConnectionView, connection_view
from bizcal_desktop.services.disconnect import Disconnected, DisconnectFlow, RemovalPreview
from bizcal_desktop.store import audit, pauses, privacy, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import connection_info
from bizcal_desktop.store.directory import staff_row
from bizcal_desktop.store.models import (
    CalendarConnection,
    ConnectionStatus,
    Outcome,
    Staff,
    SyncAction,
)
from bizcal_desktop.store.settings import business_in

log = logging.getLogger(__name__)

__all__ = ["ConnectionService", "ConnectionView", "Disconnected", "RemovalPreview"]

#: Disconnected, or being disconnected (its events being removed): out of the user's list of connections.
GONE = (ConnectionStatus.DISCONNECTED, ConnectionStatus.REMOVING)


class ConnectionService(DisconnectFlow):
    """Use cases around a staff member's calendar connections (connecting, reconnecting, disconnecting:
    the bases)."""

    def list(self, staff: str | int | None = None, include_disconnected: bool = False) -> list[ConnectionView]:
        with self._db.session() as s:
            query = select(CalendarConnection).join(Staff).order_by(Staff.name, CalendarConnection.id)
            if staff is not None:
                query = query.where(CalendarConnection.staff_id == staff_row(s, staff).id)
            if not include_disconnected:
                query = query.where(CalendarConnection.status.not_in(GONE))
            return [connection_view(c) for c in s.scalars(query)]

    def get(self, connection_id: int) -> ConnectionView:
        with self._db.session() as s:
            return connection_view(self._row(s, connection_id))

    def info(self, connection_id: int) -> ConnectionInfo:
        with self._db.session() as s:
            return connection_info(self._row(s, connection_id))

    def set_default(self, connection_id: int, actor: str = "user", door: str = Door.UNKNOWN) -> ConnectionView:
        with self._db.session() as s:
            row = self._row(s, connection_id)
            if not row.active:
                raise UserInputError(f"Connection {connection_id} is {row.status}; reconnect it first.")
            before = audit.connection_snapshot(row)
            for other in s.scalars(select(CalendarConnection).where(CalendarConnection.staff_id == row.staff_id)):
                other.is_default = other.id == row.id
                other.default_when_off = False  # the user chose: a reconnect does not take it back
            message = f"{row.display_name} is now the default calendar of {row.staff.name}"
            event = audit.connection_changed(s, door, "set_default", row, before, message)
            sync_log.record(
                s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                message=message, audit_event_id=event.id,
            )
            s.flush()
            return connection_view(row)

    def set_privacy(
        self, connection_id: int, level: str | None, actor: str = "user", door: str = Door.UNKNOWN
    ) -> privacy.PrivacyChange:
        """What this calendar's events show (``level``), or None / "default" to follow the business's.

        Its future events are queued to be rewritten when what they show changes; the count is in
        the answer and in the log.
        """
        override = None if level in (None, "", "default") else _level(level)
        with self._db.session() as s:
            row = self._row(s, connection_id)
            if row.status in GONE:
                raise UserInputError(f"Connection {connection_id} is disconnected; nothing is written there.")
            return privacy.connection_level_changed(s, row, override, business_in(s).event_privacy, actor, door)

    def set_paused(
        self, connection_id: int, paused: bool, actor: str = "user", door: str = Door.UNKNOWN
    ) -> ConnectionView:
        """Pause (its bookings wait, its busy times are not read) or resume (they are synced now)."""
        with self._db.session() as s:
            row = self._row(s, connection_id)
            if row.status in GONE:
                raise UserInputError(f"Connection {connection_id} is disconnected; there is nothing to "
                                     f"{'pause' if paused else 'resume'}.")
            before = audit.connection_snapshot(row)
            pauses.set_paused(s, row, paused, actor)
            audit.connection_changed(s, door, "pause" if paused else "resume", row, before,
                                     f"{'Paused' if paused else 'Resumed'} {row.display_name}")
            s.flush()
            return connection_view(row)

    @staticmethod
    def _row(session: Session, connection_id: int) -> CalendarConnection:
        row = session.get(CalendarConnection, int(connection_id))
        if row is None:
            raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
        return row


def _level(value: str) -> str:
    try:
        return parse_level(value).value
    except ValueError as exc:
        raise UserInputError(f"{exc} Or 'default' to follow the business's level.") from None
