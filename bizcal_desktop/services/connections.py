"""Calendar connections: test, save, list, choose the default, disconnect.

Secrets go to the keychain in the same step that saves the row; if the keychain refuses, the row is
rolled back, so there is never a connection without its secret (nor a secret without its row).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError, UserInputError
from bizcal_desktop.providers.base import CalendarInfo, CalendarProvider, ConnectionCheck, ConnectionInfo
from bizcal_desktop.providers.registry import SECRET_NAMES
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.connections import connection_info, in_use, switch_off
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import staff_row
from bizcal_desktop.store.models import (
    BusyBlock,
    CalendarConnection,
    ConnectionStatus,
    Outcome,
    Staff,
    SyncAction,
)

log = logging.getLogger(__name__)


class ConnectionTestFailed(BizCalError):
    """*Test Connection* did not pass; nothing was saved. The message says why."""


@dataclass(frozen=True)
class ConnectionView:
    id: int
    staff_id: int
    staff_name: str
    provider: str
    provider_type: str | None
    display_name: str
    server_url: str | None
    username: str | None
    calendar_id: str | None
    calendar_name: str | None
    calendar_href: str | None
    is_default: bool
    active: bool
    status: str
    import_busy: bool
    created_at: datetime
    last_success_at: datetime | None
    last_import_at: datetime | None
    last_error: str | None


def connection_view(c: CalendarConnection) -> ConnectionView:
    return ConnectionView(
        id=c.id,
        staff_id=c.staff_id,
        staff_name=c.staff.name,
        provider=c.provider,
        provider_type=c.provider_type,
        display_name=c.display_name,
        server_url=c.server_url,
        username=c.username,
        calendar_id=c.calendar_id,
        calendar_name=c.calendar_name,
        calendar_href=c.calendar_href,
        is_default=c.is_default,
        active=c.active,
        status=c.status,
        import_busy=c.import_busy,
        created_at=c.created_at,
        last_success_at=c.last_success_at,
        last_import_at=c.last_import_at,
        last_error=c.last_error,
    )


def pick_calendar(calendars: list[CalendarInfo], wanted: str | None) -> CalendarInfo:
    """The calendar named ``wanted`` (by name, id or href), else the primary, else the first."""
    writable = [c for c in calendars if c.writable] or calendars
    if not writable:
        raise ConnectionTestFailed("The account has no calendars; create one in your calendar app first.")
    if wanted:
        for c in calendars:
            if wanted in (c.name, c.calendar_id, c.href):
                return c
        names = ", ".join(repr(c.name) for c in calendars)
        raise UserInputError(f"No calendar named {wanted!r}; this account has {names}.")
    for c in writable:
        if c.primary:
            return c
    return writable[0]


@dataclass(frozen=True)
class PendingConnection:
    """A signed-in OAuth account whose calendar the user has not chosen yet (nothing saved).

    ``secret`` is the token (Google) or MSAL cache (Microsoft): it is kept out of ``repr`` so the
    object can never leak it into a log or an error message.
    """

    staff_id: int
    timezone: str
    provider: str
    account: str | None
    calendars: tuple[CalendarInfo, ...]
    secret: str = field(repr=False)

    @property
    def default_calendar(self) -> CalendarInfo:
        """The calendar bookings go to unless the user chooses another: primary, else first writable."""
        return pick_calendar(list(self.calendars), None)

    def calendar(self, calendar_id: str) -> CalendarInfo:
        for c in self.calendars:
            if c.calendar_id == calendar_id:
                return c
        names = ", ".join(repr(c.name) for c in self.calendars)
        raise UserInputError(f"The signed-in account has no calendar {calendar_id!r}; choose one of {names}.")


@dataclass(frozen=True)
class _OAuthKind:
    """What differs between the OAuth providers once the calendar is chosen."""

    label: str
    display_prefix: str
    fallback_account: str
    secret_name: str


_OAUTH_KINDS = {
    "google": _OAuthKind("Google", "Google", "Google account", "oauth_token"),
    "microsoft": _OAuthKind("Microsoft", "Microsoft 365", "Microsoft account", "msal_cache"),
}


class ConnectionService:
    """Use cases around a staff member's calendar connections."""

    def __init__(
        self, db: Database, secrets: SecretStore, directory: DirectoryService, config: Config
    ) -> None:
        self._db = db
        self._secrets = secrets
        self._directory = directory
        self._config = config

    # ----- CalDAV -------------------------------------------------------------------------------
    async def test_caldav(
        self, server_url: str, username: str, password: str, calendar_href: str | None, timezone: str
    ) -> ConnectionCheck:
        """Run *Test Connection* against a CalDAV server; never raises for server trouble."""
        from bizcal_desktop.providers.caldav import CalDAVProvider

        async with CalDAVProvider(server_url, username, password, calendar_href, timezone) as provider:
            return await provider.test_connection()

    async def connect_caldav(
        self,
        staff: str | int,
        provider_type: str,
        url: str | None,
        username: str,
        password: str,
        calendar: str | None = None,
        actor: str = "user",
    ) -> ConnectionView:
        """Test, pick the calendar, test writing into it, then save row + secret together."""
        from bizcal_desktop.providers.caldav.presets import resolve_server_url

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        if not username:
            raise UserInputError("A CalDAV connection needs a username.")
        if not password:
            raise UserInputError("A CalDAV connection needs a password (an app-specific password).")
        server_url = resolve_server_url(provider_type, url or "")
        check = await self.test_caldav(server_url, username, password, None, staff_view.timezone)
        if not check.ok:
            await asyncio.to_thread(
                self._log_failed_connect, staff_view.id, f"CalDAV test failed: {check.message}", actor
            )
            raise ConnectionTestFailed(check.message)
        chosen = pick_calendar(check.calendars, calendar)
        href = chosen.href or chosen.calendar_id
        check = await self.test_caldav(server_url, username, password, href, staff_view.timezone)
        if not check.ok:
            raise ConnectionTestFailed(check.message)
        return await asyncio.to_thread(
            self.save_connection,
            staff=staff_view.id,
            provider="caldav",
            provider_type=provider_type,
            display_name=f"{provider_type.capitalize()} – {username}",
            server_url=server_url,
            username=username,
            calendar_id=chosen.calendar_id,
            calendar_href=href,
            calendar_name=chosen.name,
            secrets={"password": password},
            actor=actor,
        )

    # ----- OAuth providers (Google, Microsoft): sign in first, choose the calendar second ----------
    async def begin_google(
        self, staff: str | int, on_url: Callable[[str], None] | None = None, timeout: float = 300.0
    ) -> PendingConnection:
        """Browser consent on a loopback redirect, then list the account's calendars.

        Nothing is saved yet: the user chooses the calendar from ``calendars`` and
        :meth:`finish_connection` tests and saves it.
        """
        from bizcal_desktop.providers.google import GoogleProvider, authorize_google

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        grant = await authorize_google(self._config.google, timeout=timeout, on_url=on_url)
        latest = {"token": grant.token_json}

        def keep(new_json: str) -> None:
            latest["token"] = new_json

        async with GoogleProvider(
            grant.token_json, "primary", self._config.google, staff_view.timezone, on_token_refreshed=keep,
            timeout=self._config.request_timeout,
        ) as probe:
            calendars = await probe.list_calendars()
        return PendingConnection(
            staff_id=staff_view.id, timezone=staff_view.timezone, provider="google",
            account=grant.account_email, calendars=tuple(calendars), secret=latest["token"],
        )

    async def begin_microsoft(
        self, staff: str | int, on_url: Callable[[str], None] | None = None, timeout: float = 300.0
    ) -> PendingConnection:
        """Microsoft sign-in in the browser (MSAL, loopback redirect), then list the calendars.

        The secret carried on is MSAL's serialized token cache, with any renewal the listing made.
        """
        from bizcal_desktop.providers.microsoft import MicrosoftProvider, authorize_microsoft

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        grant = await authorize_microsoft(self._config.microsoft, timeout=timeout, on_url=on_url)
        latest = {"cache": grant.cache_json}

        def keep(new_cache: str) -> None:
            latest["cache"] = new_cache

        async with MicrosoftProvider(
            grant.cache_json, None, self._config.microsoft, staff_view.timezone, on_cache_changed=keep,
            timeout=self._config.request_timeout,
        ) as probe:
            calendars = await probe.list_calendars()
        return PendingConnection(
            staff_id=staff_view.id, timezone=staff_view.timezone, provider="microsoft",
            account=grant.username, calendars=tuple(calendars), secret=latest["cache"],
        )

    async def finish_connection(
        self,
        pending: PendingConnection,
        calendar_id: str,
        busy_calendar_ids: list[str] | None = None,
        actor: str = "user",
    ) -> ConnectionView:
        """Test writing into the chosen calendar of a signed-in account, then save row + secret.

        ``busy_calendar_ids`` are further calendars of the account whose events count as busy; the
        calendar bookings are written into always counts, so it is stored first.
        """
        kind = _OAUTH_KINDS[pending.provider]
        chosen = pending.calendar(calendar_id)
        busy_ids = [chosen.calendar_id]
        for extra in busy_calendar_ids or []:
            extra_id = pending.calendar(extra).calendar_id
            if extra_id not in busy_ids:
                busy_ids.append(extra_id)
        latest = {"secret": pending.secret}

        def keep(new_secret: str) -> None:
            latest["secret"] = new_secret

        async with self._oauth_provider(pending, chosen.calendar_id, keep) as provider:
            check = await provider.test_connection()
        if not check.ok:
            await asyncio.to_thread(
                self._log_failed_connect, pending.staff_id, f"{kind.label} test failed: {check.message}", actor
            )
            raise ConnectionTestFailed(check.message)
        account = pending.account or kind.fallback_account
        return await asyncio.to_thread(
            self.save_connection,
            staff=pending.staff_id,
            provider=pending.provider,
            display_name=f"{kind.display_prefix} – {account}",
            username=pending.account,
            calendar_id=chosen.calendar_id,
            calendar_name=chosen.name,
            busy_calendar_ids=busy_ids if len(busy_ids) > 1 else None,
            secrets={kind.secret_name: latest["secret"]},
            actor=actor,
        )

    def _oauth_provider(
        self, pending: PendingConnection, calendar_id: str, keep: Callable[[str], None]
    ) -> CalendarProvider:
        """The provider for a not yet saved connection; renewed secrets go to ``keep``."""
        if pending.provider == "google":
            from bizcal_desktop.providers.google import GoogleProvider

            return GoogleProvider(
                pending.secret, calendar_id, self._config.google, pending.timezone, on_token_refreshed=keep,
                timeout=self._config.request_timeout,
            )
        from bizcal_desktop.providers.microsoft import MicrosoftProvider

        return MicrosoftProvider(
            pending.secret, calendar_id, self._config.microsoft, pending.timezone, on_cache_changed=keep,
            timeout=self._config.request_timeout,
        )

    async def connect_google(
        self,
        staff: str | int,
        calendar: str | None = None,
        busy_calendars: list[str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
    ) -> ConnectionView:
        """Sign in, pick the calendars by name (the CLI's flags), test and save in one go.

        ``busy_calendars`` names further calendars of the account whose events count as busy (the
        calendar bookings are written into always counts).
        """
        pending = await self.begin_google(staff, on_url=on_url, timeout=timeout)
        return await self._finish_by_names(pending, calendar, busy_calendars, actor)

    async def connect_microsoft(
        self,
        staff: str | int,
        calendar: str | None = None,
        busy_calendars: list[str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
    ) -> ConnectionView:
        """Sign in, pick the calendars by name (default: the account's default one), test and save."""
        pending = await self.begin_microsoft(staff, on_url=on_url, timeout=timeout)
        return await self._finish_by_names(pending, calendar, busy_calendars, actor)

    async def _finish_by_names(
        self, pending: PendingConnection, calendar: str | None, busy_calendars: list[str] | None, actor: str
    ) -> ConnectionView:
        calendars = list(pending.calendars)
        chosen = pick_calendar(calendars, calendar)
        busy_ids = [pick_calendar(calendars, wanted).calendar_id for wanted in busy_calendars or []]
        return await self.finish_connection(pending, chosen.calendar_id, busy_ids, actor=actor)

    async def abandon(self, pending: PendingConnection) -> None:
        """The user signed in but did not save: give the grant back where the provider allows it.

        Google's grant is revoked; Microsoft has no revocation endpoint for desktop apps, and nothing
        was stored locally in either case.
        """
        if pending.provider != "google":
            return
        from bizcal_desktop.providers.google import revoke

        try:
            await revoke(pending.secret, self._config.google)
        except BizCalError as exc:
            log.warning("revoking an unsaved Google sign-in failed: %s", exc)

    # ----- shared by every provider -------------------------------------------------------------
    def save_connection(
        self,
        *,
        staff: str | int,
        provider: str,
        display_name: str,
        secrets: dict[str, str],
        provider_type: str | None = None,
        server_url: str | None = None,
        username: str | None = None,
        calendar_id: str | None = None,
        calendar_href: str | None = None,
        calendar_name: str | None = None,
        busy_calendar_ids: list[str] | None = None,
        actor: str = "user",
    ) -> ConnectionView:
        """Save a tested connection and its secrets; the first one of a staff member is the default."""
        with self._db.session() as s:
            staff_member = staff_row(s, staff)
            has_default = s.scalar(
                select(CalendarConnection.id).where(
                    CalendarConnection.staff_id == staff_member.id,
                    CalendarConnection.is_default.is_(True),
                    in_use(),
                )
            )
            row = CalendarConnection(
                staff_id=staff_member.id,
                provider=provider,
                provider_type=provider_type,
                display_name=display_name,
                server_url=server_url,
                username=username,
                calendar_id=calendar_id,
                calendar_href=calendar_href,
                calendar_name=calendar_name,
                busy_calendar_ids=json.dumps(busy_calendar_ids) if busy_calendar_ids else None,
                is_default=has_default is None,
                active=True,
                status=ConnectionStatus.ACTIVE,
            )
            s.add(row)
            s.flush()
            sync_log.record(
                s,
                actor=actor,
                action=SyncAction.CONNECT,
                outcome=Outcome.SUCCESS,
                connection_id=row.id,
                message=f"Connected {display_name} ({calendar_name or calendar_id}) for {staff_member.name}",
            )
            # Inside the transaction: if the keychain refuses, the row is rolled back with it.
            stored: list[str] = []
            try:
                for name, value in secrets.items():
                    self._secrets.set(row.secret_key, name, value)
                    stored.append(name)
            except BizCalError:
                self._secrets.delete_all(row.secret_key, tuple(stored))
                raise
            return connection_view(row)

    def _log_failed_connect(self, staff_id: int, message: str, actor: str) -> None:
        with self._db.session() as s:
            sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.FAILURE, message=message)

    def list(self, staff: str | int | None = None, include_disconnected: bool = False) -> list[ConnectionView]:
        with self._db.session() as s:
            query = select(CalendarConnection).join(Staff).order_by(Staff.name, CalendarConnection.id)
            if staff is not None:
                query = query.where(CalendarConnection.staff_id == staff_row(s, staff).id)
            if not include_disconnected:
                query = query.where(CalendarConnection.status != ConnectionStatus.DISCONNECTED)
            return [connection_view(c) for c in s.scalars(query)]

    def get(self, connection_id: int) -> ConnectionView:
        with self._db.session() as s:
            return connection_view(self._row(s, connection_id))

    def info(self, connection_id: int) -> ConnectionInfo:
        with self._db.session() as s:
            return connection_info(self._row(s, connection_id))

    def set_default(self, connection_id: int, actor: str = "user") -> ConnectionView:
        with self._db.session() as s:
            row = self._row(s, connection_id)
            if not row.active:
                raise UserInputError(f"Connection {connection_id} is {row.status}; reconnect it first.")
            for other in s.scalars(select(CalendarConnection).where(CalendarConnection.staff_id == row.staff_id)):
                other.is_default = other.id == row.id
            sync_log.record(
                s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                message=f"{row.display_name} is now the default calendar of {row.staff.name}",
            )
            s.flush()
            return connection_view(row)

    def set_import_busy(self, connection_id: int, enabled: bool) -> ConnectionView:
        with self._db.session() as s:
            row = self._row(s, connection_id)
            row.import_busy = enabled
            s.flush()
            return connection_view(row)

    def disconnect(self, connection_id: int, actor: str = "user") -> ConnectionView:
        """Delete the connection's secrets at once and keep the row only for the audit trail."""
        with self._db.session() as s:
            row = self._row(s, connection_id)
            self._secrets.delete_all(row.secret_key, SECRET_NAMES.get(row.provider, ()))
            switch_off(s, row, ConnectionStatus.DISCONNECTED)
            row.sync_cursor = None
            # Its busy times no longer count: the calendar is no longer ours to read.
            s.execute(delete(BusyBlock).where(BusyBlock.connection_id == row.id))
            sync_log.record(
                s, actor=actor, action=SyncAction.DISCONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                message=f"Disconnected {row.display_name}; its secrets were deleted from the keychain",
            )
            s.flush()
            return connection_view(row)

    async def disconnect_and_revoke(self, connection_id: int, actor: str = "user") -> ConnectionView:
        """Disconnect (secrets deleted at once), then tell the provider to revoke the OAuth grant.

        Revocation is best effort: the local secret is already gone, which is what protects the user
        if the laptop is lost; a failed revoke is logged so the user can remove the app in their
        account settings.
        """
        info = await asyncio.to_thread(self.info, connection_id)
        token = None
        if info.provider == "google":
            token = await asyncio.to_thread(self._secrets.get, info.secret_key, "oauth_token")
        view = await asyncio.to_thread(self.disconnect, connection_id, actor)
        if token:
            from bizcal_desktop.providers.google import revoke

            try:
                await revoke(token, self._config.google)
            except BizCalError as exc:
                log.warning("revoking the Google grant of connection %s failed: %s", connection_id, exc)
                await asyncio.to_thread(
                    self._log_failed_connect, view.staff_id,
                    f"Google did not confirm revoking access ({exc}); remove BizCal under "
                    "myaccount.google.com → Security → Third-party access", actor,
                )
        return view

    @staticmethod
    def _row(session: Session, connection_id: int) -> CalendarConnection:
        row = session.get(CalendarConnection, int(connection_id))
        if row is None:
            raise UserInputError(f"No connection {connection_id}; see `bizcal connections`.")
        return row
