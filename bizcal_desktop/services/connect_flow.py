"""Connecting a calendar, the same two steps for every provider: begin, then finish.

``begin_caldav`` / ``begin_google`` / ``begin_microsoft`` log in (or sign in in the browser) and list
the account's calendars; nothing is saved, the secret is held in memory by a
:class:`PendingConnection`. The user chooses the calendar, and :meth:`ConnectFlow.finish_connection`
tests writing into it and saves the row and the secret together. Why one path: the desktop dialogs
and the CLI's one-shot ``connect_*`` (thin wrappers here) then cannot drift apart — a connection is
never saved without a passing test of the very calendar it writes to. A person waits for each test,
so a hiccup is tried again only briefly and within a deadline (:mod:`.connect_retry`).

Secrets go to the keychain in the same transaction that saves the row; if the keychain refuses, the
row is rolled back, so there is never a connection without its secret (nor a secret without its row).
Providers come from the injected :class:`ProviderSource`; this module never builds one itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable

from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError, ConfigurationError, UserInputError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionCheck
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.connect_retry import test_with_retries, with_retries
from bizcal_desktop.services.connection_view import ConnectionView, connection_view
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.services.pending_connection import (
    PROVIDER_LABELS,
    ConnectionTestFailed,
    PendingConnection,
    calendars_counted_busy,
    pick_calendar,
)
from bizcal_desktop.store import audit, disconnects, sync_log
from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.connections import in_use
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import staff_row
from bizcal_desktop.store.models import CalendarConnection, ConnectionStatus, Outcome, SyncAction

log = logging.getLogger(__name__)


def never_renewed(_password: str) -> None:
    """A CalDAV app password is never renewed by the provider."""


class LatestSecret:
    """The newest secret of a connection being set up: a renewal during the flow must not be lost."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def keep(self, renewed: str) -> None:
        self.secret = renewed


