"""Reconnect in place: a connection that needs the user gets a new secret and keeps everything else.

Why in place, and not "connect again, disconnect the old one": the connection row is what its event
mappings, its busy blocks and the sync log point at. A new row would write every booking again (the
duplicates users of other tools complain about) and leave the old row's events of bookings cancelled
meanwhile in the calendar for good. So a reconnect replaces only the secret in the keychain, puts
the row back in use (active, and the staff member's default again if it was when it was switched
off) and queues exactly the bookings the break left behind; the engine then does the rest by its
normal path — failed writes are written, events of bookings cancelled meanwhile are deleted, and an
event left here after its booking moved to another calendar is removed (``sync/planning``).

The same two steps as connecting (:mod:`.connect_flow`): *begin* logs in (CalDAV: the saved server and
user with a new app password; Google and Microsoft: the browser sign-in) and lists the calendars,
saving nothing; *finish* tests writing into the calendar and saves. An OAuth sign-in must be the
connection's own account: signing in as someone else is refused with a sentence (and the stray
Google grant handed back), because their calendar is not the one the mappings point into. A
connection whose calendar is gone needs a calendar chosen; if the choice is another calendar, the
events of the gone one are forgotten and written anew there.

*Use on this computer* (a team's shared database): a connection belongs to the device whose keychain
holds its secret, and only that device writes to it (``store/ownership``). Reconnecting it on another
device moves it there — deliberately, so only with ``take_over`` (the UI asks first: "This calendar
is used by Sarah's laptop. Use it on this computer instead?"); a working connection of another device
may be reconnected for that alone. The new secret goes to this device's keychain, the connection
names this device, and the changes that waited for the other one are planned again here.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.base import CalendarInfo
from bizcal_desktop.services.connect_flow import ConnectFlow, LatestSecret, never_renewed
from bizcal_desktop.services.connection_view import ConnectionView, connection_view
from bizcal_desktop.services.pending_connection import ConnectionTestFailed, PendingConnection, pick_calendar
from bizcal_desktop.store import audit, ownership, reconnects, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import switch_on
from bizcal_desktop.store.models import CalendarConnection, ConnectionStatus, Outcome, SyncAction
from bizcal_desktop.store.types import utcnow

#: The statuses Reconnect… is offered for: only the user can make these connections work again.
RECONNECTABLE = (ConnectionStatus.NEEDS_RECONNECT, ConnectionStatus.DEACTIVATED, ConnectionStatus.CALENDAR_MISSING)


@dataclass(frozen=True)
class PendingReconnect:
    """A fresh login to a connection's own account (nothing saved yet) and its calendars."""

    connection: ConnectionView
    login: PendingConnection
    #: The connection is another device's and moves to this one when saved (the user agreed).
    take_over: bool = False

    @property
    def current_calendar(self) -> CalendarInfo | None:
        """The connection's calendar, if the account still has it."""
        wanted = self.connection.calendar_id
        return next((c for c in self.login.calendars if wanted in (c.calendar_id, c.href)), None)

    @property
    def needs_calendar(self) -> bool:
        """The user must choose a calendar: the connection's own is gone."""
        return self.connection.status == ConnectionStatus.CALENDAR_MISSING or self.current_calendar is None


@dataclass(frozen=True)
class Reconnected:
    """What a reconnect saved: the connection, and how many bookings it queued to sync."""

    connection: ConnectionView
    queued: int
    calendar_changed: bool


