"""Is the database already at the newest schema? Answered with one SELECT, before alembic is loaded.

Why: every start (each ``bizcal`` command, the tray) opens the database "upgraded", and almost always
there is nothing to upgrade. Asking alembic costs importing it (with Mako and Pygments) and building
its script directory from every migration module - a third of a second on a small laptop, more than
the command itself. Here the newest revision is read from the migration files' own
``revision = "…"`` / ``down_revision = "…"`` lines (text, not imported) and compared with the one row
of ``alembic_version``. Anything unusual - a merge revision, a file this reading does not understand,
no version table yet, a revision that is not the head - answers "don't know", and the caller takes
alembic's full path (upgrade, or the schema guard's refusal of a newer database) exactly as before.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"

_REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision\s*(?::[^=]+)?=\s*(None|['"]([^'"]+)['"])\s*$""", re.MULTILINE)


def known_heads(versions_dir: Path = VERSIONS_DIR) -> tuple[str, ...] | None:
    """The newest revision of the migrations in ``versions_dir``; None when they cannot be read simply.

    Not cached: reading a dozen small files costs well under a millisecond.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = sorted(versions_dir.glob("*.py"))
        for path in files:
            source = path.read_text(encoding="utf-8")
            revision, down = _REVISION.findall(source), _DOWN.findall(source)
            if len(revision) != 1 or len(down) != 1:
                return None  # a merge (tuple of parents) or a shape this reading does not know
            revisions.add(revision[0])
            if down[0][1]:
                parents.add(down[0][1])
    except OSError:
        return None
    heads = tuple(sorted(revisions - parents))
    return heads if len(heads) == 1 and parents <= revisions else None


def current_if_at_head(engine: Engine) -> tuple[str, ...] | None:
    """The database's revision when it is exactly the newest known one, else None (take alembic's path)."""
    heads = known_heads()
    if heads is None:
        return None
    try:
        with engine.connect() as connection:
            current = tuple(sorted(row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))))
    except DatabaseError:
        return None  # a new database (no version table yet), or a failure alembic's path will explain
    return current if current == heads else None
