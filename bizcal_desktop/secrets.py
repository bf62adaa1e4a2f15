"""The only module that touches the OS keychain.

Secrets (CalDAV app-passwords, OAuth token sets, MSAL caches) are stored under one keychain service
per installation, keyed by the connection's ``secret_key`` (a random UUID kept on the connection row)
and a name. The database never holds a secret, and neither does a log line: see :mod:`bizcal_desktop.redaction`.

Not every keyring backend is a keychain. ``keyring`` silently falls back to whatever is installed:
``keyrings.alt``'s file backends (a plain or weakly encrypted file in the home folder), the ``null``
backend (forgets everything) or the ``fail`` backend (refuses everything). BizCal refuses those with
one sentence that says what to install, unless the user opts in with ``BIZCAL_ALLOW_INSECURE_KEYRING=1``.
The check is a deny-list (any other backend, a test's in-memory one included, is accepted) and runs
on first use, not at start-up, so commands that need no secret (``bizcal staff list``) work on a
machine without a keychain.
"""

from __future__ import annotations

import logging
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

from bizcal_desktop.errors import BizCalError

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)


class KeychainError(BizCalError):
    """The OS keychain refused or is unavailable."""


class InsecureKeychainError(KeychainError):
    """The only keyring backend available would not keep secrets safe (or cannot keep them at all)."""


#: Set to 1 to accept an insecure backend (a plaintext file keyring on a headless machine, say).
ALLOW_INSECURE_ENV = "BIZCAL_ALLOW_INSECURE_KEYRING"
#: Backends that cannot store anything: refused even with the opt-in.
_NO_KEYCHAIN = {"keyring.backends.fail.Keyring"}
#: Backends that store secrets unsafely or not at all: refused unless the user opts in.
_INSECURE = {"keyring.backends.null.Keyring"}
#: Packages whose every backend is "not recommended" by keyring itself (files, registry, Google Docs).
_INSECURE_PACKAGES = ("keyrings.alt.",)


def _keyring() -> ModuleType:
    """``keyring``, imported the first time a secret is used: a command that needs none starts faster."""
    import keyring
    import keyring.errors

    return keyring


def _name(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _write_target(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend | None:
    """The backend that would receive a new secret: a chainer writes to its first backend."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        chained = list(backend.backends)
        return chained[0] if chained else None
    return backend


def _install_hint() -> str:
    if sys.platform == "darwin":
        return "unlock the macOS Keychain (login keychain) and try again"
    if sys.platform == "win32":
        return "make sure Windows Credential Manager is available and try again"
    return ("install and unlock GNOME Keyring or KWallet (Linux: any Secret Service provider, such as "
            "the gnome-keyring package) and try again")


def _allow_insecure() -> bool:
    return os.environ.get(ALLOW_INSECURE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def check_backend(backend: keyring.backend.KeyringBackend, allow_insecure: bool | None = None) -> bool:
    """Raise :class:`InsecureKeychainError` when ``backend`` is not a keychain BizCal may use.

    Returns True when the backend is insecure but accepted (``allow_insecure``, by default the
    environment's opt-in), False for a proper keychain.
    """
    target = _write_target(backend)
    name = _name(target) if target is not None else None
    if name is None or name in _NO_KEYCHAIN:
        raise InsecureKeychainError(f"No keychain found: {_install_hint()}.")
    if name in _INSECURE or name.startswith(_INSECURE_PACKAGES):
        if _allow_insecure() if allow_insecure is None else allow_insecure:
            return True
        raise InsecureKeychainError(
            f"No secure keychain found (keyring would keep secrets with {name}, which does not keep them "
            f"safe): {_install_hint()}, or set {ALLOW_INSECURE_ENV}=1 to accept it."
        )
    return False


class SecretStore:
    """Get, set and delete named secrets of a connection in the OS keychain."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._warned: set[str] = set()

    def _backend(self) -> keyring.backend.KeyringBackend:
        """The current backend, refused when insecure (checked on every use: it is cheap, and tests
        and ``keyring.set_keyring`` may swap the backend at any time)."""
        backend = _keyring().get_keyring()
        if check_backend(backend) and _name(backend) not in self._warned:
            self._warned.add(_name(backend))
            log.warning("secrets are kept by the insecure keyring backend %s (%s=1)", _name(backend),
                        ALLOW_INSECURE_ENV)
        return backend

    def _account(self, secret_key: str, name: str) -> str:
        return f"{secret_key}:{name}"

    def set(self, secret_key: str, name: str, value: str) -> None:
        keyring = _keyring()
        try:
            self._backend().set_password(self._service, self._account(secret_key, name), value)
        except keyring.errors.KeyringError as exc:
            log.warning("the keychain refused to save a secret: %s", exc.__class__.__name__)
            raise KeychainError(
                "Could not save the password in the system keychain: it is locked or refused BizCal. "
                "Unlock your keychain (or log in to your desktop again) and try again."
            ) from exc

    def get(self, secret_key: str, name: str) -> str | None:
        keyring = _keyring()
        try:
            return self._backend().get_password(self._service, self._account(secret_key, name))
        except keyring.errors.KeyringError as exc:
            log.warning("the keychain refused to read a secret: %s", exc.__class__.__name__)
            raise KeychainError(
                "Could not read the password from the system keychain: it is locked or refused BizCal. "
                "Unlock your keychain (or log in to your desktop again) and try again."
            ) from exc

    def delete(self, secret_key: str, name: str) -> None:
        """Delete a secret; a secret that is already gone is not an error.

        An insecure backend may still delete (removing a secret never exposes one, and a disconnect
        must not fail because of it); only a backend that cannot work at all is refused.
        """
        keyring = _keyring()
        try:
            backend = keyring.get_keyring()
            check_backend(backend, allow_insecure=True)
            backend.delete_password(self._service, self._account(secret_key, name))
        except keyring.errors.PasswordDeleteError:
            log.debug("secret %s of %s was already absent", name, secret_key)
        except keyring.errors.KeyringError as exc:
            log.warning("the keychain refused to delete a secret: %s", exc.__class__.__name__)
            raise KeychainError(
                "Could not delete the password from the system keychain: it is locked or refused BizCal. "
                "Unlock your keychain and try again."
            ) from exc
