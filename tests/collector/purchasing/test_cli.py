"""``collector po`` and ``collector replenish`` against a real SQLite ledger."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from tests.support.ledger import add_item

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_rule_suggest_order_and_send_from_the_command_line(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    sku = add_item(engine)
    engine.dispose()
    invoke("po", "supplier", "acme", "Acme Ltd", "--db", url)
    invoke("po", "item", "acme", sku, "--lead-days", "3", "--multiple", "6", "--db", url)
    invoke("replenish", "rule", "--sku", sku, "--location", "main", "--supplier", "acme",
           "--min", "5", "--max", "20", "--db", url)  # fmt: skip
    table = invoke("replenish", "suggest", "--db", url)
    assert "1 new suggestion(s)" in table
    assert all(len(line) <= 80 for line in table.splitlines())
    assert "order up to 20: 20 − 0 = 20, in multiples of 6, at least MOQ 0 → 24" in (
        table.replace("\n    ", " ")
    )
    (found,) = json.loads(invoke("replenish", "suggest", "--json", "--db", url))
    assert (found["sku"], found["qty"], found["status"]) == (sku, "24.000000", "open")
    assert "ordered on draft PO-000001" in invoke("replenish", "order", "--all", "--db", url)
    assert json.loads(invoke("replenish", "suggest", "--json", "--db", url)) == []
    assert "PO-000001 is sent" in invoke("po", "send", "PO-000001", "--db", url)
    (order,) = json.loads(invoke("po", "show", "PO-000001", "--json", "--db", url))
    assert order["status"] == "sent"
    assert [(ln["sku"], ln["outstanding"]) for ln in order["lines"]] == [(sku, "24.000000")]
    listing = invoke("po", "list", "--db", url)
    assert "PO-000001" in listing
    assert all(len(line) <= 80 for line in listing.splitlines())
    status = invoke("po", "receive-status", "1", "--db", url)
    assert "24" in status


def test_a_refused_step_exits_1_and_says_why(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    invoke("po", "supplier", "acme", "Acme Ltd", "--db", url)
    invoke("po", "create", "--supplier", "acme", "--line", "SKU-X:main:5", "--by", "ann",
           "--db", url)  # fmt: skip
    invoke("po", "cancel", "PO-000001", "--db", url)
    result = runner.invoke(app, ["po", "send", "PO-000001", "--db", url])
    assert result.exit_code == 1
    assert "PO-000001 is cancelled: it cannot send" in result.output
