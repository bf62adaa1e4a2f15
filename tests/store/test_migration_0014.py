"""Migration 0014 keeps the audit trail append-only both ways.

Its upgrade adds a column in place; its downgrade must drop it in place too: a rebuilt table (what
alembic's batch mode does on SQLite) loses the triggers 0009 put on it, and the trail would quietly
accept edits and deletions after a downgrade.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.exc import DatabaseError

from bizcal_desktop.store.database import MIGRATIONS_DIR, Database


def triggers(db: Database) -> set[str]:
    with db.engine.connect() as c:
        return {name for (name,) in c.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")}


def migrate(db: Database, step: object, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        step(cfg, revision)  # type: ignore[operator]


def test_the_downgrade_keeps_the_append_only_triggers(tmp_path: Path) -> None:
    db = Database(tmp_path / "bizcal.sqlite3")
    try:
        migrate(db, command.upgrade, "head")
        before = triggers(db)
        assert {"audit_event_no_update", "audit_event_no_delete"} <= before
        migrate(db, command.downgrade, "0013")
        assert triggers(db) == before
        with db.engine.begin() as c:
            columns = {row[1] for row in c.exec_driver_sql("PRAGMA table_info(audit_event)")}
            assert "staff_member_name" not in columns
            c.exec_driver_sql("INSERT INTO audit_event (at, os_user, device, door, kind, action, subject, "
                              "summary) VALUES ('2026-12-01 09:00:00', 'u', 'd', 'cli', 'setting', 'update', 's', 'x')")
        with pytest.raises(DatabaseError), db.engine.begin() as c:
            c.exec_driver_sql("DELETE FROM audit_event")
    finally:
        db.engine.dispose()
