"""The alembic migrations build exactly the schema the models describe, and upgrades are repeatable."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bizcal_desktop.store.database import open_database
from bizcal_desktop.store.models import Base


def test_migrated_schema_matches_models(tmp_path: Path) -> None:
    db = open_database(tmp_path / "bizcal.sqlite3")
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"staff", "service", "booking", "calendar_connection", "calendar_event_mapping",
            "calendar_sync_log", "outbox_job", "busy_block", "setting", "alembic_version"} <= tables


def test_upgrade_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "bizcal.sqlite3"
    db = open_database(path)
    with db.engine.begin() as c:
        c.exec_driver_sql("INSERT INTO staff (name, timezone, created_at) VALUES ('Mark', 'Europe/Berlin', "
                          "'2026-01-01 00:00:00')")
    db.dispose()
    again = open_database(path)
    with again.engine.connect() as c:
        assert c.exec_driver_sql("SELECT name FROM staff").scalar() == "Mark"
