"""Removing BizCal's events from a disconnected calendar, durably: it survives a crash and resumes.

Why rows and not a task: a disconnect "with removal" records, in its own transaction, every event
to remove — the mappings of that calendar's bookings not over yet are marked *removing*
(``store/disconnects.py``) and the connection's status becomes *removing*. Nothing else is written to
or read from that calendar from then on (it is not usable, it leaves the user's list of connections).
:meth:`EventRemoval.run` then deletes the events one by one, each mapping marked *removed* in its
own short transaction right after its delete; a crash between the two only means that event is
deleted again, which a calendar answers with "already gone" — done. So a removal killed after k
events, once started again (the tray's timer, ``bizcal sync``, or the disconnect's own run),
deletes exactly the rest. Only events with our mapping are addressed — by their UID, never a
foreign event — and only of bookings that were not over when the disconnect was made.

Why the secret is kept while it runs (issue 18 said "secrets are deleted at once either way"): a
deletion after a crash or a network outage needs the credentials, and a removal that silently gives
up on the first interruption would leave the events the user asked us to delete. So: without
removal the secret goes at once, as before. With removal it is kept only as long as the removal
needs it, usable for nothing else meanwhile, and deleted — and Google's grant revoked, unless another
connection in use signs in to that account — when the removal ends, which is the first of:

* the last event is deleted;
* the calendar refuses our credentials or the deletion (``AuthError``, ``NotFoundError``,
  ``PermanentError``): what could not be removed is left in the calendar, and the log says how many;
* the user stops it ("Forget now" in Calendar Integrations, ``bizcal connections disconnect ID
  --forget-now``): someone who disconnects because a laptop is lost must be able to end it at once;
* :data:`REMOVAL_TIME_LIMIT` (7 days) after the disconnect: a calendar unreachable for a week is
  not worth keeping a password for; the rest is left, counted in the log.

A failure that may pass (the network, a server's 5xx) only pauses it: the events not yet removed
wait for the next run, and the secret stays until one of the ends above.

Connecting the same calendar again while a removal goes on stops it there: the events not removed
yet are taken over by the new connection (``store/disconnects.reattach_left_events``); each delete
reads the next event afresh, so nothing the new connection took over is deleted.

Only the device whose keychain holds the secret runs a removal (``store/ownership.is_here``); two
processes that both run one (the tray and a CLI) only delete some events twice, and ending it is a
conditional update only one of them wins (:func:`~bizcal_desktop.store.disconnects.end_removal`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError, ConflictError, TransientError, UserInputError
from bizcal_desktop.providers.base import ConnectionInfo, EventRef
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.store import audit, disconnects, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import connection_info
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import CalendarConnection, ConnectionStatus, Outcome, SyncAction
from bizcal_desktop.store.ownership import is_here
from bizcal_desktop.store.types import utcnow

log = logging.getLogger(__name__)

#: How long after the disconnect a removal that cannot finish keeps the secret (see the docstring).
REMOVAL_TIME_LIMIT = timedelta(days=7)

#: Told (done, total) as events are removed; the window shows it, the CLI prints it.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RemovalState:
    """Where one calendar's removal stands."""

    connection_id: int
    name: str
    removed: int
    total: int
    finished: bool = False  #: ended: the secret is deleted, the connection disconnected
    left: int = 0  #: when finished: events that stay in the calendar (not removed)
    #: Why it ended before the last event (refused, stopped, time limit), or why it waits (not finished).
    reason: str | None = None

    @property
    def message(self) -> str:
        done = f"removed {self.removed} of BizCal's {self.total} future event(s) from {self.name}"
        if not self.finished:
            why = f" ({self.reason})" if self.reason else ""
            return (f"So far {done}{why}; the rest are removed in the background (the tray, or the next "
                    "`bizcal sync`), and its secret is kept until then.")
        text = done[0].upper() + done[1:]
        if self.left:
            text += f"; {self.left} stay in the calendar ({self.reason})" if self.reason else \
                f"; {self.left} stay in the calendar"
        return text + "; its secret was deleted from the keychain."


