"""This installation's identity: a stable device id and a name people recognise ("Sarah's laptop").

Why a file in the data folder and not the host name: on a team's shared database a calendar
connection belongs to the device whose keychain holds its secret (issue 19), so the id must survive
a renamed computer, and two data folders on one computer (a test, a second user) are two devices.
The id is a random UUID written once to ``device.json``; the name starts as the host name and can be
changed (``bizcal device rename``), it only labels the id for people ("3 changes wait for …").

Who uses this computer is kept beside it, in ``person.json`` (issue 19 item 6): the staff member
changes made here are recorded as, on a team's database. It is this device's answer, never written to
the shared database, and it *identifies*, it does not authenticate: anyone at this computer can
change it, as anyone at it can change the OS user's files. The audit trail says so.

Why created atomically: the tray and a CLI may start together on a fresh folder. Each writes its
candidate to a private temporary file and *links* it to ``device.json``; the link fails for all but
the first, and the others read the winner's id, so one folder never has two ids.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from bizcal_desktop.errors import ConfigurationError

log = logging.getLogger(__name__)

DEVICE_FILE = "device.json"
PERSON_FILE = "person.json"


@dataclass(frozen=True)
class Device:
    """Who this installation is on a shared database."""

    id: str  #: a UUID (hex with dashes), never changes
    name: str  #: for people; the host name unless renamed


@dataclass(frozen=True)
class Person:
    """The staff member changes are made as: their id in the database and their name then."""

    staff_id: int
    name: str


@dataclass(frozen=True)
class PersonChoice:
    """This computer's answer to "Who uses this computer?"; ``person`` None: several people share it."""

    person: Person | None


def load_person_choice(data_dir: Path) -> PersonChoice | None:
    """The saved answer of ``data_dir``; None when the question was never answered (or the file is unreadable)."""
    path = data_dir / PERSON_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s cannot be read (%s); asking who uses this computer again", path, exc.__class__.__name__)
        return None
    if not isinstance(data, dict):
        return None
    staff_id, name = data.get("staff_id"), data.get("name")
    if staff_id is None:
        return PersonChoice(None)
    try:
        return PersonChoice(Person(int(staff_id), str(name or "")))
    except (TypeError, ValueError):
        return None


def save_person_choice(data_dir: Path, choice: PersonChoice) -> None:
    """Keep ``choice`` for this device (replaced whole: a reader never sees half a file)."""
    person = choice.person
    data = {"staff_id": person.staff_id, "name": person.name} if person else {"staff_id": None, "name": None}
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / PERSON_FILE
    temporary = path.with_name(f".{PERSON_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def default_name() -> str:
    """The host name without its domain ("sarahs-laptop.local" -> "sarahs-laptop")."""
    return socket.gethostname().split(".")[0] or "this computer"


def load_device(data_dir: Path) -> Device:
    """The device of ``data_dir``, made on first use; a folder that cannot be written gets one for this run.

    Raises :class:`ConfigurationError` when ``device.json`` exists but cannot be read as one.
    """
    path = data_dir / DEVICE_FILE
    if path.exists():
        return _read(path)
    candidate = Device(str(uuid.uuid4()), default_name())
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        _create_once(path, candidate)
    except FileExistsError:
        pass  # another process made it first: its id is the folder's
    except OSError as exc:
        log.warning("could not save this device's id in %s (%s); it counts as a new device for this run",
                    data_dir, exc)
        return candidate
    return _read(path)


def rename_device(data_dir: Path, name: str) -> Device:
    """Give this device another name for people; its id stays."""
    name = " ".join(name.split())
    if not name:
        raise ConfigurationError("A device name cannot be empty.")
    device = Device(load_device(data_dir).id, name[:200])
    path = data_dir / DEVICE_FILE
    temporary = path.with_name(f".{DEVICE_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    _write(temporary, device)
    os.replace(temporary, path)
    return device


def _create_once(path: Path, device: Device) -> None:
    temporary = path.with_name(f".{DEVICE_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    _write(temporary, device)
    try:
        os.link(temporary, path)  # fails if the file exists: the first process wins, whole
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: exclusive create instead
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(temporary.read_text(encoding="utf-8"))
    finally:
        temporary.unlink(missing_ok=True)


def _write(path: Path, device: Device) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"id": device.id, "name": device.name}, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _read(path: Path) -> Device:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Device(str(uuid.UUID(str(data["id"]))), str(data.get("name") or default_name()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"{path} does not name this device ({exc.__class__.__name__}). Restore it from a backup; if you "
            "delete it, this computer counts as a new device and its calendars must be taken over "
            "(bizcal connections reconnect ID --take-over)."
        ) from exc
