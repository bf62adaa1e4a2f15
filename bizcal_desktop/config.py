"""Configuration from one place: where data lives and which endpoints providers talk to.

Endpoints are overridable by environment variables so tests (and enterprise tenants) can point the
same production code path at other servers; nothing else differs between tests and production.

The OAuth clients (Google's client JSON, Microsoft's application id) come from the environment, or
else from the ``oauth/`` folder a packaged build carries: the packager sets the same two variables
when building (``packaging/README.md``), and the build copies what they name into the bundle.
Nothing of the kind is committed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import platformdirs

from bizcal_desktop.device import Device, load_device

APP_NAME = "BizCalDesktop"
APP_AUTHOR = "BizCal"


def bundled_oauth_file(name: str) -> Path | None:
    """``oauth/<name>`` inside a packaged build (PyInstaller's ``sys._MEIPASS``), if it is there."""
    root = getattr(sys, "_MEIPASS", None)
    if not root:
        return None
    path = Path(root) / "oauth" / name
    return path if path.is_file() else None


def default_data_dir() -> Path:
    """The per-user data folder (``BIZCAL_HOME`` wins over the platform default)."""
    env = os.environ.get("BIZCAL_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


@dataclass(frozen=True)
class GoogleEndpoints:
    """Google OAuth and Calendar API locations (tests point them at a loopback fake)."""

    client_file: str | None = None
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    api_base: str = "https://www.googleapis.com/calendar/v3"

    @classmethod
    def from_env(cls) -> GoogleEndpoints:
        d = cls()
        bundled = bundled_oauth_file("google-client.json")
        return cls(
            client_file=os.environ.get("BIZCAL_GOOGLE_CLIENT_FILE") or (str(bundled) if bundled else None),
            auth_uri=os.environ.get("BIZCAL_GOOGLE_AUTH_URI") or d.auth_uri,
            token_uri=os.environ.get("BIZCAL_GOOGLE_TOKEN_URI") or d.token_uri,
            revoke_uri=os.environ.get("BIZCAL_GOOGLE_REVOKE_URI") or d.revoke_uri,
            api_base=(os.environ.get("BIZCAL_GOOGLE_API_BASE") or d.api_base).rstrip("/"),
        )


@dataclass(frozen=True)
class MicrosoftEndpoints:
    """Microsoft identity platform and Graph locations (tests point them at a loopback HTTPS fake).

    ``ca_bundle`` is a PEM file of extra certificate authorities to trust for both (an enterprise's
    TLS-inspecting proxy, or the test fake's throw-away certificate); None trusts the system's.
    """

    client_id: str | None = None
    authority: str = "https://login.microsoftonline.com/common"
    graph_base: str = "https://graph.microsoft.com/v1.0"
    ca_bundle: str | None = None

    @classmethod
    def from_env(cls) -> MicrosoftEndpoints:
        d = cls()
        bundled = bundled_oauth_file("microsoft-client-id.txt")
        bundled_id = bundled.read_text(encoding="utf-8").strip() if bundled else ""
        return cls(
            client_id=os.environ.get("BIZCAL_MS_CLIENT_ID") or bundled_id or d.client_id,
            authority=(os.environ.get("BIZCAL_MS_AUTHORITY") or d.authority).rstrip("/"),
            graph_base=(os.environ.get("BIZCAL_MS_GRAPH_BASE") or d.graph_base).rstrip("/"),
            ca_bundle=os.environ.get("BIZCAL_MS_CA_BUNDLE") or d.ca_bundle,
        )


@dataclass(frozen=True)
class Config:
    """Everything the services need to be built; made once in ``app.py`` / ``cli.py``."""

    data_dir: Path
    google: GoogleEndpoints = field(default_factory=GoogleEndpoints)
    microsoft: MicrosoftEndpoints = field(default_factory=MicrosoftEndpoints)
    #: Keychain service name under which every secret of this installation is stored.
    keyring_service: str = "bizcal-desktop"
    #: How many provider calls the sync engine runs at once (CalDAV servers like <= 4).
    sync_concurrency: int = 4
    #: How many times a transient failure is retried inside one job before the mapping fails.
    max_attempts: int = 5
    #: First backoff delay in seconds; doubled per attempt, with jitter, capped at ``backoff_cap``.
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Network timeout for one provider request, in seconds.
    request_timeout: float = 20.0
    #: How the tray app knows it is offline: "auto" (Qt's QNetworkInformation, else a probe of the
    #: configured servers), "qt", "probe", or "none" (never offline: every failure is retried later).
    network_monitor: str = "auto"

    #: The team database chosen for this run (``--database-url``, else ``BIZCAL_DATABASE_URL``), used as
    #: given, password and all, and never written anywhere; None = the one saved in Settings, or SQLite.
    database_url: str | None = field(default=None, repr=False)
    #: The staff member this run's changes are made as (``bizcal --as NAME`` or ``BIZCAL_PERSON``; the
    #: CLI only); None = this computer's saved answer on a team database (``services/person.py``).
    person: str | None = None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "bizcal.sqlite3"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "bizcal.log"

    @cached_property
    def device(self) -> Device:
        """This installation on a shared database: its id (``device.json``, made on first use) and name."""
        return load_device(self.data_dir)

    @classmethod
    def load(
        cls, data_dir: str | Path | None = None, database_url: str | None = None, person: str | None = None
    ) -> Config:
        """Build the configuration from the command line's ``--data-dir`` / ``--database-url`` / ``--as``
        and the environment."""
        folder = Path(data_dir).expanduser() if data_dir else default_data_dir()

        def env_float(name: str, default: float) -> float:
            raw = os.environ.get(name)
            return float(raw) if raw else default

        return cls(
            data_dir=folder,
            google=GoogleEndpoints.from_env(),
            microsoft=MicrosoftEndpoints.from_env(),
            keyring_service=os.environ.get("BIZCAL_KEYRING_SERVICE", "bizcal-desktop"),
            backoff_base=env_float("BIZCAL_BACKOFF_BASE", 0.5),
            backoff_cap=env_float("BIZCAL_BACKOFF_CAP", 30.0),
            request_timeout=env_float("BIZCAL_REQUEST_TIMEOUT", 20.0),
            max_attempts=int(env_float("BIZCAL_MAX_ATTEMPTS", 5)),
            database_url=database_url or os.environ.get("BIZCAL_DATABASE_URL") or None,
            network_monitor=os.environ.get("BIZCAL_NETWORK_MONITOR", "auto"),
            person=person or None,
        )
