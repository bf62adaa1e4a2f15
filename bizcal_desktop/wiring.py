"""Builds every service once, from one configuration (no module-level singletons), each on first use.

The CLI and the desktop app both call :func:`build_services`, so they behave the same. The engine,
the importer, the token guardian and resync are given this installation's device id
(``Config.device``): on a team's shared database each uses only the connections whose secret this
device's keychain holds. Connections from before devices were recorded are given to this device here,
at start (``DeviceService.adopt_unowned``), as a migration cannot know which computer it runs on.
Who this run's changes are made as (the audit trail's person, ``services/person.py``) is resolved at
start too, when there is someone to resolve (``--as``, or a team database).

Why each service is built on first use: a CLI command needs one or two services, and importing and
building all of them (the sync engine, the importer, the connect flows and their provider stacks)
was most of what ``bizcal staff list`` spent before reading one row (issue 20, measured with
``benchmarks/bench_cli_startup.py``). :class:`Services` builds a service, and imports its module,
the first time it is asked for; after that it is a plain attribute. The building happens under one
lock, as the desktop app asks for services from worker threads too: each is built exactly once.
Everything a service needs comes from this object, so the order of first use does not matter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from bizcal_desktop.config import Config
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.team_database import TeamDatabaseService
from bizcal_desktop.store.database import Database, open_database

if TYPE_CHECKING:
    from bizcal_desktop.provider_factory import ProviderFactory
    from bizcal_desktop.services.audit import AuditService
    from bizcal_desktop.services.availability import AvailabilityService
    from bizcal_desktop.services.booking_check import BookingCheckService
    from bizcal_desktop.services.bookings import BookingService
    from bizcal_desktop.services.connections import ConnectionService
    from bizcal_desktop.services.devices import DeviceService
    from bizcal_desktop.services.directory import DirectoryService
    from bizcal_desktop.services.person import PersonService
    from bizcal_desktop.services.setup import SetupService
    from bizcal_desktop.services.sync_log import SyncLogService
    from bizcal_desktop.store.settings import SettingsStore
    from bizcal_desktop.sync.engine import SyncEngine
    from bizcal_desktop.sync.importer import AvailabilityImporter
    from bizcal_desktop.sync.recovery import RecoveryService
    from bizcal_desktop.sync.token_guardian import TokenGuardian

T = TypeVar("T")


class OnFirstUse(Generic[T]):
    """A service of :class:`Services`, built by ``build(services)`` the first time it is read.

    The built service is stored in the instance's ``__dict__`` under the same name, which then wins
    over this (non-data) descriptor: later reads cost a plain attribute lookup, and a test may still
    assign its own service over it.
    """

    def __init__(self, build: Callable[[Services], T]) -> None:
        self._build = build
        self._name = build.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, services: None, owner: type | None = None) -> OnFirstUse[T]: ...
    @overload
    def __get__(self, services: Services, owner: type | None = None) -> T: ...
    def __get__(self, services: Services | None, owner: type | None = None) -> OnFirstUse[T] | T:
        if services is None:
            return self
        built: dict[str, Any] = services.__dict__
        with services.building:
            if self._name not in built:
                built[self._name] = self._build(services)
        return built[self._name]  # type: ignore[no-any-return]


def _providers(s: Services) -> ProviderFactory:
    from bizcal_desktop.provider_factory import ProviderFactory

    return ProviderFactory(s.config, s.secrets)


def _directory(s: Services) -> DirectoryService:
    from bizcal_desktop.services.directory import DirectoryService

    return DirectoryService(s.db)


def _settings(s: Services) -> SettingsStore:
    from bizcal_desktop.store.settings import SettingsStore

    return SettingsStore(s.db)


def _engine(s: Services) -> SyncEngine:
    from bizcal_desktop.sync.backoff import BackoffPolicy
    from bizcal_desktop.sync.engine import SyncEngine

    c = s.config
    return SyncEngine(
        s.db,
        s.providers,
        BackoffPolicy(base=c.backoff_base, cap=c.backoff_cap, max_attempts=c.max_attempts),
        concurrency=c.sync_concurrency,
        device=c.device.id,
    )


def _connections(s: Services) -> ConnectionService:
    from bizcal_desktop.services.connections import ConnectionService

    return ConnectionService(s.db, s.secrets, s.directory, s.config, s.providers)


def _availability(s: Services) -> AvailabilityService:
    from bizcal_desktop.services.availability import AvailabilityService

    return AvailabilityService(s.db, s.directory, s.settings)


def _importer(s: Services) -> AvailabilityImporter:
    from bizcal_desktop.sync.importer import AvailabilityImporter

    c = s.config
    return AvailabilityImporter(s.db, s.providers, s.settings, concurrency=c.sync_concurrency,
                                request_timeout=c.request_timeout, device=c.device.id)


def _devices(s: Services) -> DeviceService:
    from bizcal_desktop.services.devices import DeviceService

    return DeviceService(s.db, s.config, s.secrets, lambda: s.providers)


def _bookings(s: Services) -> BookingService:
    from bizcal_desktop.services.bookings import BookingService

    return BookingService(s.db, s.directory)


def _sync_log(s: Services) -> SyncLogService:
    from bizcal_desktop.services.sync_log import SyncLogService

    return SyncLogService(s.db)


def _recovery(s: Services) -> RecoveryService:
    from bizcal_desktop.sync.recovery import RecoveryService

    return RecoveryService(s.db, s.providers, device=s.config.device.id)


def _guardian(s: Services) -> TokenGuardian:
    from bizcal_desktop.sync.token_guardian import TokenGuardian

    return TokenGuardian(s.db, s.providers, device=s.config.device.id)


def _booking_check(s: Services) -> BookingCheckService:
    from bizcal_desktop.services.booking_check import BookingCheckService

    return BookingCheckService(s.importer, s.availability, s.directory, s.settings)


def _setup(s: Services) -> SetupService:
    from bizcal_desktop.services.setup import SetupService

    return SetupService(s.db, s.directory, s.settings, s.connections)


def _audit(s: Services) -> AuditService:
    from bizcal_desktop.services.audit import AuditService

    return AuditService(s.db)


def _person(s: Services) -> PersonService:
    from bizcal_desktop.services.person import PersonService

    return PersonService(s.db, s.config)


class Services:
    """Every service of one installation; each is built (and its module imported) on first use."""

    providers = OnFirstUse(_providers)
    directory = OnFirstUse(_directory)
    bookings = OnFirstUse(_bookings)
    connections = OnFirstUse(_connections)
    sync_log = OnFirstUse(_sync_log)
    engine = OnFirstUse(_engine)
    recovery = OnFirstUse(_recovery)
    settings = OnFirstUse(_settings)
    availability = OnFirstUse(_availability)
    importer = OnFirstUse(_importer)
    guardian = OnFirstUse(_guardian)
    #: Reads a staff member's calendars again right before a booking.
    booking_check = OnFirstUse(_booking_check)
    #: How far the data folder is set up; saves the first-run wizard's answers.
    setup = OnFirstUse(_setup)
    #: Who changed what, when, through which door (read only; the store writes it).
    audit = OnFirstUse(_audit)
    #: This computer on a shared database: its id and name, and the connections it holds.
    devices = OnFirstUse(_devices)
    #: Who this computer's changes are recorded as (identified, not authenticated).
    person = OnFirstUse(_person)

    def __init__(self, config: Config, db: Database, secrets: SecretStore,
                 team_database: TeamDatabaseService) -> None:
        self.config = config
        self.db = db
        self.secrets = secrets
        #: Which database this device uses (SQLite or the team's PostgreSQL); Settings changes it.
        self.team_database = team_database
        #: Held while a service is built (re-entrant: building one service may build those it needs).
        self.building = threading.RLock()

    def close(self) -> None:
        self.db.dispose()


def build_services(config: Config) -> Services:
    """Opens (and if needed upgrades) the database; the services themselves are built on first use."""
    secrets = SecretStore(config.keyring_service)
    team_database = TeamDatabaseService(config, secrets)
    services = Services(config, open_database(config.database_path, team_database.resolve()), secrets, team_database)
    services.db.device_name = config.device.name
    services.devices.adopt_unowned()
    if config.person or services.db.dialect == "postgresql":  # else nobody: nothing to read
        try:
            services.person.identify()
        except BaseException:
            services.close()
            raise
    return services
