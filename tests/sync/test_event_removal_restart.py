"""A disconnect's removal abandoned after one delete, then a restart, against Radicale and the Google fake.

The run is abandoned where a crash would leave it: the progress callback raises a ``BaseException``
right after the first event was deleted and its row committed. A second ``build_services`` on the same
data folder is the restarted app; its ``resume_all`` (what the tray's timer and ``bizcal sync`` call)
removes the rest. Only our future events go — the foreign event, the past booking's event and another
installation's event stay — the secret is deleted at the end, and Google's grant is revoked then, once
(not when another connection still signs in to that account).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bizcal_desktop.store.models import CalendarConnection
from bizcal_desktop.wiring import Services, build_services
from tests.support.connections import seed_connection
from tests.sync.test_disconnect_caldav import soon, uids, written  # noqa: F401  (the fixture)
from tests.sync.test_engine_renewal import google_services  # noqa: F401  (the fixture)


class Crash(BaseException):
    """The process died here."""


def crash_after(k: int):  # type: ignore[no-untyped-def]
    def progress(done: int, total: int) -> None:
        if done == k:
            raise Crash()
    return progress


@pytest.fixture
def restart() -> Iterator:  # type: ignore[type-arg]
    opened: list[Services] = []

    def start_again(before: Services) -> Services:
        again = build_services(before.config)
        opened.append(again)
        return again
    yield start_again
    for again in opened:
        again.close()


def secret_of(services: Services, connection_id: int, name: str) -> str | None:
    return services.secrets.get(services.connections.info(connection_id).secret_key, name)


async def test_radicale_a_removal_abandoned_after_one_delete_finishes_after_a_restart(  # type: ignore[no-untyped-def]
        written, caldav_calendar, restart) -> None:  # noqa: F811
    services, view, future, past = written
    before = uids(caldav_calendar)
    with pytest.raises(Crash):
        await services.connections.disconnect_and_revoke(view.id, remove_events=True, on_progress=crash_after(1))
    assert len(uids(caldav_calendar)) == len(before) - 1
    assert secret_of(services, view.id, "password") is not None

    again = restart(services)
    assert [(s.removed, s.total) for s in again.connections.removals.in_progress()] == [(1, 2)]
    [state] = await again.connections.removals.resume_all()

    assert (state.finished, state.removed, state.left) == (True, 2, 0)
    assert uids(caldav_calendar) == before - {f"{b.public_id}@bizcal-desktop" for b in future}
    assert "dentist-1" in uids(caldav_calendar) and f"{past.public_id}@bizcal-desktop" in uids(caldav_calendar)
    assert secret_of(again, view.id, "password") is None
    assert again.connections.get(view.id).status == "disconnected"


async def test_google_a_removal_abandoned_after_one_delete_finishes_after_a_restart_and_revokes_once(  # type: ignore[no-untyped-def]
        google_services, google_fake, restart) -> None:  # noqa: F811
    services = google_services
    [connection] = services.connections.list()
    bookings = [services.bookings.add("Sarah", "Massage", name, soon(d)) for name, d in (("Emma", 2), ("Otto", 3),
                                                                                          ("Ida", 4))]
    assert (await services.engine.drain()).synced == 3
    calendar = google_fake.calendar("primary")
    calendar.add_event({"id": "dentist01", "summary": "Dentist", "start": {"dateTime": soon(2, 8).isoformat()},
                        "end": {"dateTime": soon(2, 9).isoformat()}})

    with pytest.raises(Crash):
        await services.connections.disconnect_and_revoke(connection.id, remove_events=True,
                                                         on_progress=crash_after(1))
    assert google_fake.counts["oauth.revoke"] == 0 and secret_of(services, connection.id, "oauth_token")

    again = restart(services)
    [state] = await again.connections.removals.resume_all()

    assert (state.finished, state.removed, state.left) == (True, 3, 0)
    for booking in bookings:
        gone = calendar.get(booking.public_id)
        assert gone is None or gone.get("status") == "cancelled"
    assert calendar.get("dentist01") is not None
    assert secret_of(again, connection.id, "oauth_token") is None
    assert google_fake.counts["oauth.revoke"] == 1
    assert google_fake.counts["events.delete"] == 3


async def test_google_a_grant_another_connection_still_uses_is_not_revoked(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Two calendars of one Google account: disconnecting one (with or without removal) must not end the
    other's grant, which is the same one at Google."""
    services = google_services
    [first] = services.connections.list()
    with services.db.session() as s:
        s.get(CalendarConnection, first.id).username = "sarah@example.com"
    seed_connection(services, staff="Sarah", provider="google", display_name="Google – sarah (team)",
                    calendar_id="team", calendar_name="Team", secret=google_fake.grant_token_json(),
                    username="Sarah@example.com")
    booking = services.bookings.add("Sarah", "Massage", "Emma", soon(2))
    assert (await services.engine.drain()).synced == 1

    result = await services.connections.disconnect_and_revoke(first.id, remove_events=True)

    assert (result.removed, result.removing) == (1, 0)
    gone = google_fake.calendar("primary").get(booking.public_id)
    assert gone is None or gone.get("status") == "cancelled"
    assert secret_of(services, first.id, "oauth_token") is None
    assert google_fake.counts["oauth.revoke"] == 0


async def test_google_a_crash_as_the_secret_is_deleted_leaves_no_live_grant(  # type: ignore[no-untyped-def]
        google_services, google_fake, restart, monkeypatch) -> None:  # noqa: F811
    """The grant is revoked while the token is still in hand: a crash right after the secret's deletion
    (before the removal is recorded as ended) must not leave a live grant nothing can revoke any more."""
    services = google_services
    [connection] = services.connections.list()
    services.bookings.add("Sarah", "Massage", "Emma", soon(2))
    assert (await services.engine.drain()).synced == 1
    delete = services.secrets.delete

    def delete_then_die(key: str, name: str) -> None:
        delete(key, name)
        raise Crash()
    monkeypatch.setattr(services.secrets, "delete", delete_then_die)

    with pytest.raises(Crash):
        await services.connections.disconnect_and_revoke(connection.id, remove_events=True)
    assert google_fake.counts["oauth.revoke"] == 1
    assert secret_of(services, connection.id, "oauth_token") is None

    again = restart(services)
    await again.connections.removals.resume_all()
    assert again.connections.get(connection.id).status == "disconnected"
    assert google_fake.counts["oauth.revoke"] == 1