class ConnectFlow:
    """Begin (log in, list calendars), finish (test the chosen calendar, save), abandon."""

    def __init__(
        self,
        db: Database,
        secrets: SecretStore,
        directory: DirectoryService,
        config: Config,
        providers: ProviderSource,
    ) -> None:
        self._db = db
        self._secrets = secrets
        self._directory = directory
        self._config = config
        self._providers = providers

    # ----- begin: one per provider --------------------------------------------------------------
    async def begin_caldav(
        self, staff: str | int, provider_type: str, url: str | None, username: str, password: str,
        actor: str = "user",
    ) -> PendingConnection:
        """Log in to the CalDAV server, find the calendars and prove a write; nothing is saved.

        A ``user:password@`` in ``url`` fills a username or password not given (:func:`login_from_url`).
        """
        from bizcal_desktop.providers.caldav.presets import PRESETS, login_from_url, resolve_server_url

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        login = login_from_url(url, username, password)
        if not login.username:
            raise UserInputError("A CalDAV connection needs a username.")
        if not login.password:
            raise UserInputError("A CalDAV connection needs a password (an app-specific password).")
        server_url = resolve_server_url(provider_type, login.url)  # refuses an unknown provider type
        pending = PendingConnection(
            staff_id=staff_view.id, timezone=staff_view.timezone, provider="caldav", account=login.username,
            calendars=(), secret=login.password, provider_type=provider_type, server_url=server_url,
            display_name=f"{PRESETS[provider_type].label} – {login.username}",
        )
        async with self._providers.build_unsaved(pending.info(), login.password, never_renewed) as provider:
            check = await self._tested(provider, pending)
        if not check.ok:
            await self._log_test_failed(pending, check.message, actor)
            raise ConnectionTestFailed(check.message)
        return dataclasses.replace(pending, calendars=tuple(check.calendars))

    async def begin_google(
        self, staff: str | int, on_url: Callable[[str], None] | None = None, timeout: float = 300.0
    ) -> PendingConnection:
        """Browser consent on a loopback redirect, then list the account's calendars."""
        from bizcal_desktop.providers.google import authorize_google

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        grant = await authorize_google(self._config.google, timeout=timeout, on_url=on_url)
        return await self._with_calendars(PendingConnection(
            staff_id=staff_view.id, timezone=staff_view.timezone, provider="google",
            account=grant.account_email, calendars=(), secret=grant.token_json,
            display_name=f"Google – {grant.account_email or 'Google account'}",
        ))

    async def begin_microsoft(
        self, staff: str | int, on_url: Callable[[str], None] | None = None, timeout: float = 300.0
    ) -> PendingConnection:
        """Microsoft sign-in in the browser (MSAL, loopback redirect), then list the calendars.

        The secret carried on is MSAL's serialized token cache, with any renewal the listing made.
        """
        from bizcal_desktop.providers.microsoft import authorize_microsoft

        staff_view = await asyncio.to_thread(self._directory.find_staff, staff)
        grant = await authorize_microsoft(self._config.microsoft, timeout=timeout, on_url=on_url)
        return await self._with_calendars(PendingConnection(
            staff_id=staff_view.id, timezone=staff_view.timezone, provider="microsoft",
            account=grant.username, calendars=(), secret=grant.cache_json,
            display_name=f"Microsoft 365 – {grant.username or 'Microsoft account'}",
        ))

    async def _with_calendars(self, pending: PendingConnection) -> PendingConnection:
        """``pending`` with the account's calendars, and the secret as renewed while listing them."""
        latest = LatestSecret(pending.secret)
        async with self._providers.build_unsaved(pending.info(), pending.secret, latest.keep) as probe:
            calendars = await with_retries(probe.list_calendars, timeout=self._config.request_timeout,
                                           service=pending.service)
        return dataclasses.replace(pending, calendars=tuple(calendars), secret=latest.secret)

    async def _tested(self, provider: CalendarProvider, pending: PendingConnection) -> ConnectionCheck:
        timeout = self._config.request_timeout
        return await test_with_retries(provider, timeout=timeout, service=pending.service)

    # ----- finish: the same for every provider -----------------------------------------------------
    async def finish_connection(
        self,
        pending: PendingConnection,
        calendar_id: str,
        busy_calendar_ids: list[str] | None = None,
        actor: str = "user",
        door: str = Door.UNKNOWN,
    ) -> ConnectionView:
        """Test writing into the chosen calendar, then save row + secret (audited as coming through ``door``).

        ``busy_calendar_ids`` are further calendars of the account whose events count as busy (Google
        and Microsoft); the calendar bookings are written into always counts, so it is stored first.
        """
        chosen = pending.calendar(calendar_id)
        busy_ids = calendars_counted_busy(pending, chosen, busy_calendar_ids or [])
        latest = LatestSecret(pending.secret)
        async with self._providers.build_unsaved(pending.info(chosen), pending.secret, latest.keep) as provider:
            check = await self._tested(provider, pending)
        if not check.ok:
            await self._log_test_failed(pending, check.message, actor)
            raise ConnectionTestFailed(check.message)
        return await asyncio.to_thread(
            self._save_connection,
            staff=pending.staff_id,
            provider=pending.provider,
            provider_type=pending.provider_type,
            display_name=pending.display_name,
            server_url=pending.server_url,
            username=pending.account,
            calendar_id=chosen.calendar_id,
            calendar_href=pending.calendar_href(chosen),
            calendar_name=chosen.name,
            busy_calendar_ids=busy_ids if len(busy_ids) > 1 else None,
            secret=latest.secret,
            actor=actor,
            door=door,
        )

    async def abandon(self, pending: PendingConnection) -> None:
        """The user logged in but did not save: give the grant back where the provider allows it.

        Google's grant is revoked; Microsoft has no revocation endpoint for desktop apps, a CalDAV
        password is the user's own, and nothing was stored locally in any case.
        """
        if pending.provider != "google":
            return
        from bizcal_desktop.providers.google import revoke

        try:
            await revoke(pending.secret, self._config.google)
        except BizCalError as exc:
            log.warning("revoking an unsaved Google sign-in failed: %s", exc)

    # ----- one-shot wrappers (the CLI's flags name the calendars) -----------------------------------
    async def connect_caldav(
        self, staff: str | int, provider_type: str, url: str | None, username: str, password: str,
        calendar: str | None = None, actor: str = "user", door: str = Door.UNKNOWN,
    ) -> ConnectionView:
        """Log in, pick the calendar by name (default: the primary one), test writing into it, save."""
        pending = await self.begin_caldav(staff, provider_type, url, username, password, actor=actor)
        return await self._finish_by_names(pending, calendar, None, actor, door)

    async def connect_google(
        self,
        staff: str | int,
        calendar: str | None = None,
        busy_calendars: list[str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
        door: str = Door.UNKNOWN,
    ) -> ConnectionView:
        """Sign in, pick the calendars by name, test and save in one go.

        ``busy_calendars`` names further calendars of the account whose events count as busy (the
        calendar bookings are written into always counts).
        """
        pending = await self.begin_google(staff, on_url=on_url, timeout=timeout)
        return await self._finish_by_names(pending, calendar, busy_calendars, actor, door)

    async def connect_microsoft(
        self,
        staff: str | int,
        calendar: str | None = None,
        busy_calendars: list[str] | None = None,
        on_url: Callable[[str], None] | None = None,
        timeout: float = 300.0,
        actor: str = "user",
        door: str = Door.UNKNOWN,
    ) -> ConnectionView:
        """Sign in, pick the calendars by name (default: the account's default one), test and save."""
        pending = await self.begin_microsoft(staff, on_url=on_url, timeout=timeout)
        return await self._finish_by_names(pending, calendar, busy_calendars, actor, door)

    async def _finish_by_names(
        self, pending: PendingConnection, calendar: str | None, busy_calendars: list[str] | None, actor: str,
        door: str,
    ) -> ConnectionView:
        calendars = list(pending.calendars)
        chosen = pick_calendar(calendars, calendar)
        busy_ids = [pick_calendar(calendars, wanted).calendar_id for wanted in busy_calendars or []]
        return await self.finish_connection(pending, chosen.calendar_id, busy_ids, actor=actor, door=door)

    # ----- the store (worker threads) ---------------------------------------------------------------
    def _save_connection(
        self,
        *,
        staff: str | int,
        provider: str,
        display_name: str,
        secret: str,
        provider_type: str | None = None,
        server_url: str | None = None,
        username: str | None = None,
        calendar_id: str | None = None,
        calendar_href: str | None = None,
        calendar_name: str | None = None,
        busy_calendar_ids: list[str] | None = None,
        actor: str = "user",
        door: str = Door.UNKNOWN,
    ) -> ConnectionView:
        """Save a tested connection and its secret; the first one of a staff member is the default."""
        secret_name = self._providers.secret_name(provider)
        if secret_name is None:
            raise ConfigurationError(f"Provider {provider!r} is not supported by this version.")
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
                # Its secret goes to this device's keychain: only this device writes to it (store/ownership).
                owner_device=self._config.device.id,
                owner_device_name=self._config.device.name,
            )
            s.add(row)
            s.flush()
            message = f"Connected {display_name} ({calendar_name or calendar_id}) for {staff_member.name}"
            taken = disconnects.reattach_left_events(s, row)  # this calendar was connected before
            if taken:
                message += f"; {taken} event(s) BizCal left in it are taken over, not written again"
            event = audit.connection_changed(s, door, "connect", row, None, message)
            sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                            message=message, audit_event_id=event.id)
            # Inside the transaction: if the keychain refuses, the row is rolled back with it.
            self._secrets.set(row.secret_key, secret_name, secret)
            return connection_view(row)

    async def _log_test_failed(self, pending: PendingConnection, message: str, actor: str) -> None:
        label = PROVIDER_LABELS.get(pending.provider, pending.provider)
        await asyncio.to_thread(self._log_failed_connect, f"{label} test failed: {message}", actor)

    def _log_failed_connect(self, message: str, actor: str) -> None:
        with self._db.session() as s:
            sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.FAILURE, message=message)
