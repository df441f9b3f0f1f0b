"""``collector demo``: the scripted day over the embedded broker matches the worked figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
import structlog
from rich.console import Console
from typer.testing import CliRunner

from collector.cli import app
from collector.demo import feed
from collector.demo.runner import check, run_demo
from collector.ledger.queries import StockRow

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _restore_logging():
    """The demo command configures structlog onto this test's captured stderr; undo that."""
    yield
    structlog.reset_defaults()


def test_demo_ledger_matches_the_hand_worked_figures(tmp_path) -> None:
    outcome = run_demo(mqtt_url=None, var_dir=tmp_path, console=Console(quiet=True))
    assert outcome.problems == []
    assert outcome.cogs == Decimal("210.60")
    assert {(r.sku, r.location): r.qty for r in outcome.rows} == feed.EXPECTED_ON_HAND


def test_demo_command_prints_the_stock_table_and_exits_zero(tmp_path) -> None:
    result = CliRunner().invoke(app, ["demo", "--var-dir", str(tmp_path)], env={"MQTT_URL": ""})
    assert result.exit_code == 0, result.output
    assert "COF-250" in result.output
    assert "Cost of goods sold: 210.60" in result.output


def test_a_ledger_that_differs_is_reported_line_by_line() -> None:
    rows = [
        StockRow("COF-250", feed.BACKROOM, "own", Decimal(15), Decimal("67.50"), None),
        StockRow("TEA-100", feed.SHELF_TEA, "own", Decimal(29), Decimal("66.70"), None),
    ]
    problems = check(rows, Decimal("210.60"))
    assert "TEA-100 at main/aisle-1/shelf-2: ledger has 29, expected 28" in problems
    assert "COF-250 at main/aisle-1/shelf-1: ledger has 0, expected 14" in problems
    assert any(p.startswith("stock value 134.20") for p in problems)
