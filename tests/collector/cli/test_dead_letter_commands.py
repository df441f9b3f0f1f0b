"""``collector dead-letters replay`` and ``collector parked`` as an operator runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import add_items, balance, tx_message

runner = CliRunner()


def ledger(tmp_path) -> tuple[str, sa.Engine]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    return url, engine


def test_replay_posts_a_dead_letter_once_and_says_so(tmp_path) -> None:
    url, engine = ledger(tmp_path)
    SqlIngestor(engine, clock=FixedClock()).ingest([tx_message(1, qty=2, sku="NEW")])
    with engine.begin() as conn:
        conn.execute(items.insert().values(sku="NEW", name="New", updated_at=datetime.now(UTC)))
    first = runner.invoke(app, ["dead-letters", "replay", "1", "--by", "dana", "--db", url])
    assert first.exit_code == 0, first.output
    assert "dead letter 1 replayed by dana: event" in first.stdout
    assert "receipt NEW at main/a1 qty 2 value 4.000000" in first.stdout
    again = runner.invoke(app, ["dead-letters", "replay", "1", "--by", "dana", "--db", url])
    assert again.exit_code == 1
    assert "replayed already" in again.output
    assert balance(engine, sku="NEW")[0] == Decimal(2)
    listed = runner.invoke(app, ["dead-letters", "--db", url, "--json"])  # bare: lists them
    (letter,) = json.loads(listed.stdout)
    assert (letter["id"], letter["replayed_by"]) == (1, "dana")


def test_a_replay_that_still_fails_exits_1_with_the_reason(tmp_path) -> None:
    url, engine = ledger(tmp_path)
    SqlIngestor(engine, clock=FixedClock()).ingest([tx_message(1, qty=2, sku="NEW")])
    result = runner.invoke(app, ["dead-letters", "replay", "1", "--by", "dana", "--db", url])
    assert result.exit_code == 1
    assert "still cannot be posted: unknown SKU 'NEW'" in result.output


def test_parked_lists_what_waits_for_stock(tmp_path) -> None:
    url, engine = ledger(tmp_path)
    SqlIngestor(engine, clock=FixedClock()).ingest([tx_message(1, "sale", 3, device="till-1")])
    result = runner.invoke(app, ["parked", "--db", url])
    assert result.exit_code == 0, result.output
    assert "SKU-1" in result.stdout
    assert "main/a1" in result.stdout
