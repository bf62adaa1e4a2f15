"""``bizcal connections disconnect ID [--remove-events] [--yes]`` in process, against Radicale: the count
first, a question on a terminal, a refusal without --yes in a script, and only BizCal's events removed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.test_staff_service_cli import Run
from tests.sync.test_disconnect_caldav import ics


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def synced(tmp_path: Path, capsys: pytest.CaptureFixture[str], caldav_calendar, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A CLI-made connection holding one booking's event, and a foreign event in the same calendar."""
    bizcal = Run(tmp_path / "data", capsys)
    server = caldav_calendar.server
    bizcal.json("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    bizcal.json("service", "add", "Massage", "--duration", "60")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{server.password}\n"))
    conn = bizcal.json("connect", "caldav", "--staff", "Mark", "--url", server.url, "--username", server.username,
                       "--password-stdin", "--calendar", caldav_calendar.url)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    bizcal.json("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                "--start", f"{day}T10:00", "--no-check")
    caldav_calendar.reader().put("dentist.ics", ics("dentist-1", datetime.now(UTC) + timedelta(days=3), "Dentist"))
    assert len(caldav_calendar.reader().events()) == 2
    return bizcal, conn


def test_a_script_must_say_yes(synced, caldav_calendar, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = bizcal("connections", "disconnect", str(conn["id"]), "--remove-events")
    assert code == 1
    assert out == f"1 future event will be removed from {conn['calendar_name']}.\n"
    assert "Add --yes to remove them" in err and "Nothing was changed." in err
    assert bizcal.json("connections")[0]["status"] == "active"
    assert len(caldav_calendar.reader().events()) == 2


def test_a_person_is_asked_and_may_say_no(synced, caldav_calendar, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, _out, err = bizcal("connections", "disconnect", str(conn["id"]), "--remove-events")
    assert code == 1 and "Nothing was changed." in err
    assert bizcal.json("connections")[0]["status"] == "active"


def test_yes_removes_only_bizcals_events_and_says_how_many(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    code, out, err = bizcal("connections", "disconnect", str(conn["id"]), "--remove-events", "--yes")
    assert code == 0, err
    assert out.splitlines() == [
        f"1 future event will be removed from {conn['calendar_name']}.",
        f"Disconnected {conn['display_name']}; removed 1 of BizCal's future events; its secrets were deleted "
        "from the keychain.",
    ]
    assert [str(e["UID"]) for e in caldav_calendar.reader().events()] == ["dentist-1"]
    [row] = [r for r in bizcal.json("audit") if r["action"] == "disconnect"]
    assert row["door"] == "cli"


def test_without_removal_nothing_is_asked_and_the_events_stay(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    result = bizcal.json("connections", "disconnect", str(conn["id"]))
    assert (result["removed"], result["left"], result["connection"]["status"]) == (0, 1, "disconnected")
    assert len(caldav_calendar.reader().events()) == 2


def record_removal_only(bizcal, connection_id: int) -> None:  # type: ignore[no-untyped-def]
    """A disconnect with removal whose process died before it deleted anything."""
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    services = build_services(Config.load(bizcal.data_dir))
    try:
        services.connections.disconnect(connection_id, door="cli", removing=True)
    finally:
        services.close()


def test_bizcal_sync_finishes_an_interrupted_removal(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    record_removal_only(bizcal, conn["id"])
    assert bizcal.json("connections") == []  # gone from the list at once
    assert bizcal.json("connections", "--all")[0]["status"] == "removing"
    code, out, err = bizcal("sync")
    assert code == 0, err
    assert out.splitlines()[0] == (f"Removed 1 of BizCal's 1 future event(s) from {conn['calendar_name']}; its secret "
                                   "was deleted from the keychain.")
    assert [str(e["UID"]) for e in caldav_calendar.reader().events()] == ["dentist-1"]
    assert bizcal.json("connections", "--all")[0]["status"] == "disconnected"


def test_forget_now_stops_a_removal_and_the_events_stay(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    bizcal, conn = synced
    code, _out, err = bizcal("connections", "disconnect", str(conn["id"]), "--forget-now")
    assert code != 0 and "is not removing events; there is nothing to stop." in err
    record_removal_only(bizcal, conn["id"])
    state = bizcal.json("connections", "disconnect", str(conn["id"]), "--forget-now")
    assert (state["finished"], state["removed"], state["left"]) == (True, 0, 1)
    assert bizcal.json("connections", "--all")[0]["status"] == "disconnected"
    assert len(caldav_calendar.reader().events()) == 2
    [row] = [r for r in bizcal.json("audit") if r["action"] == "stop_removal"]
    assert row["door"] == "cli"
