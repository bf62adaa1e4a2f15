"""Disconnect, safely: the secret goes at once, and BizCal's own events stay — or go, if asked, with a count first.

Why the secret goes first even when events are to be removed: a disconnect is what a person does
when a laptop is lost or an account must no longer be reached, so the keychain entry is deleted in
the disconnect's own transaction, whatever happens next. The removal then runs with the secret held
in memory only (read just before; a renewed token is never written back), and the Google grant is
revoked last, once nothing needs it.

What is removed: the events of *this database's* bookings that BizCal wrote into that calendar (one
``list_own_events`` over the coming years — by our UID or marker, never someone else's event) that
are not over yet; past ones are history and stay. :meth:`DisconnectFlow.removal_preview` counts them
first ("12 future events will be removed"); the removal deletes them one by one, reporting progress,
marks each mapping removed as it goes, and logs one row with the count. Events that stay keep their
mappings, marked *left* (``store/disconnects.py``): connecting the same calendar again takes them over
instead of writing them twice. If the removal is interrupted (a crash, the network), the events not
yet removed simply stay, left like those of a disconnect without removal; the log says how many.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import BizCalError, TransientError, UserInputError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo, EventRef
from bizcal_desktop.services.connect_flow import LatestSecret
from bizcal_desktop.services.connection_view import ConnectionView, connection_view
from bizcal_desktop.services.reconnect import ReconnectFlow
from bizcal_desktop.store import audit, disconnects, pauses, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import connection_info, switch_off
from bizcal_desktop.store.models import BusyBlock, CalendarConnection, ConnectionStatus, Outcome, SyncAction
from bizcal_desktop.store.types import utcnow

log = logging.getLogger(__name__)

#: How far ahead "future events" reaches: further than any booking window (at most two years).
REMOVAL_HORIZON = timedelta(days=3 * 366)

#: Told (done, total) as events are removed; the tray's window shows it, the CLI prints it.
Progress = Callable[[int, int], None]


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
    not_removed: int = 0  #: asked to remove, but the calendar refused or could not be reached
    left: int = 0  #: BizCal's events that stay in the calendar (the default), by their mappings
    #: Why nothing could be removed (the calendar could not be read), when asked to remove.
    removal_error: str | None = None

    @property
    def message(self) -> str:
        name = self.connection.display_name
        if self.removal_error:
            return (f"Disconnected {name}; its secrets were deleted from the keychain, but BizCal's events "
                    f"could not be removed ({self.removal_error}); they stay in the calendar.")
        if self.removed or self.not_removed:
            text = f"Disconnected {name}; removed {self.removed} of BizCal's future events"
            if self.not_removed:
                text += f" ({self.not_removed} could not be removed and stay in the calendar)"
        else:
            text = f"Disconnected {name}; BizCal's events stay in the calendar"
        return text + "; its secrets were deleted from the keychain."


class DisconnectFlow(ReconnectFlow):
    """disconnect (secrets at once, events left), disconnect_and_revoke (optionally removing them)."""

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
        """Delete the connection's secrets at once; its events' mappings are marked left in the calendar."""
        with self._db.session() as s:
            row = _row(s, connection_id)
            before = audit.connection_snapshot(row)
            secret_name = self._providers.secret_name(row.provider)
            if secret_name is not None:
                self._secrets.delete(row.secret_key, secret_name)
            switch_off(s, row, ConnectionStatus.DISCONNECTED)
            row.sync_cursor = None
            if row.paused:  # bookings held for it are planned again (another connection, or a reason)
                row.paused = False
                pauses.release_held(s, row.staff_id)
            s.execute(delete(BusyBlock).where(BusyBlock.connection_id == row.id))  # no longer ours to read
            left = disconnects.leave_events(s, row)
            what = "BizCal's future events to be removed" if removing else f"{left} event(s) of BizCal's left in it"
            message = f"Disconnected {row.display_name} ({what}); its secrets were deleted from the keychain"
            event = audit.connection_changed(s, door, "disconnect", row, before, message)
            sync_log.record(s, actor=actor, action=SyncAction.DISCONNECT, outcome=Outcome.SUCCESS,
                            connection_id=row.id, message=message, audit_event_id=event.id)
            s.flush()
            return connection_view(row)

    async def disconnect_and_revoke(
        self, connection_id: int, actor: str = "user", door: str = Door.UNKNOWN, remove_events: bool = False,
        on_progress: Progress | None = None,
    ) -> Disconnected:
        """Disconnect (secrets deleted at once), remove BizCal's future events if asked, then revoke
        the Google grant (best effort: a failed revoke is logged with where to remove the app)."""
        info, _name = await asyncio.to_thread(self._connected, connection_id)
        secret_name = self._providers.secret_name(info.provider)
        secret = None
        if secret_name is not None and (remove_events or info.provider == "google"):
            secret = await asyncio.to_thread(self._secrets.get, info.secret_key, secret_name)
        latest = LatestSecret(secret or "")
        provider = self._providers.build_unsaved(info, secret, latest.keep) if remove_events and secret else None
        view = await asyncio.to_thread(self.disconnect, connection_id, actor, door, provider is not None)
        result = Disconnected(view, left=await asyncio.to_thread(self._left_count, connection_id),
                              removal_error="its password or token was missing" if remove_events and not provider
                              else None)
        if provider is not None:
            async with provider:
                removed, failed, error = await self._remove(provider, connection_id, on_progress)
            await asyncio.to_thread(self._log_removal, connection_id, removed, failed, error, actor)
            left = await asyncio.to_thread(self._left_count, connection_id)
            result = Disconnected(view, removed, failed, left, error)
        if info.provider == "google" and latest.secret:
            await self._revoke_google(connection_id, latest.secret, actor)
        return result

    # ----- the removal ---------------------------------------------------------------------------
    async def _own_future_events(self, provider: CalendarProvider) -> dict[str, tuple[int, EventRef]]:
        """booking public id -> (booking id, event) for this database's bookings' future events there."""
        now = utcnow()
        listed = await provider.list_own_events(TimeRange(now, now + REMOVAL_HORIZON))
        known = await asyncio.to_thread(self._known_bookings, list(listed))
        return {public_id: (known[public_id], ref) for public_id, ref in listed.items() if public_id in known}

    async def _remove(
        self, provider: CalendarProvider, connection_id: int, on_progress: Progress | None
    ) -> tuple[int, int, str | None]:
        """(removed, not removed, why none could be): each event deleted, its mapping marked at once."""
        try:
            ours = await self._own_future_events(provider)
        except BizCalError as exc:
            return 0, 0, str(exc)
        removed = failed = 0
        if on_progress is not None:
            on_progress(0, len(ours))
        for public_id, (booking_id, ref) in ours.items():
            try:
                await provider.delete_event(public_id, ref)
            except TransientError as exc:  # this one stays; the others are still tried
                log.info("could not remove the event of booking %s: %s", booking_id, exc)
                failed += 1
            except BizCalError as exc:  # the calendar refuses altogether: the rest stay too
                log.warning("removing BizCal's events from connection %s stopped: %s", connection_id, exc)
                failed += len(ours) - removed - failed
                break
            else:
                removed += 1
                await asyncio.to_thread(self._mark_removed, connection_id, booking_id)
            if on_progress is not None:
                on_progress(removed + failed, len(ours))
        return removed, failed, None

    # ----- the store (worker threads) --------------------------------------------------------------
    def _connected(self, connection_id: int) -> tuple[ConnectionInfo, str]:
        with self._db.session() as s:
            row = _row(s, connection_id)
            if row.status == ConnectionStatus.DISCONNECTED:
                raise UserInputError(f"{row.display_name} is already disconnected.")
            return connection_info(row), row.calendar_name or row.display_name

    def _known_bookings(self, public_ids: list[str]) -> dict[str, int]:
        with self._db.session() as s:
            return disconnects.bookings_by_public_id(s, public_ids)

    def _mark_removed(self, connection_id: int, booking_id: int) -> None:
        with self._db.session() as s:
            disconnects.mark_removed(s, connection_id, booking_id)

    def _left_count(self, connection_id: int) -> int:
        with self._db.session() as s:
            return disconnects.left_count(s, connection_id)

    def _log_removal(self, connection_id: int, removed: int, failed: int, error: str | None, actor: str) -> None:
        with self._db.session() as s:
            row = _row(s, connection_id)
            if error:
                message = f"Could not remove BizCal's events from {row.display_name} ({error}); they stay"
            else:
                message = f"Removed {removed} of BizCal's future events from {row.display_name}"
            if failed:
                message += f"; {failed} could not be removed and stay in the calendar"
            sync_log.record(s, actor=actor, action=SyncAction.DELETE,
                            outcome=Outcome.FAILURE if failed or error else Outcome.SUCCESS, connection_id=row.id,
                            message=message, audit_event_id=disconnects.last_disconnect(s, row.id))

    async def _revoke_google(self, connection_id: int, token: str, actor: str) -> None:
        from bizcal_desktop.providers.google import revoke

        try:
            await revoke(token, self._config.google)
        except BizCalError as exc:
            log.warning("revoking the Google grant of connection %s failed: %s", connection_id, exc)
            await asyncio.to_thread(
                self._log_failed_connect,
                f"Google did not confirm revoking access ({exc}); remove BizCal under "
                "myaccount.google.com → Security → Third-party access", actor,
            )


def _row(session: Session, connection_id: int) -> CalendarConnection:
    row = session.get(CalendarConnection, int(connection_id))
    if row is None:
        raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
    return row
