"""CalDAV connects in the same two steps as Google and Microsoft: begin saves nothing, finish saves."""

from __future__ import annotations

import pytest

from bizcal_desktop.errors import AuthError, ConfigurationError, UserInputError
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.services.pending_connection import ConnectionTestFailed


async def test_begin_lists_the_calendars_and_finish_saves_the_chosen_one(  # type: ignore[no-untyped-def]
    services, caldav_calendar, memory_keyring
) -> None:
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    pending = await services.connections.begin_caldav("Mark", "generic", server.url, server.username, server.password)
    assert caldav_calendar.url in [c.calendar_id for c in pending.calendars]
    assert server.password not in repr(pending)
    assert services.connections.list() == [] and memory_keyring.store == {}

    view = await services.connections.finish_connection(pending, caldav_calendar.url)
    assert (view.provider, view.provider_type, view.calendar_href) == ("caldav", "generic", caldav_calendar.url)
    assert view.display_name == f"Other CalDAV server – {server.username}" and view.is_default
    assert services.secrets.get(services.connections.info(view.id).secret_key, "password") == server.password


async def test_a_caldav_connection_counts_only_its_own_calendar_as_busy(  # type: ignore[no-untyped-def]
    services, caldav_calendar
) -> None:
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    pending = await services.connections.begin_caldav("Mark", "generic", server.url, server.username, server.password)
    with pytest.raises(UserInputError):
        await services.connections.finish_connection(
            pending, caldav_calendar.url, [c.calendar_id for c in pending.calendars]
        )
    assert services.connections.list() == []


async def test_a_refused_login_saves_nothing_and_is_logged(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    with pytest.raises(ConnectionTestFailed):
        await services.connections.begin_caldav("Mark", "generic", server.url, server.username, "wrong")
    [entry] = services.sync_log.entries()
    assert entry.outcome == "failure" and entry.message.startswith("CalDAV test failed:")


def test_the_factory_refuses_a_missing_secret_and_an_unknown_provider(services) -> None:  # type: ignore[no-untyped-def]
    info = ConnectionInfo(id=7, provider="caldav", secret_key="nothing-here", timezone="UTC",
                          server_url="https://dav.example.com/", calendar_href="https://dav.example.com/c/")
    with pytest.raises(AuthError, match="password of connection 7 is missing"):
        services.providers.build(info)
    with pytest.raises(ConfigurationError):
        services.providers.build_unsaved(ConnectionInfo(id=0, provider="exchange", secret_key="", timezone="UTC"),
                                         "secret", lambda _renewed: None)
    assert services.providers.secret_name("google") == "oauth_token"
    assert services.providers.secret_name("exchange") is None
