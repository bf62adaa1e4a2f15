"""The database: engine, sessions (unit of work) and schema upgrades through alembic.

SQLite in WAL mode with a busy timeout, because the sync engine writes from worker threads while
the UI reads; every upgrade goes through alembic so a later release can migrate a user's file.

A file that cannot be written (read-only, disk full, failing disk, held by another program) becomes a
:class:`~bizcal_desktop.errors.StorageError` here, the one place that knows it is a file: one sentence
that says what to do, never the SQL statement with a customer's name in its parameters.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from bizcal_desktop.errors import StorageError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _read_only_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < 256 * 1024
    except OSError:
        return False


def storage_error(exc: DatabaseError, path: Path) -> StorageError:
    """One sentence for a database failure, by what SQLite said (the statement is left out)."""
    said = str(getattr(exc, "orig", exc)).lower()
    if "disk i/o" in said and _nearly_full(path.parent):
        said = "database or disk is full"
    if "readonly" in said or "read-only" in said:
        return StorageError(
            f"BizCal cannot save changes: its database {path} is read-only. Make the file and its "
            "folder writable for your user, then try again; nothing was changed."
        )
    if "full" in said:
        return StorageError(
            f"BizCal cannot save changes: the disk holding {path.parent} is full. Free some space, "
            "then try again; nothing was changed."
        )
    if "disk i/o" in said:
        return StorageError(
            f"BizCal could not read or write its database {path} (the disk reported an error: it may "
            "be full, removed or failing). Free some space or check the disk, then try again."
        )
    if "locked" in said or "busy" in said:
        return StorageError(
            "Another program is holding BizCal's database; wait a moment and try again."
        )
    if "unable to open" in said:
        return StorageError(
            f"BizCal cannot open its database in {path.parent}: check that the folder exists and that "
            "your user may read and write it."
        )
    log.warning("unexpected database failure: %s", exc.__class__.__name__)
    return StorageError(
        f"BizCal could not use its database {path}; nothing was changed. Try again, and if it keeps "
        "happening, the log file in the data folder says more."
    )


class Database:
    """Owns the engine; hands out sessions whose commit is all-or-nothing."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.read_only = read_only
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"BizCal cannot create its data folder {path.parent} ({exc.strerror or exc}); choose a "
                "folder you may write to with --data-dir or BIZCAL_HOME."
            ) from exc
        self.path = path
        if read_only:
            # A folder nobody may write to cannot hold WAL's shared-memory file: read the file as
            # it is (``immutable``), so listings keep working while every write is refused.
            url = f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"
        else:
            url = f"sqlite:///{path}"
        self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(self.engine, "connect", _read_only_pragmas if read_only else _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (creates it on first run)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
        except DatabaseError as exc:
            log.warning("opening the database failed: %s", exc.__class__.__name__)
            raise storage_error(exc, self.path) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DatabaseError as exc:
            session.rollback()
            log.warning("database failure: %s", str(getattr(exc, "orig", exc)))
            raise storage_error(exc, self.path) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


    def is_current(self) -> bool:
        """Whether the schema is at the newest revision this version of BizCal knows."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        try:
            with self.engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except DatabaseError as exc:
            raise storage_error(exc, self.path) from exc
        return current == heads


def open_database(path: Path) -> Database:
    """The database at ``path``, upgraded; read-only (reads work, writes explain) in a read-only folder."""
    db = Database(path)
    try:
        db.upgrade()
        return db
    except StorageError:
        db.dispose()
        if not path.exists() or os.access(path.parent, os.W_OK):
            raise
    log.warning("the data folder %s is read-only; opening the database for reading only", path.parent)
    read_only = Database(path, read_only=True)
    if not read_only.is_current():
        read_only.dispose()
        raise StorageError(
            f"BizCal's database {path} needs an upgrade, but its folder is read-only. Make the folder "
            "writable for your user and start BizCal again."
        )
    return read_only
