"""Build the right provider for a stored connection, with its secrets read from the keychain.

The only place that maps a connection's ``provider`` name to a class, so the sync engine and the
importer know providers only through :class:`~bizcal_desktop.providers.base.CalendarProvider`.
"""

from __future__ import annotations

from collections.abc import Callable

from bizcal_desktop.config import Config
from bizcal_desktop.errors import AuthError, ConfigurationError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo
from bizcal_desktop.secrets import SecretStore

#: Keychain entry names per provider, so disconnect can delete every one of them.
SECRET_NAMES: dict[str, tuple[str, ...]] = {
    "caldav": ("password",),
    "google": ("oauth_token",),
    "microsoft": ("msal_cache",),
}



class ProviderFactory:
    """Builds providers for connections; one instance is made in the app wiring."""

    def __init__(self, config: Config, secrets: SecretStore) -> None:
        self._config = config
        self._secrets = secrets

    def build(self, info: ConnectionInfo) -> CalendarProvider:
        if info.provider == "caldav":
            from bizcal_desktop.providers.caldav import CalDAVProvider

            password = self._secrets.get(info.secret_key, "password")
            if password is None:
                raise AuthError(
                    f"The password of connection {info.id} is missing from the keychain; "
                    "disconnect and connect the calendar again."
                )
            if not info.server_url or not info.calendar_href:
                raise ConfigurationError(f"Connection {info.id} has no calendar URL.")
            return CalDAVProvider(
                server_url=info.server_url,
                username=info.username or "",
                password=password,
                calendar_url=info.calendar_href,
                timezone=info.timezone,
                timeout=self._config.request_timeout,
            )
        if info.provider == "google":
            from bizcal_desktop.providers.google import GoogleProvider

            token_json, save_refreshed_token = self._oauth_secret(info, "oauth_token", "Google token", "Google")
            return GoogleProvider(
                token_json=token_json,
                calendar_id=info.calendar_id or "primary",
                endpoints=self._config.google,
                timezone=info.timezone,
                on_token_refreshed=save_refreshed_token,
                timeout=self._config.request_timeout,
                busy_calendar_ids=list(info.busy_calendar_ids) or None,
            )
        if info.provider == "microsoft":
            from bizcal_desktop.providers.microsoft import MicrosoftProvider

            cache_json, save_changed_cache = self._oauth_secret(
                info, "msal_cache", "Microsoft sign-in", "Microsoft"
            )
            return MicrosoftProvider(
                cache_json=cache_json,
                calendar_id=info.calendar_id,
                endpoints=self._config.microsoft,
                timezone=info.timezone,
                on_cache_changed=save_changed_cache,
                timeout=self._config.request_timeout,
                busy_calendar_ids=list(info.busy_calendar_ids) or None,
            )
        raise ConfigurationError(f"Provider {info.provider!r} is not supported by this version.")

    def _oauth_secret(
        self, info: ConnectionInfo, name: str, what: str, provider_label: str
    ) -> tuple[str, Callable[[str], None]]:
        """The connection's OAuth secret, and the callback that writes a renewed one back.

        Written back at once: a refresh may rotate the refresh token, and a renewal lost here would
        leave only a dead credential in the keychain.
        """
        value = self._secrets.get(info.secret_key, name)
        if value is None:
            raise AuthError(
                f"The {what} of connection {info.id} is missing from the keychain; "
                f"disconnect and connect {provider_label} again."
            )
        secret_key = info.secret_key

        def write_back(new_value: str) -> None:
            self._secrets.set(secret_key, name, new_value)

        return value, write_back
