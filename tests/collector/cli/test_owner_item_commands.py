"""``collector items add --owner`` and ``collector ownership-change`` on a SQLite file."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import balances, inbox, movements
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import tx_message

runner = CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/ledger.db"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_items_add_with_an_owner_creates_its_namespaced_item(db):
    result = invoke("items", "add", "SKU-1", "--name", "Widget", "--owner", "acme", "--db", db)
    assert result.exit_code == 0, result.output
    assert "item acme:SKU-1 created in owner acme's catalogue" in result.output
    again = invoke("items", "add", "SKU-1", "--name", "Widget", "--owner", "acme", "--db", db)
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_ownership_change_posts_both_sides_under_one_event(db):
    assert invoke("items", "add", "SH-1", "--name", "Shared", "--db", db).exit_code == 0
    engine = open_ledger(db)
    SqlIngestor(engine, clock=FixedClock()).ingest(
        [tx_message(1, qty=5, sku="SH-1", owner="acme", unit_cost="2.00")]
    )
    args = ("ownership-change", "SH-1", "2", "--location", "main/a1", "--from", "acme")
    result = invoke(*args, "--to", "bravo", "--by", "ops:ann", "--db", db)
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        owners = dict(conn.execute(sa.select(balances.c.owner, balances.c.qty)).all())
        events = (
            conn.execute(
                sa.select(movements.c.event_id).where(movements.c.type == "ownership").distinct()
            )
            .scalars()
            .all()
        )
        who = conn.execute(sa.select(inbox.c.principal).where(inbox.c.event_id == events[0]))
        assert who.scalar_one() == "ops:ann"
    engine.dispose()
    assert owners == {"acme": Decimal(3), "bravo": Decimal(2)}
    assert len(events) == 1


def test_ownership_change_beyond_stock_exits_1_with_why(db):
    assert invoke("items", "add", "SH-1", "--name", "Shared", "--db", db).exit_code == 0
    args = ("ownership-change", "SH-1", "2", "--location", "main/a1", "--from", "acme")
    result = invoke(*args, "--to", "bravo", "--db", db)
    assert result.exit_code == 1
    assert "ownership change of 2 SH-1 at main/a1 (owner acme) exceeds on-hand 0" in result.output
