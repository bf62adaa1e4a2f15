"""``bizcal settings set --event-privacy`` and ``bizcal connections set-privacy``, run in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizcal_desktop.config import Config
from bizcal_desktop.wiring import build_services
from tests.cli.test_staff_service_cli import Run
from tests.support.connections import seed_connection


@pytest.fixture
def bizcal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(tmp_path / "data", capsys)


def seeded_connection(data_dir: Path) -> int:
    services = build_services(Config.load(data_dir))
    try:
        services.directory.add_staff("Mark", "Europe/Berlin")
        return seed_connection(services, staff="Mark", provider="caldav", display_name="Work", secret="x",
                               calendar_id="work", calendar_href="work", calendar_name="Work").id
    finally:
        services.close()


def test_business_level(bizcal: Run) -> None:
    assert bizcal.json("settings", "show")["event_privacy"] == "service"
    code, out, err = bizcal("settings", "set", "--event-privacy", "initials")
    assert code == 0 and err == ""
    assert out.startswith("Privacy changed to Initials: no future event needs rewriting.\n")
    assert "event privacy: initials" in out
    assert bizcal.json("settings", "show")["event_privacy"] == "initials"
    with pytest.raises(SystemExit) as refused:
        bizcal("settings", "set", "--event-privacy", "names")
    assert refused.value.code == 2 and "invalid choice" in bizcal.capsys.readouterr().err


def test_connection_override(bizcal: Run) -> None:
    cid = seeded_connection(bizcal.data_dir)
    code, out, _err = bizcal("connections", "set-privacy", str(cid), "busy")
    assert code == 0 and out.strip() == "Privacy of Work changed to Busy: no future event needs rewriting."
    [listed] = bizcal.json("connections")
    assert listed["event_privacy"] == "busy"
    answer = bizcal.json("connections", "set-privacy", str(cid), "default")
    assert (answer["level"], answer["rewrites"]) == ("service", 0)
    [listed] = bizcal.json("connections")
    assert listed["event_privacy"] is None
