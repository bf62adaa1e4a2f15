"""Two computers on one database, each holding only its own calendars' secrets (issue 19 item 3).

Sarah's laptop connected Sarah's calendar, the front desk connected Jo's; both run the real engine,
importer, token guardian and status on one database (SQLite shared by two data folders, and a real
PostgreSQL). Each device has its own data folder (its own ``device.json`` id) and its own keychain
service, so the front desk cannot read Sarah's secret — as on two machines. The calendars are
in-memory ones both devices reach; the provider source refuses a connection whose secret is not in
the asking device's keychain, exactly as the real factory does, and remembers what it built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bizcal_desktop.config import Config
from bizcal_desktop.errors import AuthError
from bizcal_desktop.provider_factory import SECRET_NAMES
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.providers.memory import MemoryProvider
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.connections import ConnectionService
from bizcal_desktop.services.reconnect import UsedElsewhere
from bizcal_desktop.services.status import StatusService, waiting_text
from bizcal_desktop.store.models import (
    Base,
    CalendarConnection,
    CalendarEventMapping,
    ConnectionStatus,
    JobStatus,
    OutboxJob,
)
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.sync.importer import AvailabilityImporter
from bizcal_desktop.sync.token_guardian import TokenGuardian
from bizcal_desktop.wiring import Services, build_services
from tests.support.connections import seed_connection


@dataclass(frozen=True)
class SharedFileConfig(Config):
    """A data folder (a device) whose database is one SQLite file another data folder uses too."""

    shared_file: Path = Path("bizcal.sqlite3")

    @property
    def database_path(self) -> Path:
        return self.shared_file


class DeviceCalendars:
    """The provider source of one device: calendars both devices reach, secrets only its own keychain's."""

    def __init__(self, secrets: SecretStore, calendars: dict[str, MemoryProvider]) -> None:
        self._secrets = secrets
        self._calendars = calendars
        self.built: list[int] = []

    def build(self, info: ConnectionInfo) -> MemoryProvider:
        if self._secrets.get(info.secret_key, SECRET_NAMES[info.provider]) is None:
            raise AuthError(f"The secret of connection {info.id} is missing from this computer's keychain.")
        self.built.append(info.id)
        return self._calendars[info.username or ""]

    def build_unsaved(self, info: ConnectionInfo, secret: str, keep: Any) -> MemoryProvider:
        return self._calendars[info.username or ""]

    def secret_name(self, provider: str) -> str | None:
        return SECRET_NAMES.get(provider)


@dataclass
class Device:
    services: Services
    calendars: DeviceCalendars
    engine: SyncEngine = field(init=False)
    importer: AvailabilityImporter = field(init=False)
    guardian: TokenGuardian = field(init=False)

    def __post_init__(self) -> None:
        svc, me = self.services, self.id
        self.engine = SyncEngine(svc.db, self.calendars, BackoffPolicy(base=0.001, cap=0.01, max_attempts=3),
                                 device=me)
        self.importer = AvailabilityImporter(svc.db, self.calendars, svc.settings, device=me)
        self.guardian = TokenGuardian(svc.db, self.calendars, device=me)

    @property
    def id(self) -> str:
        return self.services.config.device.id

    def status(self):  # type: ignore[no-untyped-def]
        return StatusService(self.services.db, self.id).summary()

    def connections(self) -> ConnectionService:
        svc = self.services
        return ConnectionService(svc.db, svc.secrets, svc.directory, svc.config, self.calendars)  # type: ignore[arg-type]


@dataclass
class Team:
    sarahs_laptop: Device
    front_desk: Device
    calendars: dict[str, MemoryProvider]
    sarah: int = 0  #: Sarah's calendar connection (on her laptop)
    jo: int = 0  #: Jo's (on the front desk)


def device_config(folder: Path, database_url: str, shared: Path) -> Config:
    keyring_service = f"bizcal-test-{folder.name}"  # one keychain per computer
    if database_url.startswith("postgresql"):
        return Config(data_dir=folder, keyring_service=keyring_service, database_url=database_url)
    return SharedFileConfig(data_dir=folder, keyring_service=keyring_service, shared_file=shared)


def start(config: Config, calendars: dict[str, MemoryProvider], name: str | None = None) -> Device:
    services = build_services(config)
    if name:
        services.devices.rename(name)
    return Device(services, DeviceCalendars(services.secrets, calendars))


def caldav(device: Device, staff: str, user: str, secret: str) -> int:
    return seed_connection(device.services, staff=staff, provider="caldav", display_name=f"{staff}'s calendar",
                           secret=secret, username=user, calendar_id=f"{user}-cal", calendar_href=f"{user}-cal",
                           calendar_name=staff, server_url="https://dav.example").id


