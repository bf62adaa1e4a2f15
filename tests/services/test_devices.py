"""This installation's device: one id per data folder, made once; its name; the first start of the
version that records devices gives it the connections made before (issue 19 item 3)."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from bizcal_desktop.config import Config
from bizcal_desktop.device import DEVICE_FILE, load_device, rename_device
from bizcal_desktop.errors import ConfigurationError
from bizcal_desktop.store.models import CalendarConnection
from bizcal_desktop.wiring import build_services
from tests.support.connections import seed_connection


def _id_of(folder: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(load_device(Path(folder)).id)


def test_a_data_folder_has_one_device_id_even_when_processes_start_together(tmp_path: Path) -> None:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    processes = [multiprocessing.Process(target=_id_of, args=(str(tmp_path), queue)) for _ in range(6)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    ids = {queue.get(timeout=5) for _ in processes}
    assert len(ids) == 1 and ids == {load_device(tmp_path).id}
    assert uuid.UUID(ids.pop())
    assert [p.name for p in tmp_path.iterdir()] == [DEVICE_FILE]  # no temporary file left behind


def test_renaming_keeps_the_id_and_a_damaged_file_is_a_sentence(tmp_path: Path) -> None:
    first = load_device(tmp_path)
    renamed = rename_device(tmp_path, "  Sarah's   laptop ")
    assert (renamed.id, renamed.name) == (first.id, "Sarah's laptop") and load_device(tmp_path) == renamed
    assert load_device(tmp_path / "other").id != first.id  # another data folder is another device
    (tmp_path / DEVICE_FILE).write_text(json.dumps({"name": "no id"}))
    with pytest.raises(ConfigurationError, match="does not name this device"):
        load_device(tmp_path)


def test_first_start_gives_this_device_the_connections_made_before_and_renaming_follows(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path / "data")
    services = build_services(config)
    conn = seed_connection(services, staff=services.directory.add_staff("Mark", "Europe/Berlin").id,
                           provider="caldav", display_name="Work", secret="pw", calendar_id="c", calendar_href="c")
    assert (conn.owner_device, conn.owner_device_name) == (config.device.id, config.device.name)
    with services.db.session() as s:  # as migration 0010 leaves a connection saved by an older version
        s.execute(update(CalendarConnection).values(owner_device=None, owner_device_name=None))
    services.close()

    again = build_services(Config(data_dir=tmp_path / "data"))  # the first start of this version
    try:
        assert again.connections.get(conn.id).owner_device == config.device.id
        again.devices.rename("Front desk")
        assert again.connections.get(conn.id).owner_device_name == "Front desk"
        assert again.config.device.name == "Front desk"
    finally:
        again.close()
