"""Upgrading keeps an existing install's events as they are (Full); a new install starts at Service only."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from bizcal_desktop.store.database import MIGRATIONS_DIR, Database, open_database
from bizcal_desktop.store.settings import SettingsStore

PRIVACY_REVISION = "0008"


def at_revision_before_privacy(path: Path) -> Database:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    previous = ScriptDirectory.from_config(cfg).get_revision(PRIVACY_REVISION).down_revision
    db = Database(path)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, str(previous))
    return db


def test_a_new_install_shows_the_service_only(tmp_path: Path) -> None:
    db = open_database(tmp_path / "bizcal.sqlite3")
    assert SettingsStore(db).get().event_privacy == "service"


def test_an_install_with_bookings_keeps_full_and_its_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "bizcal.sqlite3"
    db = at_revision_before_privacy(path)
    with db.engine.begin() as c:
        c.exec_driver_sql("INSERT INTO staff (name, timezone, created_at) VALUES ('Mark', 'Europe/Berlin', "
                          "'2026-01-01 00:00:00')")
        c.exec_driver_sql("INSERT INTO service (name, duration_minutes, buffer_before_minutes, "
                          "buffer_after_minutes) VALUES ('Massage', 60, 0, 0)")
        c.exec_driver_sql(
            "INSERT INTO booking (public_id, customer_name, service_id, staff_id, start_utc, end_utc, timezone, "
            "status, version, created_at, updated_at) VALUES ('" + "a" * 32 + "', 'Emma', 1, 1, "
            "'2027-01-01 10:00:00', '2027-01-01 11:00:00', 'Europe/Berlin', 'confirmed', 1, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        c.exec_driver_sql("INSERT INTO setting (key, value_json) VALUES ('business', ?)",
                          (json.dumps({"timezone": "Europe/Berlin", "slot_step_minutes": 30}),))
    db.dispose()

    upgraded = open_database(path)
    settings = SettingsStore(upgraded).get()
    assert settings.event_privacy == "full"
    assert (settings.timezone, settings.slot_step_minutes) == ("Europe/Berlin", 30)


def test_an_empty_older_install_is_treated_as_new(tmp_path: Path) -> None:
    path = tmp_path / "bizcal.sqlite3"
    at_revision_before_privacy(path).dispose()
    assert SettingsStore(open_database(path)).get().event_privacy == "service"