@pytest.fixture
def team(database_url: str, tmp_path: Path) -> Iterator[Team]:
    calendars = {user: MemoryProvider(calendar_id=f"{user}-cal", calendar_name=user) for user in ("sarah", "jo")}
    shared = tmp_path / "shared.sqlite3"
    laptop = start(device_config(tmp_path / "laptop", database_url, shared), calendars, "Sarah's laptop")
    desk = start(device_config(tmp_path / "desk", database_url, shared), calendars, "Front desk")
    built = Team(laptop, desk, calendars)
    try:
        laptop.services.directory.add_staff("Sarah", "Europe/Berlin")
        laptop.services.directory.add_staff("Jo", "Europe/Berlin")
        laptop.services.directory.add_service("Cut", 60)
        built.sarah = caldav(laptop, "Sarah", "sarah", "sarah-app-password-1")
        built.jo = caldav(desk, "Jo", "jo", "jo-app-password-1")
        yield built
    finally:
        laptop.services.close()
        desk.services.close()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def book_sarah(device: Device, count: int, first_day: int = 1) -> list[int]:
    """``count`` bookings for Sarah at 10:00 on days from 1 December on (one a day: none overlaps)."""
    return [device.services.bookings.add("Sarah", "Cut", f"Customer {n}", f"2026-12-{first_day + n:02d}T10:00").id
            for n in range(count)]


def connection(device: Device, connection_id: int) -> CalendarConnection:
    with device.services.db.session() as s:
        row = s.get(CalendarConnection, connection_id)
        assert row is not None
        s.expunge(row)
        return row


def test_each_computer_writes_only_the_calendars_whose_secret_it_holds(team: Team) -> None:
    laptop, desk = team.sarahs_laptop, team.front_desk
    book_sarah(desk, 3)  # made at the front desk, for Sarah
    desk.services.bookings.add("Jo", "Cut", "Walk-in", "2026-12-01T12:00")

    report = run(desk.engine.drain())
    assert (report.synced, report.handed, report.failed) == (1, 3, 0)
    assert team.sarah not in desk.calendars.built  # never asked for Sarah's secret
    assert connection(desk, team.sarah).status == ConnectionStatus.ACTIVE
    assert (len(team.calendars["sarah"].own_events()), len(team.calendars["jo"].own_events())) == (0, 1)
    status = desk.status()
    assert status.pending_jobs == 0
    assert [waiting_text(w) for w in status.waiting_elsewhere] == ["3 changes wait for Sarah's laptop"]
    assert [waiting_text(w) for w in report.elsewhere] == ["3 changes wait for Sarah's laptop"]

    again = run(desk.engine.drain())
    assert again.bookings == 0  # handed jobs are left to the laptop, not claimed and handed again

    mine = run(laptop.engine.drain())
    assert (mine.synced, mine.handed, mine.failed) == (3, 0, 0)
    assert team.jo not in laptop.calendars.built
    assert len(team.calendars["sarah"].own_events()) == 3
    assert desk.status().waiting_elsewhere == () and laptop.status().pending_jobs == 0


def test_importer_and_token_guardian_use_only_this_computer_s_connections(team: Team) -> None:
    laptop, desk = team.sarahs_laptop, team.front_desk
    sarah_google = seed_connection(laptop.services, staff="Sarah", provider="google", display_name="Google – sarah",
                                   secret='{"token": "sarah"}', username="sarah", calendar_id="sarah-cal").id
    jo_google = seed_connection(desk.services, staff="Jo", provider="google", display_name="Google – jo",
                                secret='{"token": "jo"}', username="jo", calendar_id="jo-cal").id

    on_desk = run(desk.importer.import_all())
    on_laptop = run(laptop.importer.import_all())
    assert sorted(c.connection_id for c in on_desk.connections) == sorted([team.jo, jo_google])
    assert sorted(c.connection_id for c in on_laptop.connections) == sorted([team.sarah, sarah_google])
    assert on_desk.failed == 0 and on_laptop.failed == 0

    desk.calendars.built.clear()
    checked = run(desk.guardian.check_all())
    assert (checked.checked, checked.failed, desk.calendars.built) == (1, [], [jo_google])
    assert run(laptop.guardian.check_all()).checked == 1
    assert {connection(desk, c).status for c in (team.sarah, sarah_google)} == {ConnectionStatus.ACTIVE}


def test_use_on_this_computer_moves_the_calendar_and_the_front_desk_then_writes_it(team: Team) -> None:
    laptop, desk = team.sarahs_laptop, team.front_desk
    book_sarah(desk, 3)
    assert run(desk.engine.drain()).handed == 3

    with pytest.raises(UsedElsewhere, match="used by Sarah's laptop. Use it on this computer instead"):
        run(desk.connections().reconnect(team.sarah, "sarah-app-password-2"))
    done = run(desk.connections().reconnect(team.sarah, "sarah-app-password-2", take_over=True))

    moved = connection(desk, team.sarah)
    assert (moved.owner_device, moved.owner_device_name) == (desk.id, "Front desk")
    assert desk.services.secrets.get(moved.secret_key, "password") == "sarah-app-password-2"
    assert done.connection.id == team.sarah  # the same row: its mappings and history stay
    assert desk.status().waiting_elsewhere == ()
    report = run(desk.engine.drain())
    assert (report.synced, report.failed) == (3, 0)
    assert len(team.calendars["sarah"].own_events()) == 3
    book_sarah(laptop, 1, first_day=4)
    assert run(laptop.engine.drain()).handed == 1  # the laptop no longer writes Sarah's calendar
    assert [waiting_text(w) for w in laptop.status().waiting_elsewhere] == ["1 change waits for Front desk"]
    assert team.sarah not in laptop.calendars.built


