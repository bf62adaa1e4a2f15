"""What the sync engine, the importer, the token guardian and the connect flow need from the factory.

Why a Protocol here and the factory elsewhere: building the provider of a saved connection means
reading its secret from the keychain, and providers never touch the keychain. So the one factory
lives in the composition layer (``bizcal_desktop.provider_factory``) and is handed in by the wiring;
the layers below type against this small interface and never import it, which also lets a test hand
in a factory that builds in-memory providers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bizcal_desktop.domain.connection import ConnectionInfo
from bizcal_desktop.providers.base import CalendarProvider


class ProviderSource(Protocol):
    """Builds the :class:`CalendarProvider` for a connection, saved or still being set up."""

    def build(self, info: ConnectionInfo) -> CalendarProvider:
        """The provider of a saved connection, its secret read from the keychain.

        A renewed secret (rotated OAuth token, changed MSAL cache) is written back at once. Blocking
        (keychain): call it in a worker thread. Raises ``AuthError`` when the secret is missing (the
        user must reconnect) and ``ConfigurationError`` for a provider this version does not know or
        a CalDAV connection without a calendar URL.
        """
        ...

    def build_unsaved(
        self, info: ConnectionInfo, secret: str, keep: Callable[[str], None]
    ) -> CalendarProvider:
        """The provider of a connection being set up: nothing is saved, nothing is read.

        ``secret`` (password, token, MSAL cache) is held in memory by the connect flow and a renewed
        one is handed to ``keep``; ``info.id`` is 0 and the calendar fields may still be empty (the
        calendar is chosen after listing them). Raises ``ConfigurationError`` for an unknown provider.
        """
        ...

    def secret_name(self, provider: str) -> str | None:
        """The keychain entry that holds a connection's secret (``"password"``, ``"oauth_token"``…).

        The connect flow saves the secret under it and disconnect deletes it; None for a provider
        this version does not know (there is then nothing of ours to delete).
        """
        ...
