"""Calendar connections: test, save, list, choose the default, disconnect.

Secrets go to the keychain in the same step that saves the row; if the keychain refuses, the row is
rolled back, so there is never a connection without its secret (nor a secret without its row).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError, UserInputError
from bizcal_desktop.providers.base import CalendarInfo, ConnectionCheck, ConnectionInfo
from bizcal_desktop.providers.registry import SECRET_NAMES
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services import sync_log
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store.database import Database
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


def connection_info(c: CalendarConnection) -> ConnectionInfo:
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


def switch_off(session: Session, row: CalendarConnection, status: str) -> None:
    """Deactivate ``row``; if it was its staff member's default, the next active connection is."""
    was_default = row.is_default
    row.active = False
    row.is_default = False
    row.status = status
    if not was_default:
        return
    successor = session.scalar(
        select(CalendarConnection)
        .where(
            CalendarConnection.staff_id == row.staff_id,
            CalendarConnection.active.is_(True),
            CalendarConnection.id != row.id,
        )
        .order_by(CalendarConnection.id)
    )
    if successor is not None:
        successor.is_default = True


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
        from bizcal_desktop.providers.caldav_provider import CalDAVProvider

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
        from bizcal_desktop.providers.caldav_presets import resolve_server_url

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

    # ----- Google ---------------------------------------------------------------------------------
    async def connect_google(
        self,
        staff: str | int,
        calendar: str | None = None,
        busy_calendars: list[str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
    ) -> ConnectionView:
        """Browser consent on a loopback redirect, pick the calendar, test it, then save.

        ``busy_calendars`` names further calendars of the account whose events count as busy (the
        calendar bookings are written into always counts).
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
        chosen = pick_calendar(calendars, calendar)
        busy_ids = [chosen.calendar_id]
        for wanted in busy_calendars or []:
            extra = pick_calendar(calendars, wanted).calendar_id
            if extra not in busy_ids:
                busy_ids.append(extra)
        async with GoogleProvider(
            latest["token"], chosen.calendar_id, self._config.google, staff_view.timezone,
            on_token_refreshed=keep, timeout=self._config.request_timeout,
        ) as provider:
            check = await provider.test_connection()
        if not check.ok:
            await asyncio.to_thread(
                self._log_failed_connect, staff_view.id, f"Google test failed: {check.message}", actor
            )
            raise ConnectionTestFailed(check.message)
        account = grant.account_email or "Google account"
        return await asyncio.to_thread(
            self.save_connection,
            staff=staff_view.id,
            provider="google",
            display_name=f"Google – {account}",
            username=grant.account_email,
            calendar_id=chosen.calendar_id,
            calendar_name=chosen.name,
            busy_calendar_ids=busy_ids if len(busy_ids) > 1 else None,
            secrets={"oauth_token": latest["token"]},
            actor=actor,
        )

    # ----- Microsoft ------------------------------------------------------------------------------
    async def connect_microsoft(
        self,
        staff: str | int,
        calendar: str | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
    ) -> ConnectionView:
        """Microsoft sign-in in the browser (MSAL, loopback redirect), pick the calendar, test it, save.

        The secret saved is MSAL's serialized token cache; every renewal the test made is kept.
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
        chosen = pick_calendar(calendars, calendar)
        async with MicrosoftProvider(
            latest["cache"], chosen.calendar_id, self._config.microsoft, staff_view.timezone,
            on_cache_changed=keep, timeout=self._config.request_timeout,
        ) as provider:
            check = await provider.test_connection()
        if not check.ok:
            await asyncio.to_thread(
                self._log_failed_connect, staff_view.id, f"Microsoft test failed: {check.message}", actor
            )
            raise ConnectionTestFailed(check.message)
        account = grant.username or "Microsoft account"
        return await asyncio.to_thread(
            self.save_connection,
            staff=staff_view.id,
            provider="microsoft",
            display_name=f"Microsoft 365 – {account}",
            username=grant.username,
            calendar_id=chosen.calendar_id,
            calendar_name=chosen.name,
            secrets={"msal_cache": latest["cache"]},
            actor=actor,
        )

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
            staff_row = DirectoryService._staff_row(s, staff)
            has_default = s.scalar(
                select(CalendarConnection.id).where(
                    CalendarConnection.staff_id == staff_row.id,
                    CalendarConnection.is_default.is_(True),
                    CalendarConnection.active.is_(True),
                )
            )
            row = CalendarConnection(
                staff_id=staff_row.id,
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
                message=f"Connected {display_name} ({calendar_name or calendar_id}) for {staff_row.name}",
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
                query = query.where(CalendarConnection.staff_id == DirectoryService._staff_row(s, staff).id)
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
