"""This computer on a shared database: its name for people, and the connections it holds from before.

Why a service: a device's identity is a file in the data folder (``device.py``), but what others see
of it is in the database — each connection names the device that holds its secret and that device's
name (``store/ownership.py``). Renaming the device therefore renames it on its connections too, so
"3 changes wait for Sarah's laptop" follows.

Why connections are given an owner at start rather than by the migration: the migration runs once per
database and cannot know on which computer. So each start of this version looks for connections
without an owner (one indexed query, almost always empty) and takes them: on SQLite every one — the
file is this computer's, and a solo practitioner has one device; on a team's PostgreSQL only those
whose secret this computer's keychain holds, so the first computer to start does not take its
colleagues' calendars. A connection nobody holds yet waits, and the status says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.device import Device, rename_device
from bizcal_desktop.errors import BizCalError
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import CalendarConnection

if TYPE_CHECKING:  # every start adopts; the provider layer is imported only by whoever uses providers
    from bizcal_desktop.providers.factory_protocol import ProviderSource

log = logging.getLogger(__name__)


class DeviceService:
    """This installation's device: who it is, renaming it, and taking the connections it connected."""

    def __init__(self, db: Database, config: Config, secrets: SecretStore,
                 providers: Callable[[], ProviderSource]) -> None:
        """``providers`` hands over the provider source, asked for only when a team database has
        connections without an owner (building it imports the provider layer, which a start does not need)."""
        self._db = db
        self._config = config
        self._secrets = secrets
        self._providers = providers

    @property
    def device(self) -> Device:
        return self._config.device

    def rename(self, name: str) -> Device:
        """Call this computer ``name`` (here and on the connections it holds)."""
        from bizcal_desktop.store import ownership  # the outbox's hand-over rules: not needed at start

        device = rename_device(self._config.data_dir, name)
        vars(self._config)["device"] = device  # Config.device is cached: it follows the rename
        self._db.device_name = device.name  # and so does the audit trail's device, from now on
        with self._db.session() as s:
            ownership.rename(s, device.id, device.name)
        return device

    def adopt_unowned(self) -> int:
        """Give connections from before devices were recorded to this device (see the module docstring).

        How many it took. Never raises: a read-only database or a locked keychain leaves them for the
        next start (logged).
        """
        try:
            with self._db.session() as s:
                query = select(CalendarConnection).where(CalendarConnection.owner_device.is_(None))
                unowned = list(s.scalars(query))
                if not unowned:
                    return 0
                team = self._db.dialect == "postgresql"
                taken = [row for row in unowned if not team or self._holds_secret(row)]
                for row in taken:
                    row.owner_device, row.owner_device_name = self.device.id, self.device.name
                if taken:
                    log.info("this device (%s) now holds %d connection(s) made before devices were recorded",
                             self.device.name, len(taken))
                return len(taken)
        except BizCalError as exc:
            log.warning("could not record this device on the connections it holds: %s", exc)
            return 0

    def _holds_secret(self, row: CalendarConnection) -> bool:
        name = self._providers().secret_name(row.provider)
        return name is not None and self._secrets.get(row.secret_key, name) is not None
