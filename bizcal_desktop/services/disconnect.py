"""Disconnect, safely: the secret goes, and BizCal's own events stay — or go, if asked, with a count first.

Without removal the keychain entry is deleted in the disconnect's own transaction, as a person who
disconnects because a laptop is lost expects, and the Google grant is revoked right after — unless
another connection in use signs in to the same Google account (two calendars of one account): the
grant is one per account, and revoking it would end that connection too. Events
that stay keep their mappings, marked *left* (``store/disconnects.py``): connecting the same calendar
again takes them over instead of writing them twice.

With removal ("Also remove BizCal's events from this calendar") the same transaction records what
is to be removed — the mappings of that calendar's bookings not over yet, marked *removing* — and the
connection becomes *removing*: gone from the user's list, used for nothing but the removal. The
removal itself is :mod:`.event_removal`'s, durable across crashes; the secret is kept only as long
as it needs it (why, and when it ends, is explained there). The disconnect runs it at once and waits,
reporting progress; what an interruption leaves is done by the next run (the tray's timer,
``bizcal sync``). :meth:`DisconnectFlow.removal_preview` counts first ("12 future events will be
removed"): one listing of the calendar, by our UID or marker — never someone else's event — of this
database's bookings only; past events are history and stay.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo, EventRef
from bizcal_desktop.services.connection_view import ConnectionView, connection_view
from bizcal_desktop.services.event_removal import EventRemoval, Progress, RemovalState
from bizcal_desktop.services.reconnect import ReconnectFlow
from bizcal_desktop.store import audit, disconnects, pauses, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import connection_info, switch_off
from bizcal_desktop.store.models import BusyBlock, CalendarConnection, ConnectionStatus, Outcome, SyncAction
from bizcal_desktop.store.types import utcnow

log = logging.getLogger(__name__)

#: How far ahead "future events" reaches: further than any booking window (at most two years).
REMOVAL_HORIZON = timedelta(days=3 * 366)

__all__ = ["DisconnectFlow", "Disconnected", "Progress", "RemovalPreview", "RemovalState"]


@dataclass(frozen=True)
class RemovalPreview:
    connection_id: int
    calendar: str
    count: int  #: BizCal's future events in that calendar, of this database's bookings

    @property
    def message(self) -> str:
        if self.count == 0:
            return f"No future events of BizCal's are in {self.calendar}."
        events = "1 future event" if self.count == 1 else f"{self.count} future events"
        return f"{events} will be removed from {self.calendar}."


@dataclass(frozen=True)
class Disconnected:
    connection: ConnectionView
    removed: int = 0
    not_removed: int = 0  #: asked to remove, but they stay: the calendar refused, or the user stopped it
    left: int = 0  #: BizCal's events that stay in the calendar (the default), by their mappings
    #: Why not every event could be removed, or why the rest waits (``removing``).
    removal_error: str | None = None
    #: Still to be removed in the background (an interruption that may pass); the secret is kept until then.
    removing: int = 0
    asked_to_remove: bool = False

    @property
    def message(self) -> str:
        name = self.connection.display_name
        if self.removing:
            return (f"Disconnected {name}; removed {self.removed} of BizCal's future events so far; the other "
                    f"{self.removing} are removed in the background ({self.removal_error}) and its secret is "
                    "kept in the keychain until then (Forget now stops that).")
        if self.removal_error and not (self.removed or self.not_removed):
            return (f"Disconnected {name}; its secrets were deleted from the keychain, but BizCal's events "
                    f"could not be removed ({self.removal_error}); they stay in the calendar.")
        if self.removed or self.not_removed:
            text = f"Disconnected {name}; removed {self.removed} of BizCal's future events"
            if self.not_removed:
                text += f" ({self.not_removed} could not be removed and stay in the calendar: {self.removal_error})"
        elif self.asked_to_remove:
            text = f"Disconnected {name}; no future events of BizCal's were in the calendar"
        else:
            text = f"Disconnected {name}; BizCal's events stay in the calendar"
        return text + "; its secrets were deleted from the keychain."


class DisconnectFlow(ReconnectFlow):
    """disconnect (secret at once, events left), disconnect_and_revoke (optionally removing them)."""

    @cached_property
    def removals(self) -> EventRemoval:
        """The removals disconnects recorded: run, resumed (the tray's timer, ``bizcal sync``), stopped."""
        return EventRemoval(self._db, self._secrets, self._providers, self._config)

    async def removal_preview(self, connection_id: int) -> RemovalPreview:
        """How many of BizCal's future events a removal would delete (one listing of the calendar).

        Raises what ``list_own_events`` raises (the calendar cannot be read: say so, and the user
        may still disconnect and keep the events).
        """
        info, name = await asyncio.to_thread(self._connected, connection_id)
        provider = await asyncio.to_thread(self._providers.build, info)
        async with provider:
            ours = await self._own_future_events(provider)
        return RemovalPreview(connection_id, name, len(ours))

    def disconnect(self, connection_id: int, actor: str = "user", door: str = Door.UNKNOWN,
                   removing: bool = False) -> ConnectionView:
        """Disconnect in one transaction: the secret deleted and the events' mappings marked left —
        or, ``removing``, the future ones marked to be removed and the secret kept for that alone."""
        with self._db.session() as s:
            row = _row(s, connection_id)
            before = audit.connection_snapshot(row)
            secret_name = self._providers.secret_name(row.provider)
            if secret_name is not None and not removing:
                self._secrets.delete(row.secret_key, secret_name)
            switch_off(s, row, ConnectionStatus.REMOVING if removing else ConnectionStatus.DISCONNECTED)
            row.sync_cursor = None
            if row.paused:  # bookings held for it are planned again (another connection, or a reason)
                row.paused = False
                pauses.release_held(s, row.staff_id)
            s.execute(delete(BusyBlock).where(BusyBlock.connection_id == row.id))  # no longer ours to read
            left, to_remove = disconnects.leave_events(s, row, remove_future=removing)
            if removing:
                message = (f"Disconnected {row.display_name} ({to_remove} of BizCal's future events to be removed; "
                           "its secret is kept in the keychain until they are)")
            else:
                message = (f"Disconnected {row.display_name} ({left} event(s) of BizCal's left in it); its secrets "
                           "were deleted from the keychain")
            event = audit.connection_changed(s, door, "disconnect", row, before, message)
            sync_log.record(s, actor=actor, action=SyncAction.DISCONNECT, outcome=Outcome.SUCCESS,
                            connection_id=row.id, message=message, audit_event_id=event.id)
            s.flush()
            return connection_view(row)

    async def disconnect_and_revoke(
        self, connection_id: int, actor: str = "user", door: str = Door.UNKNOWN, remove_events: bool = False,
        on_progress: Progress | None = None,
    ) -> Disconnected:
        """Disconnect; with ``remove_events`` run the removal now (it ends with the secret deleted and
        the Google grant revoked, or goes on in the background), else delete the secret and revoke at
        once (best effort: a failed revoke is logged with where to remove the app)."""
        info, _name = await asyncio.to_thread(self._connected, connection_id)
        secret_name = self._providers.secret_name(info.provider)
        secret = None
        if secret_name is not None and (remove_events or info.provider == "google"):
            secret = await asyncio.to_thread(self._secrets.get, info.secret_key, secret_name)
        if remove_events and secret:
            await asyncio.to_thread(self.disconnect, connection_id, actor, door, True)
            state = await self.removals.run(connection_id, on_progress, actor)
            return await asyncio.to_thread(self._removal_result, connection_id, state)
        view = await asyncio.to_thread(self.disconnect, connection_id, actor, door, False)
        result = Disconnected(view, left=await asyncio.to_thread(self._left_count, connection_id),
                              removal_error="its password or token was missing" if remove_events else None)
        if info.provider == "google" and secret and not await asyncio.to_thread(self._grant_shared, connection_id):
            await self.removals.revoke_google(connection_id, secret, actor)
        return result

    async def _own_future_events(self, provider: CalendarProvider) -> dict[str, tuple[int, EventRef]]:
        """booking public id -> (booking id, event) for this database's bookings' future events there."""
        now = utcnow()
        listed = await provider.list_own_events(TimeRange(now, now + REMOVAL_HORIZON))
        known = await asyncio.to_thread(self._known_bookings, list(listed))
        return {public_id: (known[public_id], ref) for public_id, ref in listed.items() if public_id in known}

    # ----- the store (worker threads) --------------------------------------------------------------
    def _connected(self, connection_id: int) -> tuple[ConnectionInfo, str]:
        with self._db.session() as s:
            row = _row(s, connection_id)
            if row.status == ConnectionStatus.DISCONNECTED:
                raise UserInputError(f"{row.display_name} is already disconnected.")
            if row.status == ConnectionStatus.REMOVING:
                raise UserInputError(f"{row.display_name} is already disconnected; BizCal's events are being "
                                     "removed from it (Forget now, or --forget-now, stops that).")
            return connection_info(row), disconnects.calendar_label(row)

    def _known_bookings(self, public_ids: list[str]) -> dict[str, int]:
        with self._db.session() as s:
            return disconnects.bookings_by_public_id(s, public_ids)

    def _grant_shared(self, connection_id: int) -> bool:
        """Another connection in use signs in to the same account: its grant is theirs too, not revoked."""
        with self._db.session() as s:
            return disconnects.grant_in_use_elsewhere(s, _row(s, connection_id))

    def _left_count(self, connection_id: int) -> int:
        with self._db.session() as s:
            return disconnects.left_count(s, connection_id)

    def _removal_result(self, connection_id: int, state: RemovalState) -> Disconnected:
        with self._db.session() as s:
            view = connection_view(_row(s, connection_id))
            left = disconnects.left_count(s, connection_id)
        if not state.finished:
            return Disconnected(view, state.removed, 0, left, state.reason, state.total - state.removed, True)
        return Disconnected(view, state.removed, state.left, left, state.reason, 0, True)


def _row(session: Session, connection_id: int) -> CalendarConnection:
    row = session.get(CalendarConnection, int(connection_id))
    if row is None:
        raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
    return row