class EventRemoval:
    """Runs, resumes and ends the removals that disconnects recorded (see the module docstring)."""

    def __init__(self, db: Database, secrets: SecretStore, providers: ProviderSource, config: Config) -> None:
        self._db, self._secrets, self._providers, self._config = db, secrets, providers, config
        self._running: set[int] = set()  #: connections this process is removing from now
        #: What time it is (the time limit is measured with it; tests move it on).
        self.clock: Callable[[], datetime] = utcnow

    # ----- public ----------------------------------------------------------------------------
    async def run(self, connection_id: int, on_progress: Progress | None = None,
                  actor: str = "engine") -> RemovalState:
        """Delete the events still to remove from that calendar; end the removal when none are left."""
        if connection_id in self._running:  # another task of this process is at it
            return await asyncio.to_thread(self.state_of, connection_id)
        self._running.add(connection_id)
        try:
            return await self._run(connection_id, on_progress, actor)
        finally:
            self._running.discard(connection_id)

    async def resume_all(self, actor: str = "engine") -> list[RemovalState]:
        """Run every removal of this device's that is not finished (after a crash, a restart, an outage)."""
        ids = await asyncio.to_thread(self._removing_here)
        return [await self.run(connection_id, actor=actor) for connection_id in ids]

    async def forget(self, connection_id: int, actor: str = "user", door: str = Door.UNKNOWN) -> RemovalState:
        """The user stops the removal: the secret is deleted now, the events not removed stay."""
        state = await asyncio.to_thread(self.state_of, connection_id)
        if state.finished:
            raise UserInputError(f"{state.name} is not removing events; there is nothing to stop.")
        ended = await self._end(connection_id, actor, "the removal was stopped", door)
        return ended or await asyncio.to_thread(self.state_of, connection_id)

    def in_progress(self) -> list[RemovalState]:
        """The removals not finished on this device (Calendar Integrations shows them)."""
        return [self.state_of(connection_id) for connection_id in self._removing_here()]

    def state_of(self, connection_id: int) -> RemovalState:
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            if row is None:
                raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
            removed, remaining = disconnects.removal_counts(s, connection_id)
            finished = row.status != ConnectionStatus.REMOVING
            return RemovalState(connection_id, disconnects.calendar_label(row), removed, removed + remaining, finished,
                                disconnects.left_count(s, connection_id) if finished else 0)

    # ----- one run ---------------------------------------------------------------------------
    async def _run(self, connection_id: int, on_progress: Progress | None, actor: str) -> RemovalState:
        started = await asyncio.to_thread(self._start, connection_id)
        if started is None:
            return await asyncio.to_thread(self.state_of, connection_id)
        info, overdue = started
        if overdue:
            return await self._ended(connection_id, actor, f"not finished within {REMOVAL_TIME_LIMIT.days} days")
        state = await asyncio.to_thread(self.state_of, connection_id)
        removed, total = state.removed, state.total
        try:
            provider = await asyncio.to_thread(self._providers.build, info)
        except BizCalError as exc:  # the secret is missing, or the provider unknown
            return await self._ended(connection_id, actor, str(exc))
        if on_progress is not None:
            on_progress(removed, total)
        waiting: str | None = None
        async with provider:
            while (event := await asyncio.to_thread(self._next_to_remove, connection_id)) is not None:
                try:
                    await provider.delete_event(event.booking_public_id, _ref(event))
                except (TransientError, ConflictError) as exc:  # may pass: the rest waits for the next run
                    waiting = str(exc)
                    break
                except BizCalError as exc:  # the calendar refuses (credentials, the calendar, the deletion)
                    log.warning("removing BizCal's events from connection %s stopped: %s", connection_id,
                                type(exc).__name__)
                    return await self._ended(connection_id, actor, f"the calendar refused: {exc}")
                going_on = await asyncio.to_thread(self._mark_removed, event.mapping_id)
                removed += 1
                if on_progress is not None:
                    on_progress(removed, total)
                if not going_on:
                    break
        if not await asyncio.to_thread(self._still_removing, connection_id):
            # Ended meanwhile (Forget now, another process): the secret goes again, in case this
            # run's provider wrote a renewed token back after that deletion.
            await asyncio.to_thread(self._delete_secret, connection_id)
            return await asyncio.to_thread(self.state_of, connection_id)
        if waiting is not None:
            log.info("removing BizCal's events from connection %s waits: %d of %d removed", connection_id,
                     removed, total)
            return RemovalState(connection_id, state.name, removed, total, reason=waiting)
        return await self._ended(connection_id, actor, None)

    async def _ended(self, connection_id: int, actor: str, reason: str | None) -> RemovalState:
        ended = await self._end(connection_id, actor, reason)
        return ended or await asyncio.to_thread(self.state_of, connection_id)

    async def _end(self, connection_id: int, actor: str, reason: str | None,
                   door: str | None = None) -> RemovalState | None:
        """Revoke Google's grant, delete the secret, mark the removal ended (left events counted, logged).

        The grant is revoked while the token is still in hand: were the secret deleted first, a crash
        before the revocation would leave a live grant with nothing left to revoke it with. The secret
        goes before the row changes: a crash in between leaves a removal whose secret is missing, which
        the next run ends (nothing is left holding a secret). None when another process ended it first.
        """
        secret_key, provider, secret_name = await asyncio.to_thread(self._secret_of, connection_id)
        if secret_name is not None:
            if provider == "google":
                token = await asyncio.to_thread(self._secrets.get, secret_key, secret_name)
                if token and not await asyncio.to_thread(self._grant_shared, connection_id):
                    await self.revoke_google(connection_id, token, actor)
            await asyncio.to_thread(self._secrets.delete, secret_key, secret_name)
        return await asyncio.to_thread(self._record_end, connection_id, actor, reason, door)

    # ----- the store (worker threads) --------------------------------------------------------------
    def _removing_here(self) -> list[int]:
        with self._db.session() as s:
            return [row.id for row in disconnects.removing_connections(s) if is_here(row, self._config.device.id)]

    def _start(self, connection_id: int) -> tuple[ConnectionInfo, bool] | None:
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            if row is None or row.status != ConnectionStatus.REMOVING:
                return None
            since = disconnects.disconnected_at(s, connection_id)
            return connection_info(row), since is not None and self.clock() - since > REMOVAL_TIME_LIMIT

    def _next_to_remove(self, connection_id: int) -> disconnects.EventToRemove | None:
        with self._db.session() as s:
            return disconnects.next_to_remove(s, connection_id)

    def _still_removing(self, connection_id: int) -> bool:
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            return row is not None and row.status == ConnectionStatus.REMOVING

    def _delete_secret(self, connection_id: int) -> None:
        secret_key, _provider, secret_name = self._secret_of(connection_id)
        if secret_name is not None:
            self._secrets.delete(secret_key, secret_name)

    def _secret_of(self, connection_id: int) -> tuple[str, str, str | None]:
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            assert row is not None
            return row.secret_key, row.provider, self._providers.secret_name(row.provider)

    def _mark_removed(self, mapping_id: int) -> bool:
        with self._db.session() as s:
            return disconnects.mark_removed(s, mapping_id)

    def _grant_shared(self, connection_id: int) -> bool:
        """Whether another connection in use signs in to the same Google account (one grant per account)."""
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            return row is not None and disconnects.grant_in_use_elsewhere(s, row)

    def _record_end(self, connection_id: int, actor: str, reason: str | None,
                    door: str | None) -> RemovalState | None:
        """The ended removal's state; None when another process ended it first."""
        with self._db.session() as s:
            row = s.get(CalendarConnection, connection_id)
            assert row is not None
            before = audit.connection_snapshot(row)
            left = disconnects.end_removal(s, connection_id)
            if left is None:
                return None
            s.refresh(row)
            removed, _ = disconnects.removal_counts(s, connection_id)
            state = RemovalState(connection_id, disconnects.calendar_label(row), removed, removed + left, True, left, reason)
            cause = disconnects.last_disconnect(s, connection_id)
            if door is not None:  # the user stopped it: a person's change, audited
                cause = audit.connection_changed(s, door, "stop_removal", row, before, state.message).id
            sync_log.record(s, actor=actor, action=SyncAction.DELETE,
                            outcome=Outcome.FAILURE if left else Outcome.SUCCESS, connection_id=connection_id,
                            message=state.message, audit_event_id=cause)
            return state

    async def revoke_google(self, connection_id: int, token: str, actor: str) -> None:
        """End the grant at Google (best effort: a failure is logged with where to remove the app)."""
        from bizcal_desktop.providers.google import revoke

        try:
            await revoke(token, self._config.google)
        except BizCalError as exc:
            log.warning("revoking the Google grant of connection %s failed: %s", connection_id, exc)
            message = (f"Google did not confirm revoking access ({exc}); remove BizCal under "
                       "myaccount.google.com → Security → Third-party access")
            await asyncio.to_thread(self._log_failed_revoke, connection_id, message, actor)

    def _log_failed_revoke(self, connection_id: int, message: str, actor: str) -> None:
        with self._db.session() as s:
            sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.FAILURE,
                            connection_id=connection_id, message=message)


def _ref(event: disconnects.EventToRemove) -> EventRef | None:
    return EventRef(*event.known) if event.known else None
