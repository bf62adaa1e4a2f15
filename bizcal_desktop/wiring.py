"""Builds every service once, from one configuration (no module-level singletons).

The CLI and the desktop app both call :func:`build_services`, so they behave the same. The engine,
the importer, the token guardian and resync are given this installation's device id
(``Config.device``): on a team's shared database each uses only the connections whose secret this
device's keychain holds. Connections from before devices were recorded are given to this device here,
at start (``DeviceService.adopt_unowned``), as a migration cannot know which computer it runs on.
"""

from __future__ import annotations

from dataclasses import dataclass

from bizcal_desktop.config import Config
from bizcal_desktop.provider_factory import ProviderFactory
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.audit import AuditService
from bizcal_desktop.services.availability import AvailabilityService
from bizcal_desktop.services.booking_check import BookingCheckService
from bizcal_desktop.services.bookings import BookingService
from bizcal_desktop.services.connections import ConnectionService
from bizcal_desktop.services.devices import DeviceService
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.services.setup import SetupService
from bizcal_desktop.services.sync_log import SyncLogService
from bizcal_desktop.services.team_database import TeamDatabaseService
from bizcal_desktop.store.database import Database, open_database
from bizcal_desktop.store.settings import SettingsStore
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.sync.importer import AvailabilityImporter
from bizcal_desktop.sync.recovery import RecoveryService
from bizcal_desktop.sync.token_guardian import TokenGuardian


@dataclass
class Services:
    config: Config
    db: Database
    secrets: SecretStore
    providers: ProviderFactory
    directory: DirectoryService
    bookings: BookingService
    connections: ConnectionService
    sync_log: SyncLogService
    engine: SyncEngine
    recovery: RecoveryService
    settings: SettingsStore
    availability: AvailabilityService
    importer: AvailabilityImporter
    guardian: TokenGuardian
    #: Reads a staff member's calendars again right before a booking.
    booking_check: BookingCheckService
    #: How far the data folder is set up; saves the first-run wizard's answers.
    setup: SetupService
    #: Which database this device uses (SQLite or the team's PostgreSQL); Settings changes it.
    team_database: TeamDatabaseService
    #: Who changed what, when, through which door (read only; the store writes it).
    audit: AuditService
    #: This computer on a shared database: its id and name, and the connections it holds.
    devices: DeviceService

    def close(self) -> None:
        self.db.dispose()


def build_services(config: Config) -> Services:
    secrets = SecretStore(config.keyring_service)
    team_database = TeamDatabaseService(config, secrets)
    db = open_database(config.database_path, team_database.resolve())
    providers = ProviderFactory(config, secrets)
    directory = DirectoryService(db)
    settings = SettingsStore(db)
    engine = SyncEngine(
        db,
        providers,
        BackoffPolicy(base=config.backoff_base, cap=config.backoff_cap, max_attempts=config.max_attempts),
        concurrency=config.sync_concurrency,
        device=config.device.id,
    )
    connections = ConnectionService(db, secrets, directory, config, providers)
    availability = AvailabilityService(db, directory, settings)
    importer = AvailabilityImporter(db, providers, settings, concurrency=config.sync_concurrency,
                                    request_timeout=config.request_timeout, device=config.device.id)
    devices = DeviceService(db, config, secrets, providers)
    devices.adopt_unowned()
    return Services(
        config=config,
        db=db,
        secrets=secrets,
        providers=providers,
        directory=directory,
        bookings=BookingService(db, directory),
        connections=connections,
        sync_log=SyncLogService(db),
        engine=engine,
        recovery=RecoveryService(db, providers, device=config.device.id),
        settings=settings,
        availability=availability,
        importer=importer,
        guardian=TokenGuardian(db, providers, device=config.device.id),
        booking_check=BookingCheckService(importer, availability, directory, settings),
        setup=SetupService(db, directory, settings, connections),
        team_database=team_database,
        audit=AuditService(db),
        devices=devices,
    )
