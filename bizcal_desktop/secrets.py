"""The only module that touches the OS keychain.

Secrets (CalDAV app-passwords, OAuth token sets, MSAL caches) are stored under one keychain service
per installation, keyed by the connection's ``secret_key`` (a random UUID kept on the connection row)
and a name. The database never holds a secret, and neither does a log line: see :mod:`bizcal_desktop.redaction`.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from bizcal_desktop.errors import BizCalError

log = logging.getLogger(__name__)


class KeychainError(BizCalError):
    """The OS keychain refused or is unavailable."""


class SecretStore:
    """Get, set and delete named secrets of a connection in the OS keychain."""

    def __init__(self, service: str) -> None:
        self._service = service

    def _account(self, secret_key: str, name: str) -> str:
        return f"{secret_key}:{name}"

    def set(self, secret_key: str, name: str, value: str) -> None:
        try:
            keyring.set_password(self._service, self._account(secret_key, name), value)
        except keyring.errors.KeyringError as exc:
            raise KeychainError(
                f"Could not save the secret in the system keychain ({exc.__class__.__name__}). "
                "Unlock your keychain and try again."
            ) from exc

    def get(self, secret_key: str, name: str) -> str | None:
        try:
            return keyring.get_password(self._service, self._account(secret_key, name))
        except keyring.errors.KeyringError as exc:
            raise KeychainError(
                f"Could not read the secret from the system keychain ({exc.__class__.__name__}). "
                "Unlock your keychain and try again."
            ) from exc

    def delete(self, secret_key: str, name: str) -> None:
        """Delete a secret; a secret that is already gone is not an error."""
        try:
            keyring.delete_password(self._service, self._account(secret_key, name))
        except keyring.errors.PasswordDeleteError:
            log.debug("secret %s of %s was already absent", name, secret_key)
        except keyring.errors.KeyringError as exc:
            raise KeychainError(
                f"Could not delete the secret from the system keychain ({exc.__class__.__name__})."
            ) from exc

    def delete_all(self, secret_key: str, names: tuple[str, ...]) -> None:
        for name in names:
            self.delete(secret_key, name)
