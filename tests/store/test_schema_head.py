"""The cheap "schema is current" check agrees with alembic, and says "don't know" whenever it is unsure."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bizcal_desktop.store.database import MIGRATIONS_DIR, Database, open_database
from bizcal_desktop.store.schema_head import current_if_at_head, known_heads


def _alembic_heads() -> tuple[str, ...]:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert known_heads() == _alembic_heads()


def test_a_new_database_is_not_current_and_an_upgraded_one_is(tmp_path: Path) -> None:
    fresh = Database(tmp_path / "new.sqlite3")
    try:
        assert current_if_at_head(fresh.engine) is None  # no version table: alembic's path creates it
    finally:
        fresh.dispose()
    db = open_database(tmp_path / "new.sqlite3")
    try:
        assert current_if_at_head(db.engine) == _alembic_heads()
        assert db.upgrade().state == "current"
    finally:
        db.dispose()


def test_an_older_schema_still_takes_the_upgrade(tmp_path: Path) -> None:
    db = open_database(tmp_path / "old.sqlite3")
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        assert current_if_at_head(db.engine) is None
    finally:
        db.dispose()


def test_migrations_it_cannot_read_simply_mean_dont_know(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n', encoding="utf-8")
    (tmp_path / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n', encoding="utf-8")
    assert known_heads(tmp_path) == ("0002",)
    (tmp_path / "0003_merge.py").write_text('revision = "0003"\ndown_revision = ("0001", "0002")\n',
                                            encoding="utf-8")
    assert known_heads(tmp_path) is None
    (tmp_path / "0003_merge.py").write_text('revision = "0003"\ndown_revision = "0001"\n', encoding="utf-8")
    assert known_heads(tmp_path) is None  # two heads: let alembic decide
