"""The token guardian: renew OAuth access before it dies, and stop a connection that keeps failing.

Why
---
An access token that expires in the middle of a burst of booking syncs turns into a row of failures
the user did not cause. So every few minutes the guardian renews any token expiring within
``threshold`` (10 minutes); the provider writes the renewed token to the keychain at once (the
provider factory's callback). A refresh can fail for a while (network) or for good (the user revoked access:
``invalid_grant``). Three failures within 24 hours deactivate the connection — bookings fail over to
the staff member's next active connection and the bad token stops clogging the log — and listeners
(the tray) are told, so the user is alerted once instead of discovering it a month later.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bizcal_desktop.errors import AuthError, BizCalError
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.connections import connection_info, in_use, switch_off
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    CalendarConnection,
    CalendarSyncLog,
    ConnectionStatus,
    Outcome,
    SyncAction,
)
from bizcal_desktop.sync.listeners import Listeners

log = logging.getLogger(__name__)

#: Providers whose credentials expire and can be renewed.
OAUTH_PROVIDERS = ("google", "microsoft")


@dataclass(frozen=True)
class DeactivationEvent:
    """A connection was switched off after repeated refresh failures; the user must reconnect."""

    connection_id: int
    connection_name: str
    staff_name: str
    message: str


@dataclass
class GuardianReport:
    checked: int = 0
    refreshed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deactivated: list[DeactivationEvent] = field(default_factory=list)


class TokenGuardian:
    def __init__(
        self,
        db: Database,
        factory: ProviderSource,
        threshold: timedelta = timedelta(minutes=10),
        max_failures: int = 3,
        failure_period: timedelta = timedelta(hours=24),
        actor: str = "token-guardian",
    ) -> None:
        self._db = db
        self._factory = factory
        self._threshold = threshold
        self._max_failures = max_failures
        self._period = failure_period
        self._actor = actor
        self._lock = asyncio.Lock()
        self.listeners: Listeners[DeactivationEvent] = Listeners("deactivation")

    async def check_all(self, now: datetime | None = None) -> GuardianReport:
        """Renew every expiring OAuth credential of an active connection; never raises for one."""
        report = GuardianReport()
        async with self._lock:
            targets = await asyncio.to_thread(self._targets)
            for info, name in targets:
                report.checked += 1
                try:
                    provider = await asyncio.to_thread(self._factory.build, info)
                    async with provider:
                        outcome = await provider.refresh_credentials(self._threshold)
                except Exception as exc:  # noqa: BLE001 - one broken connection must not stop the rest
                    if not isinstance(exc, BizCalError):
                        log.exception("token refresh of connection %s failed unexpectedly", info.id)
                    report.failed.append(info.id)
                    event = await asyncio.to_thread(
                        self._record_failure, info.id, name, exc, now or datetime.now(UTC)
                    )
                    if event is not None:
                        report.deactivated.append(event)
                    continue
                if outcome.refreshed:
                    report.refreshed.append(info.id)
                    await asyncio.to_thread(self._record_success, info.id, name, outcome.expires_at)
        for event in report.deactivated:
            self.listeners.notify(event)
        return report

    # ----- database steps (worker threads) --------------------------------------------------------
    def _targets(self) -> list[tuple[ConnectionInfo, str]]:
        with self._db.session() as s:
            rows = s.scalars(
                select(CalendarConnection).where(
                    in_use(),
                    CalendarConnection.provider.in_(OAUTH_PROVIDERS),
                )
            ).all()
            return [(connection_info(c), c.display_name) for c in rows]

    def _record_success(self, connection_id: int, name: str, expires_at: datetime | None) -> None:
        until = f" (valid until {expires_at:%Y-%m-%d %H:%M} UTC)" if expires_at else ""
        with self._db.session() as s:
            connection = s.get(CalendarConnection, connection_id)
            if connection is not None:
                connection.last_success_at = datetime.now(UTC)
            sync_log.record(
                s, actor=self._actor, action=SyncAction.REFRESH, outcome=Outcome.SUCCESS,
                connection_id=connection_id, message=f"Renewed the access token of {name}{until}",
            )

    def _record_failure(
        self, connection_id: int, name: str, error: BaseException, now: datetime
    ) -> DeactivationEvent | None:
        with self._db.session() as s:
            connection = s.get(CalendarConnection, connection_id)
            if connection is None:
                return None
            sync_log.record(
                s, actor=self._actor, action=SyncAction.REFRESH, outcome=Outcome.FAILURE,
                connection_id=connection_id, message=f"Could not renew the access of {name}: {error}",
            )
            connection.last_error = str(error)
            if isinstance(error, AuthError) and connection.status == ConnectionStatus.ACTIVE:
                connection.status = ConnectionStatus.NEEDS_RECONNECT
            s.flush()
            failures = s.scalar(
                select(func.count())
                .select_from(CalendarSyncLog)
                .where(
                    CalendarSyncLog.connection_id == connection_id,
                    CalendarSyncLog.action == SyncAction.REFRESH,
                    CalendarSyncLog.outcome == Outcome.FAILURE,
                    CalendarSyncLog.at > now - self._period,
                )
            )
            if (failures or 0) < self._max_failures:
                return None
            switch_off(s, connection, ConnectionStatus.DEACTIVATED)
            message = (
                f"{name} was switched off after {failures} failed token renewals in 24 hours; "
                "reconnect it in Calendar Integrations"
            )
            sync_log.record(
                s, actor=self._actor, action=SyncAction.DISCONNECT, outcome=Outcome.FAILURE,
                connection_id=connection_id, message=message,
            )
            return DeactivationEvent(connection_id, name, connection.staff.name, message)
