"""Migration 0005 on a database that holds bookings: staff and services already there stay active and
offered, and nothing they point to is touched (a batch copy of ``service`` would be refused while
bookings reference it, with foreign keys on)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from bizcal_desktop.store.database import MIGRATIONS_DIR, Database


def upgrade_to(db: Database, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_existing_staff_and_services_stay_active_and_offered(tmp_path: Path) -> None:
    db = Database(tmp_path / "bizcal.sqlite3")
    upgrade_to(db, "0004")
    with db.engine.begin() as c:
        c.exec_driver_sql("INSERT INTO staff (id, name, timezone, created_at) VALUES (1, 'Mark', 'Europe/Berlin', "
                          "'2026-01-01 00:00:00')")
        c.exec_driver_sql("INSERT INTO service (id, name, duration_minutes, buffer_before_minutes, "
                          "buffer_after_minutes) VALUES (1, 'Massage', 60, 0, 15)")
        c.exec_driver_sql(
            "INSERT INTO booking (id, public_id, customer_name, service_id, staff_id, start_utc, end_utc, timezone, "
            "status, version, created_at, updated_at) VALUES (1, 'p1', 'Emma', 1, 1, '2026-12-01 09:00:00', "
            "'2026-12-01 10:00:00', 'Europe/Berlin', 'confirmed', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    upgrade_to(db, "0005")
    with db.engine.connect() as c:
        assert c.exec_driver_sql("SELECT name, archived_at FROM staff").one() == ("Mark", None)
        assert c.exec_driver_sql(
            "SELECT name, buffer_after_minutes, offered, archived_at FROM service").one() == ("Massage", 15, 1, None)
        assert c.exec_driver_sql("SELECT customer_name, service_id FROM booking").one() == ("Emma", 1)
    db.dispose()
