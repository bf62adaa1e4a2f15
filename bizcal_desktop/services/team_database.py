"""Which database this device uses: the SQLite file in the data folder, or the team's PostgreSQL.

Why it is a service: the choice is made once and read at every start, by the tray and the CLI alike,
and Settings' *Team database* page changes it. Order: ``--database-url`` / ``BIZCAL_DATABASE_URL``
(used exactly as given, never written anywhere), else the URL saved here, else SQLite. A saved URL is
kept *without* its password in ``team-database.json`` in the data folder; the password goes to the
keychain like every other secret, so neither the file nor the database ever holds it. A change takes
effect at the next start: the running app keeps the database it opened.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bizcal_desktop.config import Config
from bizcal_desktop.errors import StorageError, UserInputError
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.store import postgres
from bizcal_desktop.store.database import Database

log = logging.getLogger(__name__)

SETTINGS_FILE = "team-database.json"
#: The keychain entry of the saved URL's password (not a connection's: no connection has this key).
SECRET_KEY, SECRET_NAME = "team-database", "password"


@dataclass(frozen=True)
class DatabaseChoice:
    """What this device uses, in words a person reads; never a password."""

    kind: str  #: "sqlite" or "postgresql"
    where: str  #: the file, or ``user@host:port/name``
    source: str  #: "default", "settings" or "environment" (a flag or BIZCAL_DATABASE_URL)
    saved_url: str | None = None  #: the URL saved in Settings, without password
    has_password: bool = False


@dataclass(frozen=True)
class DatabaseCheck:
    ok: bool
    message: str


class TeamDatabaseService:
    def __init__(self, config: Config, secrets: SecretStore) -> None:
        self._config = config
        self._secrets = secrets
        self._file = config.data_dir / SETTINGS_FILE

    def saved_url(self) -> str | None:
        """The URL saved in Settings, without its password; None when none is saved."""
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StorageError(f"BizCal cannot read {self._file} ({exc}); fix or delete the file.") from exc
        url = data.get("url") if isinstance(data, dict) else None
        return str(url) if url else None

    def resolve(self) -> str | None:
        """The URL to open now (with the keychain's password), or None for the SQLite file."""
        if self._config.database_url:
            return self._config.database_url
        saved = self.saved_url()
        if saved is None:
            return None
        password = self._secrets.get(SECRET_KEY, SECRET_NAME)
        return postgres.normalised(saved, password).render_as_string(hide_password=False)

    def choice(self) -> DatabaseChoice:
        saved = self.saved_url()
        has_password = bool(saved) and self._secrets.get(SECRET_KEY, SECRET_NAME) is not None
        if self._config.database_url:
            url = self._config.database_url
            if postgres.is_postgres(url):
                return DatabaseChoice("postgresql", postgres.display_url(postgres.normalised(url)), "environment",
                                      saved, has_password)
        if saved:
            return DatabaseChoice("postgresql", postgres.display_url(saved), "settings", saved, has_password)
        return DatabaseChoice("sqlite", str(self._config.database_path), "default")

    def save(self, url: str, password: str | None) -> DatabaseChoice:
        """Use the team database at ``url`` from the next start; a password in the URL goes to the keychain."""
        url = url.strip()
        if not postgres.is_postgres(url):
            raise UserInputError("Enter a PostgreSQL URL, such as postgresql://sarah@db.example.com/salon.")
        bare, in_url = postgres.without_password(url)
        secret = password or in_url
        if secret:
            self._secrets.set(SECRET_KEY, SECRET_NAME, secret)
        self._write({"url": bare})
        return self.choice()

    def forget(self) -> DatabaseChoice:
        """Go back to this computer's own SQLite file from the next start (the team database is kept)."""
        self._file.unlink(missing_ok=True)
        self._secrets.delete(SECRET_KEY, SECRET_NAME)
        return self.choice()

    def test(self, url: str, password: str | None = None) -> DatabaseCheck:
        """Connect to ``url`` once and say what BizCal would find there; changes nothing."""
        url = url.strip()
        if not postgres.is_postgres(url):
            return DatabaseCheck(False, "Enter a PostgreSQL URL, such as postgresql://sarah@db.example.com/salon.")
        full = postgres.normalised(url, password or self._keychain_password_for(url))
        db = Database(self._config.database_path, url=full.render_as_string(hide_password=False))
        try:
            schema = db.schema()
        except StorageError as exc:
            return DatabaseCheck(False, str(exc))
        finally:
            db.dispose()
        where = postgres.display_url(full)
        if schema.state == "newer":
            return DatabaseCheck(False, f"Connected to {where}, but it was upgraded by a newer BizCal: update "
                                        "BizCal on this computer before using it.")
        said = {"current": "BizCal's tables are there and up to date",
                "empty": "it is empty: BizCal creates its tables when it starts",
                "behind": "BizCal upgrades its tables when it starts"}[schema.state]
        return DatabaseCheck(True, f"Connected to {where}: {said}.")

    def _keychain_password_for(self, url: str) -> str | None:
        """The saved password, when ``url`` is the saved URL (the form shows no password it holds)."""
        saved = self.saved_url()
        if saved and postgres.without_password(url)[0] == saved:
            return self._secrets.get(SECRET_KEY, SECRET_NAME)
        return None

    def _write(self, data: dict[str, str]) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(f"{self._file}.tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self._file)
