"""``collector trace lot|serial``: the table fits 80 columns, ``--json`` holds the whole trace."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from tests.collector.ledger.messages import add_items, tx_message
from tests.support.clock import FakeClock

runner = CliRunner()


def lot_ledger(tmp_path) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(items).where(items.c.sku == "SKU-1").values(tracking="lot"))
    sale = uuid.uuid4()
    SqlIngestor(engine, clock=FakeClock()).ingest(
        [
            tx_message(1, qty=6, lot="L-1", expiry=date(2027, 1, 31), reference="PO-4411"),
            tx_message(2, "transfer", 2, to_location="main/aisle-12/shelf-4/lane-2"),
            tx_message(3, "sale", 3, event_id=sale, reference="till-4/2041 a long one"),
            tx_message(4, "return", 1, lot="L-1", returns_event_id=sale),
        ]
    )
    engine.dispose()
    return url


def test_trace_lot_prints_every_line_within_80_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = lot_ledger(tmp_path)
    result = runner.invoke(
        app, ["trace", "lot", "SKU-1", "L-1", "--db", url], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "lot L-1 of SKU-1, expires 2027-01-31"
    assert max(len(line) for line in lines) <= 80
    for word in ("receipt", "transfer", "sale", "return", "PO-4411", "pos-1"):
        assert word in result.stdout


def test_trace_lot_json_has_origin_totals_and_stock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = lot_ledger(tmp_path)
    result = runner.invoke(app, ["trace", "lot", "SKU-1", "L-1", "--db", url, "--json"])
    [trace] = json.loads(result.stdout)
    assert trace["origin"][0]["reference"] == "PO-4411"
    assert trace["totals"]["sale"] == "-3.000000"
    assert trace["totals"]["return"] == "1.000000"
    assert Decimal(trace["totals"]["on_hand"]) == 4
    assert {(s["location"], s["qty"]) for s in trace["on_hand"]} == {
        ("main/a1", "2.000000"), ("main/aisle-12/shelf-4/lane-2", "2.000000"),
    }  # fmt: skip


def test_an_unknown_lot_exits_1_saying_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = lot_ledger(tmp_path)
    result = runner.invoke(app, ["trace", "serial", "NOPE", "--db", url])
    assert result.exit_code == 1
    assert "no movement of serial 'NOPE'" in result.output
