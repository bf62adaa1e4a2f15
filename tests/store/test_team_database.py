"""The same schema on SQLite and on a team's PostgreSQL, and an older app refusing a newer schema.

Every migration runs on both engines (each was written for SQLite's batch mode first), the result
matches the models on both, data written before a migration survives it on both, and a database
whose alembic revision this app does not know is refused with a sentence before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import text

from bizcal_desktop.errors import StorageError
from bizcal_desktop.store.database import MIGRATIONS_DIR, Database, open_database
from bizcal_desktop.store.models import Base


def _db(url: str, tmp_path: Path) -> Database:
    return Database(tmp_path / "bizcal.sqlite3", url=url)


def _upgrade_to(db: Database, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_migrations_build_the_models_schema(database_url: str, tmp_path: Path) -> None:
    db = open_database(tmp_path / "bizcal.sqlite3", database_url)
    try:
        assert db.dialect == ("postgresql" if database_url.startswith("postgresql") else "sqlite")
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], f"models and migrations disagree on {db.dialect}: {diff}"
        assert db.schema().state == "current"
    finally:
        db.dispose()


def test_data_written_before_the_migrations_survives_them(database_url: str, tmp_path: Path) -> None:
    db = _db(database_url, tmp_path)
    try:
        _upgrade_to(db, "0004")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO staff (id, name, timezone, created_at) VALUES "
                           "(1, 'Mark', 'Europe/Berlin', '2026-01-01 00:00:00')"))
            c.execute(text("INSERT INTO service (id, name, duration_minutes, buffer_before_minutes, "
                           "buffer_after_minutes) VALUES (1, 'Massage', 60, 0, 15)"))
            c.execute(text("INSERT INTO calendar_connection (id, staff_id, provider, display_name, server_url, "
                           "is_default, active, status, import_busy, secret_key, created_at) VALUES (1, 1, 'caldav', "
                           "'Work', 'https://mark:s3cret@dav.example/', true, true, 'active', true, 'k', "
                           "'2026-01-01 00:00:00')"))
        assert db.upgrade().current == ("0004",)
        with db.engine.connect() as c:
            offered, paused, url = c.execute(text(
                "SELECT s.offered, c.paused, c.server_url FROM service s, calendar_connection c")).one()
            business = c.execute(text("SELECT value_json FROM setting WHERE key = 'business'")).scalar()
        assert (bool(offered), bool(paused), url) == (True, False, "https://dav.example/")
        assert '"event_privacy": "full"' in business
    finally:
        db.dispose()


def test_an_older_app_refuses_a_schema_a_newer_one_wrote(database_url: str, tmp_path: Path) -> None:
    db = open_database(tmp_path / "bizcal.sqlite3", database_url)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0042_from_the_future'"))
        c.execute(text("INSERT INTO staff (name, timezone, created_at) VALUES ('Ana', 'UTC', '2026-01-01 00:00:00')"))
    db.dispose()
    with pytest.raises(StorageError) as refused:
        open_database(tmp_path / "bizcal.sqlite3", database_url)
    assert "upgraded by a newer BizCal (schema 0042_from_the_future" in str(refused.value)
    assert "update BizCal on this computer" in str(refused.value)
    again = _db(database_url, tmp_path)
    try:
        assert again.schema().state == "newer"
        with again.engine.connect() as c:  # nothing was touched
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0042_from_the_future"
    finally:
        again.dispose()


def test_an_unreachable_team_database_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as failed:
        open_database(tmp_path / "x.sqlite3", "postgresql://bizcal:hunter2@127.0.0.1:1/team")
    assert "cannot reach its team database bizcal@127.0.0.1:1/team" in str(failed.value)
    assert "hunter2" not in str(failed.value)