def test_a_booking_whose_calls_span_both_computers_goes_across_once_and_back(team: Team) -> None:
    """Sarah's laptop calendar broke, her booking moved to a calendar the front desk holds; once the
    laptop's works again the event left there must go (a delete only the laptop can do)."""
    laptop, desk = team.sarahs_laptop, team.front_desk
    [booking] = book_sarah(laptop, 1)
    assert run(laptop.engine.drain()).synced == 1
    with laptop.services.db.session() as s:
        s.get(CalendarConnection, team.sarah).status = ConnectionStatus.NEEDS_RECONNECT
    team.calendars["desk-sarah"] = MemoryProvider(calendar_id="desk-sarah-cal")
    other = caldav(desk, "Sarah", "desk-sarah", "another-secret")
    laptop.services.bookings.move(booking, "2026-12-01T11:00")
    run(laptop.engine.drain())  # hands it to the desk: the write goes to the desk's calendar now
    assert run(desk.engine.drain()).synced == 1
    assert len(team.calendars["desk-sarah"].own_events()) == 1 and len(team.calendars["sarah"].own_events()) == 1

    with laptop.services.db.session() as s:  # reconnected on the laptop; the booking changes once more
        s.get(CalendarConnection, team.sarah).status = ConnectionStatus.ACTIVE
    laptop.services.bookings.move(booking, "2026-12-01T12:00")
    for device in (laptop, desk, laptop, desk, laptop, desk):
        run(device.engine.drain())
    assert team.calendars["sarah"].own_events() == []  # the event left behind is gone
    assert len(team.calendars["desk-sarah"].own_events()) == 1
    with laptop.services.db.session() as s:
        assert s.scalars(select(OutboxJob).where(OutboxJob.status == JobStatus.PENDING)).all() == []
        live = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.deleted.is_(False))).all()
        assert [m.connection_id for m in live] == [other]


def test_a_connection_nobody_holds_yet_waits_and_is_taken_by_the_computer_whose_keychain_has_it(
    team: Team,
) -> None:
    laptop, desk = team.sarahs_laptop, team.front_desk
    with laptop.services.db.session() as s:  # as the migration leaves connections from before devices
        s.execute(update(CalendarConnection).values(owner_device=None, owner_device_name=None))
    book_sarah(desk, 1)
    restarted = start(desk.services.config, team.calendars)
    try:
        team_database = restarted.services.db.dialect == "postgresql"
        taken_by_desk = connection(restarted, team.sarah).owner_device == desk.id
        assert taken_by_desk is not team_database  # a team's desk takes only what its keychain holds
        if not team_database:
            return  # SQLite: one computer's file, so every connection is this computer's
        assert connection(restarted, team.jo).owner_device == desk.id
        assert run(restarted.engine.drain()).handed == 1
        assert [waiting_text(w) for w in restarted.status().waiting_elsewhere] == [
            "1 change waits for the computer that connected it"]
        back = start(laptop.services.config, team.calendars)
        try:
            assert connection(back, team.sarah).owner_device == laptop.id
            assert run(back.engine.drain()).synced == 1
        finally:
            back.services.close()
    finally:
        restarted.services.close()


def test_no_secret_ever_enters_the_shared_database(team: Team) -> None:
    laptop, desk = team.sarahs_laptop, team.front_desk
    book_sarah(desk, 2)
    run(desk.engine.drain())
    run(desk.connections().reconnect(team.sarah, "sarah-app-password-2", take_over=True))
    run(desk.engine.drain())
    run(laptop.importer.import_all())
    secrets = ("sarah-app-password-1", "sarah-app-password-2", "jo-app-password-1")
    assert desk.services.secrets.get(connection(desk, team.sarah).secret_key, "password") == secrets[1]

    db = desk.services.db
    with db.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            for row in c.execute(select(table)):
                text = " ".join(str(value) for value in row)
                assert not any(secret in text for secret in secrets), f"a secret in table {table.name}"
    if db.dialect == "sqlite":  # and not in the file's bytes either (free pages, the write-ahead log)
        shared = desk.services.config.database_path
        for path in (shared, shared.with_name(shared.name + "-wal")):
            raw = path.read_bytes() if path.exists() else b""
            assert not any(secret.encode() in raw for secret in secrets), f"a secret in {path.name}"
