"""Migration 0007: connections gain ``paused`` / ``default_when_off``, and stored URLs lose their login.

A database is built at revision 0004 with the rows a connection saved before the URL-login fix left
behind (``https://user:password@host/...`` in the server URL, the calendar URL, the event URLs, a
busy block's source and an error text), then upgraded the way the app upgrades on start — through
every later revision with bookings, connections and mappings in place, which is also what catches a
migration that would copy and drop a table other rows point at (0005 did, with foreign keys on).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from bizcal_desktop.store.database import MIGRATIONS_DIR, Database

SECRET = "s3cret:pw"
SERVER = "https://mark%40example.com:s3cret%3Apw@dav.example.com/"
CALENDAR = "https://mark@example.com:p@ss@dav.example.com/calendars/mark/work/"  # unencoded, as pasted
EVENT = "https://mark:s3cret@dav.example.com:8443/calendars/mark/work/abc.ics?x=1#top"


def upgrade_to(db: Database, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def seed(db: Database) -> None:
    with db.engine.begin() as c:
        c.exec_driver_sql("INSERT INTO staff (id, name, timezone, created_at) VALUES (1, 'Mark', 'Europe/Berlin', "
                          "'2026-01-01 00:00:00')")
        c.exec_driver_sql("INSERT INTO service (id, name, duration_minutes, buffer_before_minutes, "
                          "buffer_after_minutes) VALUES (1, 'Massage', 60, 0, 0)")
        c.exec_driver_sql(
            "INSERT INTO booking (id, public_id, customer_name, service_id, staff_id, start_utc, end_utc, timezone, "
            "status, version, created_at, updated_at) VALUES (1, 'p1', 'Emma', 1, 1, '2026-12-01 09:00:00', "
            "'2026-12-01 10:00:00', 'Europe/Berlin', 'confirmed', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        c.exec_driver_sql(
            "INSERT INTO calendar_connection (id, staff_id, provider, display_name, server_url, username, "
            "calendar_id, calendar_href, is_default, active, status, import_busy, secret_key, created_at, last_error) "
            "VALUES (1, 1, 'caldav', 'Work', ?, 'mark@example.com', ?, ?, 1, 1, 'active', 1, 'k', "
            "'2026-01-01 00:00:00', ?)",
            (SERVER, CALENDAR, CALENDAR, f"Could not reach {EVENT} (timeout); mail me@example.com"))
        c.exec_driver_sql(
            "INSERT INTO calendar_connection (id, staff_id, provider, display_name, calendar_id, is_default, active, "
            "status, import_busy, secret_key, created_at) VALUES (2, 1, 'google', 'Google', 'mark@example.com', 0, "
            "1, 'active', 1, 'g', '2026-01-01 00:00:00')")
        c.exec_driver_sql(
            "INSERT INTO calendar_event_mapping (id, booking_id, connection_id, external_id, href, state, deleted, "
            "attempts, updated_at) VALUES (1, 1, 1, 'uid', ?, 'synced', 0, 1, '2026-01-01 00:00:00')", (EVENT,))
        c.exec_driver_sql(
            "INSERT INTO busy_block (connection_id, source_key, start_utc, end_utc, all_day, imported_at) "
            "VALUES (1, ?, '2026-12-01 08:00:00', '2026-12-01 09:00:00', 0, '2026-01-01 00:00:00')", (EVENT,))
        c.exec_driver_sql(
            "INSERT INTO calendar_sync_log (at, actor, action, connection_id, outcome, message) VALUES "
            "('2026-01-01 00:00:00', 'engine', 'create', 1, 'failure', ?)", (f"PUT {EVENT} answered 500",))


def test_upgrade_takes_the_login_out_of_every_stored_url(tmp_path: Path) -> None:
    db = Database(tmp_path / "bizcal.sqlite3")
    upgrade_to(db, "0004")
    seed(db)

    upgrade_to(db, "head")

    with db.engine.connect() as c:
        connection = c.exec_driver_sql(
            "SELECT server_url, calendar_id, calendar_href, username, last_error, paused, default_when_off "
            "FROM calendar_connection WHERE id = 1").one()
        assert connection == (
            "https://dav.example.com/",
            "https://dav.example.com/calendars/mark/work/",
            "https://dav.example.com/calendars/mark/work/",
            "mark@example.com",
            ("Could not reach https://dav.example.com:8443/calendars/mark/work/abc.ics?x=1#top (timeout); "
             "mail me@example.com"),
            0, 0,
        )
        assert c.exec_driver_sql("SELECT calendar_id FROM calendar_connection WHERE id = 2").scalar() == \
            "mark@example.com"  # a Google calendar id is an address, not a URL: untouched
        clean_event = "https://dav.example.com:8443/calendars/mark/work/abc.ics?x=1#top"
        assert c.exec_driver_sql("SELECT href FROM calendar_event_mapping").scalar() == clean_event
        assert c.exec_driver_sql("SELECT source_key FROM busy_block").scalar() == clean_event
        assert c.exec_driver_sql("SELECT message FROM calendar_sync_log").scalar() == f"PUT {clean_event} answered 500"
    db.dispose()


def test_the_url_rules_alone() -> None:
    migration = importlib.import_module("bizcal_desktop.store.migrations.versions.0007_connection_pause")
    assert migration.without_login(SERVER) == "https://dav.example.com/"
    assert migration.without_login(CALENDAR) == "https://dav.example.com/calendars/mark/work/"
    assert migration.without_login("https://dav.example.com/a@b/") == "https://dav.example.com/a@b/"
    assert migration.without_login("mark@example.com") == "mark@example.com"
    assert migration.without_logins_in_text("see http://u:p@h/x and https://h/y@z") == "see http://h/x and https://h/y@z"
