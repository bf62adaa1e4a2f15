"""Reconnect in place for Google and Microsoft (issue 15 item 5), against the loopback fakes.

The grant is revoked at the provider, so the next write is refused and the connection needs
reconnect. Signing in again through the same browser flow as connecting keeps the row, its mappings
and its events, replaces the token in the keychain, and the engine writes what waited. Signing in as
another account is refused with a sentence (and Google's stray grant is handed back). A connection
the token guardian switched off gets its default back, unless the user chose another one since.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.connections import switch_off
from bizcal_desktop.store.models import CalendarConnection, CalendarEventMapping, ConnectionStatus
from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake

FAST = {"BIZCAL_BACKOFF_BASE": "0.01", "BIZCAL_BACKOFF_CAP": "0.05", "BIZCAL_MAX_ATTEMPTS": "3",
        "BIZCAL_REQUEST_TIMEOUT": "5"}


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]):  # type: ignore[no-untyped-def]
    from bizcal_desktop.wiring import build_services

    for name, value in {**env, **FAST}.items():
        monkeypatch.setenv(name, value)
    services = build_services(Config.load(tmp_path / "data"))
    services.directory.add_staff("Sarah", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    return services


@pytest.fixture
def google_services(tmp_path, google_fake: GoogleFake, google_client_file, monkeypatch, fake_browser) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    e = google_fake.endpoints(google_client_file)
    services = build(tmp_path, monkeypatch, {
        "BIZCAL_GOOGLE_CLIENT_FILE": str(google_client_file), "BIZCAL_GOOGLE_AUTH_URI": e.auth_uri,
        "BIZCAL_GOOGLE_TOKEN_URI": e.token_uri, "BIZCAL_GOOGLE_REVOKE_URI": e.revoke_uri,
        "BIZCAL_GOOGLE_API_BASE": e.api_base})
    yield services
    services.close()


@pytest.fixture
def ms_services(tmp_path, ms_fake: MicrosoftFake, monkeypatch, ms_browser) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    services = build(tmp_path, monkeypatch, ms_fake.env())
    yield services
    services.close()


def mapping_ids(services, booking_id: int) -> list[tuple[int, int, str, bool]]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        rows = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id))
        return [(m.id, m.connection_id, m.state, m.deleted) for m in rows]


def secret_of(services, connection_id: int, name: str) -> str | None:  # type: ignore[no-untyped-def]
    return services.secrets.get(services.connections.info(connection_id).secret_key, name)


async def broken_with_a_cancel_waiting(services, revoke) -> tuple[int, object, object]:  # type: ignore[no-untyped-def]
    """A connection whose grant was revoked after one booking was written; that one cancelled since."""
    [conn] = services.connections.list()
    written = services.bookings.add("Sarah", "Massage", "Written", "2026-12-01T10:00")
    assert (await services.engine.drain()).synced == 1
    revoke()
    waiting = services.bookings.add("Sarah", "Massage", "Waiting", "2026-12-02T10:00")
    assert (await services.engine.drain()).failed == 1
    assert services.connections.get(conn.id).status == "needs_reconnect"
    services.bookings.cancel(written.id)
    assert (await services.engine.drain()).skipped == 1
    return conn.id, written, waiting


def revoke_google(fake: GoogleFake):  # type: ignore[no-untyped-def]
    def revoke() -> None:
        fake.expire_access_tokens()
        fake.revoke_refresh_tokens()
    return revoke


async def test_google_reconnect_keeps_the_connection_and_writes_what_waited(  # type: ignore[no-untyped-def]
    google_services, google_fake: GoogleFake
) -> None:
    services = google_services
    await services.connections.connect_google("Sarah", timeout=30)
    cid, written, waiting = await broken_with_a_cancel_waiting(services, revoke_google(google_fake))
    old_token = secret_of(services, cid, "oauth_token")
    written_mapping = mapping_ids(services, written.id)

    done = await services.connections.reconnect(cid, timeout=30)

    assert (done.connection.id, done.connection.status, done.connection.is_default, done.queued) == (cid, "active",
                                                                                                     True, 2)
    assert secret_of(services, cid, "oauth_token") not in (None, old_token)
    assert (await services.engine.drain()).synced == 2
    assert google_fake.primary.get(waiting.public_id) is not None
    gone = google_fake.primary.get(written.public_id)
    assert gone is None or gone.get("status") == "cancelled"
    assert [m[:2] for m in mapping_ids(services, written.id)] == [m[:2] for m in written_mapping]  # same mapping
    assert len(services.connections.list()) == 1
    assert google_fake.counts["oauth.auth"] == 2


async def test_google_signed_in_as_another_account_is_refused(  # type: ignore[no-untyped-def]
    google_services, google_fake: GoogleFake
) -> None:
    services = google_services
    view = await services.connections.connect_google("Sarah", timeout=30)
    assert view.username == "staff@example.com"
    await broken_with_a_cancel_waiting(services, revoke_google(google_fake))
    google_fake.primary.primary = False  # the browser is signed in to someone else's Google account now
    google_fake.primary = google_fake.add_calendar("other@example.com", "other@example.com", primary=True)

    with pytest.raises(UserInputError) as refused:
        await services.connections.reconnect(view.id, timeout=30)

    assert str(refused.value) == (
        "You signed in as other@example.com, but Google – staff@example.com belongs to staff@example.com. "
        "Sign in as staff@example.com to reconnect it, or connect other@example.com as a new calendar.")
    assert services.connections.get(view.id).status == "needs_reconnect"
    assert google_fake.counts["oauth.revoke"] == 1  # the stray grant was handed back


async def test_a_switched_off_default_is_the_default_again_unless_the_user_chose_another(  # type: ignore[no-untyped-def]
    google_services, google_fake: GoogleFake
) -> None:
    services = google_services
    google_fake.add_calendar("team@group.calendar.google.com", "Team")
    first = await services.connections.connect_google("Sarah", timeout=30)
    second = await services.connections.connect_google("Sarah", calendar="Team", timeout=30)

    def switched_off_by_the_guardian() -> None:
        with services.db.session() as s:
            switch_off(s, s.get(CalendarConnection, first.id), ConnectionStatus.DEACTIVATED)

    switched_off_by_the_guardian()
    assert services.connections.get(second.id).is_default  # the successor took over
    await services.connections.reconnect(first.id, timeout=30)
    assert services.connections.get(first.id).is_default and not services.connections.get(second.id).is_default

    switched_off_by_the_guardian()
    services.connections.set_default(second.id)  # the user chose while it was off
    await services.connections.reconnect(first.id, timeout=30)
    assert services.connections.get(second.id).is_default and not services.connections.get(first.id).is_default


async def test_microsoft_reconnect_in_place_and_another_account_refused(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake
) -> None:
    services = ms_services
    await services.connections.connect_microsoft("Sarah", timeout=30)

    def revoke() -> None:
        ms_fake.expire_access_tokens()
        ms_fake.revoke_refresh_tokens()

    cid, _written, waiting = await broken_with_a_cancel_waiting(services, revoke)
    old_cache = secret_of(services, cid, "msal_cache")

    done = await services.connections.reconnect(cid, timeout=30)

    assert (done.connection.id, done.connection.status, done.queued) == (cid, "active", 2)
    assert secret_of(services, cid, "msal_cache") != old_cache
    assert (await services.engine.drain()).synced == 2
    assert [e["transactionId"] for e in ms_fake.primary.all_events()] == [f"bizcal-{waiting.public_id}"]

    revoke()
    services.bookings.move(waiting.id, "2026-12-02T11:00")
    await services.engine.drain()
    assert services.connections.get(cid).status == "needs_reconnect"
    ms_fake.identity.username = "other@contoso.example"
    with pytest.raises(UserInputError, match="You signed in as other@contoso.example, but "):
        await services.connections.reconnect(cid, timeout=30)
    assert services.connections.get(cid).status == "needs_reconnect"