class ReconnectFlow(ConnectFlow):
    """begin_reconnect (log in again, list calendars), finish_reconnect (test, save in place)."""

    async def begin_reconnect(
        self, connection_id: int, password: str | None = None,
        on_url: Callable[[str], None] | None = None, timeout: float = 300.0, actor: str = "user",
        take_over: bool = False,
    ) -> PendingReconnect:
        """CalDAV: log in with ``password`` (None: the saved one); OAuth: sign in again in the browser.

        Another device's connection is refused (:class:`UsedElsewhere`) unless ``take_over``.
        """
        view, secret_key = await asyncio.to_thread(self._reconnectable, connection_id, take_over)
        moving = not view.used_here(self._config.device.id)
        if view.provider == "caldav":
            if not password and not moving:  # calendar missing: the saved password may still be good
                password = await asyncio.to_thread(self._secrets.get, secret_key, "password")
            pending = await self._begin_caldav_again(view, password, actor)
            return dataclasses.replace(pending, take_over=moving)
        if password is not None:
            raise UserInputError(f"{view.display_name} signs in through the browser; it takes no password.")
        begin = {"google": self.begin_google, "microsoft": self.begin_microsoft}.get(view.provider)
        if begin is None:
            raise UserInputError(f"Provider {view.provider!r} cannot be reconnected by this version.")
        login = await begin(view.staff_id, on_url=on_url, timeout=timeout)
        pending = PendingReconnect(view, login, take_over=moving)
        refusal = _other_account(pending)
        if refusal:
            await self.abandon(login)
            raise UserInputError(refusal)
        return pending

    async def finish_reconnect(
        self, pending: PendingReconnect, calendar_id: str | None = None, actor: str = "user",
        door: str = Door.UNKNOWN,
    ) -> Reconnected:
        """Test writing into the calendar (the connection's own unless ``calendar_id``), then save in place."""
        login = pending.login
        chosen = login.calendar(calendar_id) if calendar_id else pending.current_calendar
        if chosen is None:
            names = ", ".join(repr(c.name) for c in login.calendars)
            raise UserInputError(f"The calendar of {pending.connection.display_name} is gone; choose one of {names}.")
        latest = LatestSecret(login.secret)
        keep = never_renewed if login.provider == "caldav" else latest.keep
        async with self._providers.build_unsaved(login.info(chosen), login.secret, keep) as provider:
            check = await self._tested(provider, login)
        if not check.ok:
            await self._log_test_failed(login, check.message, actor)
            raise ConnectionTestFailed(check.message)
        login = dataclasses.replace(login, secret=latest.secret)
        return await asyncio.to_thread(self._save_reconnect, pending, login, chosen, actor, door)

    # ----- one-shot wrappers (the CLI) ---------------------------------------------------------------
    async def reconnect(
        self, connection_id: int, password: str | None = None, calendar: str | None = None,
        on_url: Callable[[str], None] | None = None, timeout: float = 300.0, actor: str = "user",
        take_over: bool = False, door: str = Door.UNKNOWN,
    ) -> Reconnected:
        """Begin and finish in one go; ``calendar`` names one (needed when the connection's is gone)."""
        pending = await self.begin_reconnect(connection_id, password, on_url=on_url, timeout=timeout,
                                             actor=actor, take_over=take_over)
        chosen = pick_calendar(list(pending.login.calendars), calendar).calendar_id if calendar else None
        return await self.finish_reconnect(pending, chosen, actor=actor, door=door)

    # ----- the store (worker threads) ------------------------------------------------------------------
    def _reconnectable(self, connection_id: int, take_over: bool) -> tuple[ConnectionView, str]:
        """The connection (if it needs the user, or moves here) and its keychain key."""
        with self._db.session() as s:
            row = self._needing_user(s, connection_id, take_over)
            return connection_view(row), row.secret_key

    def _needing_user(self, s: Session, connection_id: int, take_over: bool) -> CalendarConnection:
        row = s.get(CalendarConnection, int(connection_id))
        if row is None:
            raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
        elsewhere = row.owner_device not in (None, self._config.device.id)
        if elsewhere and not take_over and row.status != ConnectionStatus.DISCONNECTED:
            raise UsedElsewhere(row.id, ownership.holder_of(row).name)
        if row.status not in RECONNECTABLE and not (elsewhere and row.status == ConnectionStatus.ACTIVE):
            raise UserInputError(_not_needed(row))
        return row

    def _save_reconnect(
        self, pending: PendingReconnect, login: PendingConnection, chosen: CalendarInfo, actor: str, door: str
    ) -> Reconnected:
        """The row back in use with the chosen calendar, the break's bookings queued, the new secret saved
        (audited through ``door``)."""
        device = self._config.device
        with self._db.session() as s:
            row = self._needing_user(s, pending.connection.id, pending.take_over)
            snapshot = audit.connection_snapshot(row)
            changed = reconnects.choose_calendar(s, row, chosen.calendar_id, login.calendar_href(chosen), chosen.name)
            row.username = login.account or row.username
            switch_on(s, row)
            before = ownership.take(s, row, device.id, device.name)
            queued = reconnects.queue_left_behind(s, row, utcnow())
            anew = "; its events are written anew into this calendar" if changed else ""
            moved = f", moved from {before.name} to {device.name}" if before is not None else ""
            message = (f"Reconnected {row.display_name} ({chosen.name}) in place{moved}: {len(queued)} "
                       f"booking(s) queued to sync{anew}")
            event = audit.connection_changed(s, door, "reconnect", row, snapshot, message)
            sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                            message=message, audit_event_id=event.id)
            # Inside the transaction: if the keychain refuses, the row stays as it was.
            self._secrets.set(row.secret_key, self._providers.secret_name(row.provider) or "", login.secret)
            s.flush()
            return Reconnected(connection_view(row), len(queued), changed)

    async def _begin_caldav_again(self, view: ConnectionView, password: str | None, actor: str) -> PendingReconnect:
        """Log in to the saved server as the saved user, list the calendars, and prove a write."""
        secret = password
        if not secret:
            raise UserInputError("Give the new app-specific password of this calendar account.")
        staff = await asyncio.to_thread(self._directory.find_staff, view.staff_id)
        login = PendingConnection(
            staff_id=view.staff_id, timezone=staff.timezone, provider="caldav", account=view.username,
            calendars=(), secret=secret, display_name=view.display_name, provider_type=view.provider_type,
            server_url=view.server_url,
        )
        async with self._providers.build_unsaved(login.info(), secret, never_renewed) as provider:
            check = await self._tested(provider, login)
        if not check.ok:
            await self._log_test_failed(login, check.message, actor)
            raise ConnectionTestFailed(check.message)
        return PendingReconnect(view, dataclasses.replace(login, calendars=tuple(check.calendars)))


