"""The team database on PostgreSQL: its URL, its engine, and its failures as sentences.

Why a module of its own: SQLite is a file (read-only folders, full disks), PostgreSQL is a server
(unreachable, a refused login, a database that is not there). :mod:`.database` owns what both share
— sessions, alembic, the schema guard — and asks here for the server's side. The password is never
shown: every URL a person or a log sees goes through :func:`display_url`, and a URL given with a
password is used as it is but never written anywhere by BizCal (``services/team_database.py`` keeps a
saved one's password in the keychain).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError

from bizcal_desktop.errors import StorageError

log = logging.getLogger(__name__)

#: The driver BizCal speaks PostgreSQL with (psycopg 3).
DRIVER = "postgresql+psycopg"
#: One number all BizCal devices agree on: the advisory lock held while the schema is upgraded, so
#: two devices starting a new version at once do not migrate the same database twice.
MIGRATION_LOCK = 191_919


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).split(":", 1)[0].split("+", 1)[0] in {"postgresql", "postgres"}


def normalised(url: str, password: str | None = None) -> URL:
    """``url`` as SQLAlchemy's URL with BizCal's driver (a plain ``postgresql://`` or ``postgres://``
    URL as libpq and psql write it is accepted); ``password`` fills in one the URL lacks."""
    parsed = make_url(url.strip().replace("postgres://", "postgresql://", 1))
    parsed = parsed.set(drivername=DRIVER)
    if password and not parsed.password:
        parsed = parsed.set(password=password)
    return parsed


def without_password(url: str) -> tuple[str, str | None]:
    """``url`` with its password taken out, and that password (None when it had none)."""
    parsed = make_url(url.strip())
    password = parsed.password
    bare = parsed._replace(password=None)  # ``set(password=None)`` would keep it
    return bare.render_as_string(hide_password=False), (str(password) if password else None)


def display_url(url: str | URL) -> str:
    """Where the database is, for people and logs: ``user@host:port/name``, never the password."""
    parsed = make_url(url) if isinstance(url, str) else url
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{user}{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def create_postgres_engine(url: str | URL, connect_timeout: int = 10) -> Engine:
    """An engine for the team database; connections are checked before use (a laptop wakes with a
    pool of connections the server closed long ago)."""
    return create_engine(
        normalised(str(url) if isinstance(url, str) else url.render_as_string(hide_password=False)),
        pool_pre_ping=True,
        connect_args={"connect_timeout": connect_timeout, "application_name": "BizCal"},
    )


def lock_for_migration(connection: Connection) -> None:
    """Hold the schema lock until ``connection``'s transaction ends (other devices wait)."""
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")


def postgres_error(exc: DatabaseError, where: str) -> StorageError:
    """One sentence for a failure of the team database at ``where`` (the statement is left out)."""
    said = str(getattr(exc, "orig", exc)).lower()
    if "password authentication failed" in said or "no password supplied" in said:
        return StorageError(
            f"The team database {where} refused BizCal's login: enter the database password again in "
            "Settings → Team database (or ask whoever runs the database), then try again."
        )
    if "does not exist" in said and "database" in said:
        return StorageError(
            f"The team database {where} does not exist on that server: ask whoever runs it to create it, "
            "or check its name in Settings → Team database."
        )
    if "permission denied" in said:
        return StorageError(
            f"The team database {where} does not let this login change BizCal's tables: ask whoever runs "
            "it to grant the login ownership of the database."
        )
    if any(word in said for word in ("connection", "timeout", "timed out", "could not translate", "server closed")):
        return StorageError(
            f"BizCal cannot reach its team database {where}: check this computer's network and that the "
            "database server is running, then try again; nothing was changed."
        )
    log.warning("unexpected team database failure: %s", exc.__class__.__name__)
    return StorageError(
        f"BizCal could not use its team database {where}; nothing was changed. Try again, and if it "
        "keeps happening, the log file in the data folder says more."
    )
