"""``bizcal db status|migrate``: which database this device uses, its schema, and upgrading it.

Why these two do not build the services: every other command opens the database through
``wiring.build_services``, which upgrades the schema and refuses one a newer BizCal wrote. An admin
needs to look at exactly that database without changing it (``status``), and to upgrade a team's
PostgreSQL on purpose before handing out the new version (``migrate``), so they get the
configuration and open the database themselves.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.config import Config
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.team_database import DatabaseChoice, TeamDatabaseService
from bizcal_desktop.store.database import Database, SchemaState

_STATE_WORDS = {
    "current": "up to date",
    "behind": "needs an upgrade (bizcal db migrate, or start BizCal)",
    "empty": "empty: bizcal db migrate (or starting BizCal) creates the tables",
    "newer": "upgraded by a newer BizCal: update BizCal on this computer",
}


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("db", parents=[common], help="the database this device uses: status, migrate")
    p.set_defaults(db_func=cmd_status)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    verbs.add_parser("status", parents=[common], help="where the database is and its schema (changes nothing)"
                     ).set_defaults(db_func=cmd_status)
    verbs.add_parser("migrate", parents=[common], help="upgrade the schema to this BizCal's newest"
                     ).set_defaults(db_func=cmd_migrate)


def _open(config: Config) -> tuple[Database, DatabaseChoice]:
    team = TeamDatabaseService(config, SecretStore(config.keyring_service))
    return Database(config.database_path, url=team.resolve()), team.choice()


def _report(choice: DatabaseChoice, schema: SchemaState) -> dict[str, object]:
    return {"kind": choice.kind, "where": choice.where, "source": choice.source, "state": schema.state,
            "revision": list(schema.current), "newest_known": list(schema.heads)}


def _text(report: dict[str, object]) -> str:
    kind = "PostgreSQL (team database)" if report["kind"] == "postgresql" else "SQLite (this computer only)"
    revision = ", ".join(report["revision"]) or "none"  # type: ignore[arg-type]
    return (f"Database: {kind} at {report['where']} ({report['source']})\n"
            f"Schema: {revision}, {_STATE_WORDS[str(report['state'])]}")


def cmd_status(args: argparse.Namespace, config: Config, out: Output) -> int:
    db, choice = _open(config)
    try:
        report = _report(choice, db.schema())
    finally:
        db.dispose()
    out.emit(report, lambda: _text(report))
    return 0


def cmd_migrate(args: argparse.Namespace, config: Config, out: Output) -> int:
    db, choice = _open(config)
    try:
        before = db.upgrade()
        report = _report(choice, db.schema()) | {"upgraded_from": list(before.current)}
    finally:
        db.dispose()
    changed = before.current != tuple(report["revision"])  # type: ignore[arg-type]
    first = (f"Upgraded the schema from {', '.join(before.current) or 'nothing'}." if changed
             else "The schema was already up to date.")
    out.emit(report, lambda: f"{first}\n{_text(report)}")
    return 0
