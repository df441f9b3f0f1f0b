"""``collector tokens``: a token is printed once, stored hashed, listed, and revoked for good."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from collector.api.schema import api_tokens
from collector.api.tokens import TokenVerifier
from collector.cli import app
from collector.ledger.engine import open_ledger

runner = CliRunner()


def test_create_list_revoke(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    made = runner.invoke(app, ["tokens", "create", "--name", "client-a-portal", "--role",
                               "client", "--owner", "client-a", "--db", url])  # fmt: skip
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("inv_")
    engine = open_ledger(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.secret_hash)).scalar_one()
        principal = TokenVerifier().principal(conn, token)
    assert token.split("_", 2)[2] not in stored  # only a hash is kept
    assert stored.startswith("$argon2")
    assert principal is not None
    assert (principal.role.value, principal.owners) == ("client", frozenset({"client-a"}))
    (listed,) = json.loads(runner.invoke(app, ["tokens", "list", "--db", url, "--json"]).stdout)
    assert (listed["name"], listed["owners"], listed["revoked_at"]) == (
        "client-a-portal", "client-a", None,
    )  # fmt: skip
    assert runner.invoke(app, ["tokens", "revoke", "client-a-portal", "--db", url]).exit_code == 0
    with engine.connect() as conn:
        assert TokenVerifier().principal(conn, token) is None
    engine.dispose()


def test_a_client_token_without_owners_is_refused(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = runner.invoke(
        app, ["tokens", "create", "--name", "c", "--role", "client", "--db", url]
    )
    assert result.exit_code == 1
    assert "must name the owners it may see" in result.output


def test_an_unknown_role_is_a_usage_error(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = runner.invoke(app, ["tokens", "create", "--name", "c", "--role", "boss", "--db", url])
    assert result.exit_code == 2
    assert "admin, ops, integration, client" in result.output
