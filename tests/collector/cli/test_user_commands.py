"""``collector users``: added with a hashed password (file or prompt), listed, disabled."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from typer.testing import CliRunner

from collector.api.schema import console_users
from collector.cli import app
from collector.console.users import active_principal, authenticate
from collector.ledger.engine import open_ledger

runner = CliRunner()
PASSWORD = "a long enough secret"


def test_add_from_a_file_list_and_disable(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    made = runner.invoke(app, ["users", "add", "carol", "--role", "client", "--owner", "client-a",
                               "--password-file", str(secret), "--db", url])  # fmt: skip
    assert made.exit_code == 0, made.output
    engine = open_ledger(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        stored = conn.execute(sa.select(console_users.c.password_hash)).scalar_one()
        assert stored.startswith("$argon2")
        assert PASSWORD not in stored
        assert authenticate(conn, "carol", PASSWORD, now=now)
        principal = active_principal(conn, "carol")
    assert principal is not None
    assert (principal.label, principal.owners) == ("carol", frozenset({"client-a"}))
    (listed,) = json.loads(runner.invoke(app, ["users", "list", "--db", url, "--json"]).stdout)
    assert (listed["name"], listed["role"], listed["owners"]) == ("carol", "client", "client-a")
    assert runner.invoke(app, ["users", "disable", "carol", "--db", url]).exit_code == 0
    with engine.begin() as conn:
        assert not authenticate(conn, "carol", PASSWORD, now=now)
    engine.dispose()


def test_add_reads_the_password_from_the_prompt_twice(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    made = runner.invoke(app, ["users", "add", "alice", "--role", "ops", "--db", url],
                         input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    engine = open_ledger(url)
    with engine.begin() as conn:
        assert authenticate(conn, "alice", PASSWORD, now=datetime.now(UTC))
    engine.dispose()


def test_a_client_without_owners_and_a_short_password_are_refused(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD)
    no_owner = runner.invoke(app, ["users", "add", "carol", "--role", "client",
                                   "--password-file", str(secret), "--db", url])  # fmt: skip
    assert no_owner.exit_code != 0
    assert "--owner" in no_owner.output
    secret.write_text("short")
    short = runner.invoke(app, ["users", "add", "alice", "--role", "ops",
                                "--password-file", str(secret), "--db", url])  # fmt: skip
    assert short.exit_code != 0
    assert "too short" in short.output
