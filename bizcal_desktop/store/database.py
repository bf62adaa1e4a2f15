"""The database: engine, sessions (unit of work) and schema upgrades through alembic.

SQLite in WAL mode with a busy timeout, because the sync engine writes from worker threads while
the UI reads; every upgrade goes through alembic so a later release can migrate a user's file.

A file that cannot be written (read-only, disk full, failing disk, held by another program) becomes a
:class:`~bizcal_desktop.errors.StorageError` here, the one place that knows it is a file: one sentence
that says what to do, never the SQL statement with a customer's name in its parameters.

A team shares one PostgreSQL database instead (issue 19): the same models and migrations, the
server's side in :mod:`.postgres`. Several devices with different app versions may then open one
database, so before any migration runs the *schema guard* compares the database's alembic revision
with the revisions this app knows: a revision it has never heard of was written by a newer BizCal,
and this one refuses to touch the database rather than write rows a newer schema does not expect.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from bizcal_desktop.device import Person
from bizcal_desktop.errors import SlotTakenError, StorageError
from bizcal_desktop.store import postgres
from bizcal_desktop.store.booking_slots import is_slot_taken
from bizcal_desktop.store.schema_head import current_if_at_head

if TYPE_CHECKING:  # alembic is imported only when a migration or a full schema check runs
    from alembic.script import ScriptDirectory

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


def _scripts() -> ScriptDirectory:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against the migrations this app carries."""

    current: tuple[str, ...]  #: the database's alembic revision(s); empty for a new database
    heads: tuple[str, ...]  #: the newest revision(s) this app knows
    unknown: tuple[str, ...]  #: revisions in the database this app has never heard of

    @property
    def state(self) -> str:
        """"newer" (written by a newer app), "current", "empty" or "behind" (an upgrade would run)."""
        if self.unknown:
            return "newer"
        if set(self.current) == set(self.heads):
            return "current"
        return "empty" if not self.current else "behind"


def read_schema(connection: Connection) -> SchemaState:
    from alembic.migration import MigrationContext

    scripts = _scripts()
    known = {script.revision for script in scripts.walk_revisions()}
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    return SchemaState(current, tuple(sorted(scripts.get_heads())), tuple(r for r in current if r not in known))


def refuse_newer(schema: SchemaState) -> None:
    """The schema guard: an older app never writes to a database a newer one has upgraded."""
    if schema.unknown:
        raise StorageError(
            f"This database was upgraded by a newer BizCal (schema {', '.join(schema.unknown)}; this BizCal "
            f"knows up to {', '.join(schema.heads)}): update BizCal on this computer, then start it again. "
            "Nothing was changed."
        )


class Database:
    """Owns the engine; hands out sessions whose commit is all-or-nothing.

    ``Database(path)`` is the SQLite file at ``path``; ``Database(path, url=...)`` with a PostgreSQL
    URL is the team database (``path`` then only names the data folder's file it replaces).
    """

    def __init__(self, path: Path, read_only: bool = False, *, url: str | None = None) -> None:
        self.read_only = read_only
        self.path = path
        #: "sqlite" or "postgresql": the outbox claims differently on each.
        self.dialect = "postgresql" if postgres.is_postgres(url) else "sqlite"
        if self.dialect == "postgresql":
            self.where = postgres.display_url(postgres.normalised(str(url)))
            self.engine: Engine = postgres.create_postgres_engine(str(url))
        else:
            self.where = str(path)
            self.engine = self._sqlite_engine(path, read_only)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Who this process's changes are made as (``services/person.py`` sets it at start and when it
        #: is changed); every session carries it in ``info["person"]`` for the audit trail.
        self.person: Person | None = None
        #: This computer's name for people ("Sarah's laptop", ``device.json``; wiring sets it, a rename
        #: follows): the audit trail's device, so a team can tell its computers apart. None: the host name.
        self.device_name: str | None = None

    @staticmethod
    def _sqlite_engine(path: Path, read_only: bool) -> Engine:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"BizCal cannot create its data folder {path.parent} ({exc.strerror or exc}); choose a "
                "folder you may write to with --data-dir or BIZCAL_HOME."
            ) from exc
        if read_only:
            # A folder nobody may write to cannot hold WAL's shared-memory file: read the file as
            # it is (``immutable``), so listings keep working while every write is refused.
            url = f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"
        else:
            url = f"sqlite:///{path}"
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _read_only_pragmas if read_only else _sqlite_pragmas)
        return engine

    def error(self, exc: DatabaseError) -> StorageError:
        """One sentence for ``exc``, in the words of this database's kind (a file or a server)."""
        if self.dialect == "postgresql":
            return postgres.postgres_error(exc, self.where)
        return storage_error(exc, self.path)

    def schema(self) -> SchemaState:
        """The schema's state, read without changing anything (``bizcal db status``)."""
        try:
            with self.engine.connect() as connection:
                return read_schema(connection)
        except DatabaseError as exc:
            raise self.error(exc) from exc

    def upgrade(self) -> SchemaState:
        """Bring the schema to the newest revision (creates it on first run); the state it was in.

        Refuses a schema a newer BizCal wrote. On PostgreSQL the upgrade holds an advisory lock, so a
        second device starting at the same moment waits and then finds nothing left to do.
        A database already at the newest revision is recognised with one SELECT (:mod:`.schema_head`).
        """
        current = current_if_at_head(self.engine)
        if current is not None:
            return SchemaState(current, current, ())
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    postgres.lock_for_migration(connection)
                before = read_schema(connection)
                refuse_newer(before)
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
                return before
        except DatabaseError as exc:
            log.warning("opening the database failed: %s", exc.__class__.__name__)
            raise self.error(exc) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        session = self._sessions()
        session.info["person"] = self.person
        session.info["device"] = self.device_name
        try:
            yield session
            session.commit()
        except DatabaseError as exc:
            session.rollback()
            if is_slot_taken(exc):  # a booking's time written outside ``booking_slots.guarded``
                raise SlotTakenError("That time was just taken: the staff member already has a booking then. "
                                     "Pick another time.") from None
            log.warning("database failure: %s", str(getattr(exc, "orig", exc)))
            raise self.error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def is_current(self) -> bool:
        """Whether the schema is at the newest revision this version of BizCal knows (refuses a newer one)."""
        schema = self.schema()
        refuse_newer(schema)
        return schema.state == "current"


def open_database(path: Path, url: str | None = None) -> Database:
    """The database at ``path`` (or the team database at a PostgreSQL ``url``), upgraded; a SQLite file
    in a read-only folder opens read-only (reads work, writes explain)."""
    if postgres.is_postgres(url):
        team = Database(path, url=url)
        try:
            team.upgrade()
        except BaseException:
            team.dispose()
            raise
        return team
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
