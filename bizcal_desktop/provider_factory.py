"""The one place that turns a connection into a provider, for saved and not-yet-saved connections.

Why here, beside the wiring, and not in ``providers/``: a saved connection's provider needs its
secret from the keychain and must write a renewed one back, and providers never touch the keychain.
This module may import the configuration, the secrets and every provider; the sync engine, the
importer, the token guardian and the connect flow receive it from the wiring and know it only as
:class:`~bizcal_desktop.providers.factory_protocol.ProviderSource`.

Why one builder per provider for both cases: a connection being set up (its secret held in memory by
the connect flow) and a saved one (its secret in the keychain) must get the same provider with the
same settings; only where the secret comes from and where a renewed one goes differ.
"""

from __future__ import annotations

from collections.abc import Callable

from bizcal_desktop.config import Config
from bizcal_desktop.errors import AuthError, ConfigurationError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo
from bizcal_desktop.secrets import SecretStore

#: Keychain entry name of each provider's secret (one per connection): saved under it when a
#: connection is made, deleted on disconnect.
SECRET_NAMES: dict[str, str] = {
    "caldav": "password",
    "google": "oauth_token",
    "microsoft": "msal_cache",
}

#: How a missing secret is named to the user, and what to connect again.
_MISSING: dict[str, tuple[str, str]] = {
    "caldav": ("password", "the calendar"),
    "google": ("Google token", "Google"),
    "microsoft": ("Microsoft sign-in", "Microsoft"),
}


class ProviderFactory:
    """Builds providers for connections; one instance is made in the wiring."""

    def __init__(self, config: Config, secrets: SecretStore) -> None:
        self._config = config
        self._secrets = secrets
        #: The auth scheme each CalDAV server accepted (by origin and user), so a server reached over
        #: plain http is challenged once per process, not once per drain (providers/caldav/transport).
        self._caldav_auth_schemes: dict[str, str] = {}

    def secret_name(self, provider: str) -> str | None:
        return SECRET_NAMES.get(provider)

    def build(self, info: ConnectionInfo) -> CalendarProvider:
        """The provider of a saved connection; a renewed secret is written back to the keychain at once.

        At once, because a refresh may rotate the refresh token: a renewal lost here would leave
        only a dead credential in the keychain.
        """
        name = self.secret_name(info.provider)
        if name is None:
            raise _unsupported(info.provider)
        secret = self._secrets.get(info.secret_key, name)
        if secret is None:
            what, again = _MISSING[info.provider]
            raise AuthError(
                f"The {what} of connection {info.id} is missing from the keychain; "
                f"disconnect and connect {again} again."
            )
        if info.provider == "caldav" and not (info.server_url and info.calendar_href):
            raise ConfigurationError(f"Connection {info.id} has no calendar URL.")
        secret_key = info.secret_key

        def write_back(renewed: str) -> None:
            self._secrets.set(secret_key, name, renewed)

        return self.build_unsaved(info, secret, write_back)

    def build_unsaved(self, info: ConnectionInfo, secret: str, keep: Callable[[str], None]) -> CalendarProvider:
        """The provider for ``info`` with ``secret``; a renewed secret goes to ``keep``."""
        if info.provider == "caldav":
            return self._caldav(info, secret)
        if info.provider == "google":
            return self._google(info, secret, keep)
        if info.provider == "microsoft":
            return self._microsoft(info, secret, keep)
        raise _unsupported(info.provider)

    # Imported when first built: the app starts without loading every provider's HTTP stack.
    def _caldav(self, info: ConnectionInfo, password: str) -> CalendarProvider:
        from bizcal_desktop.providers.caldav import CalDAVProvider

        return CalDAVProvider(
            server_url=info.server_url or "",
            username=info.username or "",
            password=password,
            calendar_url=info.calendar_href,
            timezone=info.timezone,
            timeout=self._config.request_timeout,
            auth_schemes=self._caldav_auth_schemes,
        )

    def _google(self, info: ConnectionInfo, token_json: str, keep: Callable[[str], None]) -> CalendarProvider:
        from bizcal_desktop.providers.google import GoogleProvider

        return GoogleProvider(
            token_json=token_json,
            calendar_id=info.calendar_id or "primary",
            endpoints=self._config.google,
            timezone=info.timezone,
            on_token_refreshed=keep,
            timeout=self._config.request_timeout,
            busy_calendar_ids=list(info.busy_calendar_ids) or None,
        )

    def _microsoft(self, info: ConnectionInfo, cache_json: str, keep: Callable[[str], None]) -> CalendarProvider:
        from bizcal_desktop.providers.microsoft import MicrosoftProvider

        return MicrosoftProvider(
            cache_json=cache_json,
            calendar_id=info.calendar_id,
            endpoints=self._config.microsoft,
            timezone=info.timezone,
            on_cache_changed=keep,
            timeout=self._config.request_timeout,
            busy_calendar_ids=list(info.busy_calendar_ids) or None,
        )


def _unsupported(provider: str) -> ConfigurationError:
    return ConfigurationError(f"Provider {provider!r} is not supported by this version.")
