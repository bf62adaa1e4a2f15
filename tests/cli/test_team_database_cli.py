"""Choosing the team database: ``--database-url``, ``BIZCAL_DATABASE_URL``, the URL saved in Settings
(its password in the keychain, never in a file), and ``bizcal db status|migrate`` on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bizcal_desktop.cli.entry import main
from bizcal_desktop.config import Config
from bizcal_desktop.secrets import SecretStore
from bizcal_desktop.services.team_database import SECRET_KEY, SECRET_NAME, TeamDatabaseService
from bizcal_desktop.store.database import _scripts


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_status_and_migrate_on_both_engines(database_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    flags = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url]
    if database_url.startswith("sqlite"):
        flags = ["--data-dir", str(tmp_path)]  # the data folder's own file: sqlite:///<tmp>/bizcal.sqlite3
    code, out, _ = run(capsys, "db", "status", *flags, "--json")
    status = json.loads(out)
    assert code == 0 and status["state"] == "empty" and status["revision"] == []
    code, out, _ = run(capsys, "db", "migrate", *flags)
    head = _scripts().get_current_head()
    assert code == 0 and f"Schema: {head}, up to date" in out and "Upgraded the schema from nothing" in out
    code, out, _ = run(capsys, "db", *flags)
    assert "up to date" in out and ("PostgreSQL (team database)" in out) == database_url.startswith("postgresql")
    code, out, _ = run(capsys, "staff", "add", "Sarah", "--timezone", "Europe/Berlin", *flags)
    assert code == 0
    code, out, _ = run(capsys, "staff", "list", *flags, "--json")
    assert [s["name"] for s in json.loads(out)] == ["Sarah"]


def test_a_newer_schema_is_refused_but_status_still_reads_it(postgres_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    flags = ["--data-dir", str(tmp_path), "--database-url", postgres_url]
    assert run(capsys, "db", "migrate", *flags)[0] == 0
    engine = create_engine(postgres_url)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    code, _, err = run(capsys, "staff", "list", *flags)
    assert code == 1 and "upgraded by a newer BizCal (schema 0099" in err and "update BizCal on this computer" in err
    code, out, _ = run(capsys, "db", "status", *flags)
    assert code == 0 and "upgraded by a newer BizCal" in out
    assert run(capsys, "db", "migrate", *flags)[0] == 1


def test_the_environment_variable_chooses_the_database(postgres_url: str, tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIZCAL_DATABASE_URL", postgres_url)
    assert run(capsys, "staff", "add", "Ana", "--timezone", "UTC", "--data-dir", str(tmp_path))[0] == 0
    assert not (tmp_path / "bizcal.sqlite3").exists()
    assert list(tmp_path.glob("team-database.json")) == []  # an environment URL is never written
    code, out, _ = run(capsys, "db", "status", "--data-dir", str(tmp_path))
    assert "(environment)" in out and "PostgreSQL" in out


def test_a_saved_url_keeps_its_password_in_the_keychain(postgres_server, postgres_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         capsys) -> None:
    setup = create_engine(postgres_url)
    with setup.begin() as c:
        c.execute(text("CREATE ROLE sarah LOGIN PASSWORD 'pw-sarah-123'"))
        c.execute(text(f"ALTER DATABASE {make_url(postgres_url).database} OWNER TO sarah"))
        c.execute(text("ALTER SCHEMA public OWNER TO sarah"))
    setup.dispose()
    with_password = make_url(postgres_url).set(username="sarah", password="pw-sarah-123").render_as_string(False)
    config = Config.load(tmp_path)
    team = TeamDatabaseService(config, SecretStore(config.keyring_service))
    assert team.test(with_password).ok
    choice = team.save(with_password, None)
    assert choice.source == "settings" and choice.where.startswith("sarah@127.0.0.1")
    saved = (tmp_path / "team-database.json").read_text()
    assert "pw-sarah-123" not in saved and "sarah@127.0.0.1" in saved
    assert SecretStore(config.keyring_service).get(SECRET_KEY, SECRET_NAME) == "pw-sarah-123"
    assert team.test(json.loads(saved)["url"]).ok  # the form's URL, the password from the keychain
    assert run(capsys, "staff", "add", "Sarah", "--timezone", "UTC", "--data-dir", str(tmp_path))[0] == 0
    code, out, _ = run(capsys, "db", "status", "--data-dir", str(tmp_path))
    assert "(settings)" in out and "pw-sarah-123" not in out
    SecretStore(config.keyring_service).set(SECRET_KEY, SECRET_NAME, "wrong")
    code, _, err = run(capsys, "staff", "list", "--data-dir", str(tmp_path))
    assert code == 1 and "refused BizCal's login" in err and "wrong" not in err
    assert not team.test(json.loads(saved)["url"]).ok
    team.forget()
    assert run(capsys, "staff", "list", "--data-dir", str(tmp_path), "--json")[1].strip() == "[]"  # SQLite again
