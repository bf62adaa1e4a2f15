"""Who uses this computer: the staff member this process's changes are recorded as in the audit trail.

Why so light: BizCal has no accounts and no sign-in, and a team of three stylists does not want one.
So the person is *said*, not proven — it identifies, it does not authenticate. Anyone at a computer can
say they are someone else, as anyone at it could use the OS user's files; the audit trail keeps the OS
user and the device beside the person for that reason, and the README says so.

Where it comes from, first that applies:

1. for one CLI run: ``bizcal --as NAME`` or ``BIZCAL_PERSON`` (``Config.person``), on either engine;
2. on a team database (PostgreSQL): this device's saved answer to "Who uses this computer?" (the
   desktop asks once; Settings → Team database changes it). It lives in the data folder beside
   ``device.json`` (``person.json``), never in the shared database — it is this computer's;
3. otherwise nobody: a solo SQLite file is never asked (one practitioner, one computer), and a computer
   several people share (a front desk) can answer "several people".

The answer is kept as the staff member's id; their name is read from the database at start, so a
renamed staff member is recorded by their new name from then on (and each audit row keeps the name it
was made with). A saved staff member who is no longer there (another database, archived) counts as
unanswered: the desktop asks again.
"""

from __future__ import annotations

from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.device import Person, PersonChoice, load_person_choice, save_person_choice
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import staff_row
from bizcal_desktop.store.models import Staff


class PersonService:
    """Resolves, keeps and changes who this computer's changes are made as (``Database.person``)."""

    def __init__(self, db: Database, config: Config) -> None:
        self._db = db
        self._config = config

    @property
    def team(self) -> bool:
        """Whether this is a team database, where the question is asked."""
        return self._db.dialect == "postgresql"

    @property
    def current(self) -> Person | None:
        return self._db.person

    def identify(self) -> Person | None:
        """Resolve the person for this process (see the module docstring) and hand it to the database.

        Raises :class:`UserInputError` when ``--as`` / ``BIZCAL_PERSON`` names nobody on the staff.
        """
        named = (self._config.person or "").strip()
        if named:
            person = self._named(named)
        elif self.team:
            person = self._saved()
        else:
            person = None
        self._db.person = person
        return person

    def needs_asking(self) -> bool:
        """True on a team database whose staff exist, when this computer has no usable answer yet."""
        if not self.team or (self._config.person or "").strip():
            return False
        choice = load_person_choice(self._config.data_dir)
        if choice is None:
            return self._has_staff()
        return choice.person is not None and self._saved() is None

    def saved_staff_id(self) -> int | None:
        """The staff member this computer's saved answer names (None: several people, or not answered)."""
        choice = load_person_choice(self._config.data_dir)
        return choice.person.staff_id if choice is not None and choice.person is not None else None

    def choose(self, staff: int | str | None) -> Person | None:
        """Answer "Who uses this computer?" for this device: a staff member, or None for several people.

        Saved in the data folder and used from now on (unless ``--as`` named someone for this run).
        """
        person = None
        if staff is not None:
            with self._db.session() as s:
                row = staff_row(s, staff)
                person = Person(row.id, row.name)
        save_person_choice(self._config.data_dir, PersonChoice(person))
        if not (self._config.person or "").strip():
            self._db.person = person
        return person

    def _named(self, name: str) -> Person:
        with self._db.session() as s:
            row = s.scalar(select(Staff).where(Staff.name == name))
            if row is None and name.isdigit():
                row = s.get(Staff, int(name))
        if row is None:
            raise UserInputError(
                f"No staff member {name!r} to make changes as (--as or BIZCAL_PERSON); see `bizcal staff list`."
            )
        return Person(row.id, row.name)

    def _saved(self) -> Person | None:
        choice = load_person_choice(self._config.data_dir)
        if choice is None or choice.person is None:
            return None
        with self._db.session() as s:
            row = s.get(Staff, choice.person.staff_id)
            if row is None or row.archived_at is not None:
                return None
            return Person(row.id, row.name)

    def _has_staff(self) -> bool:
        with self._db.session() as s:
            return s.scalar(select(Staff.id).where(Staff.archived_at.is_(None)).limit(1)) is not None