class UsedElsewhere(UserInputError):
    """The connection is another device's: reconnecting it here moves it, which the user must choose."""

    def __init__(self, connection_id: int, device_name: str) -> None:
        super().__init__(
            f"This calendar is used by {device_name}. Use it on this computer instead? Reconnect it with "
            f"--take-over (bizcal connections reconnect {connection_id} --take-over), or Calendar Integrations → "
            f"Use on this computer…; it then stops being written from {device_name}."
        )
        self.device_name = device_name


def _not_needed(row: CalendarConnection) -> str:
    if row.status == ConnectionStatus.REMOVING:
        return (f"{row.display_name} was disconnected and BizCal's events are being removed from it; once that "
                "ends (or Forget now), connect the calendar again.")
    if row.status == ConnectionStatus.DISCONNECTED:
        return (f"{row.display_name} was disconnected and its secrets deleted; connect the calendar again "
                "(bizcal connect, or Calendar Integrations).")
    return f"{row.display_name} works; there is nothing to reconnect."


def _other_account(pending: PendingReconnect) -> str | None:
    """Why the signed-in account is not the connection's own, or None when it is (or cannot differ)."""
    saved, signed_in = pending.connection.username, pending.login.account
    if not saved:
        return None  # nothing to compare with: the account signed in now is saved with the connection
    if signed_in:
        if signed_in.casefold() == saved.casefold():
            return None
        return (f"You signed in as {signed_in}, but {pending.connection.display_name} belongs to {saved}. "
                f"Sign in as {saved} to reconnect it, or connect {signed_in} as a new calendar.")
    if pending.current_calendar is not None:
        return None  # the account was not named, but it holds this connection's calendar
    return (f"Could not tell which account you signed in with; sign in as {saved} to reconnect "
            f"{pending.connection.display_name}.")
