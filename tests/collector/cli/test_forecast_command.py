"""``collector forecast`` and ``collector report abc`` through typer's CliRunner on SQLite."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import add_items, tx_message

runner = CliRunner()
DAY = 1440  # minutes: tx_message(seq) is observed seq minutes after 09:00 UTC, 1 March
WEEK = [3, 3, 3, 4, 5, 9, 6]


@pytest.fixture
def db(tmp_path) -> str:
    """Ten weeks of SKU-1 sales with a weekly pattern; SKU-2 sells 1 on every 9th day."""
    url = f"sqlite:///{tmp_path}/var/ledger.db"
    engine = open_ledger(url)
    add_items(engine)
    messages = [tx_message(1, qty=1000), tx_message(2, qty=10, sku="SKU-2", unit_cost="5.00")]
    for d in range(70):
        messages.append(tx_message(d * DAY + 10, "sale", WEEK[d % 7] + d % 2))
        if d % 9 == 0:
            messages.append(tx_message(d * DAY + 20, "sale", 1, sku="SKU-2"))
    SqlIngestor(engine, clock=FixedClock()).ingest(messages)
    engine.dispose()
    return url


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_forecast_prints_method_accuracy_cover_and_a_chart_in_80_columns(db) -> None:
    result = invoke("forecast", "SKU-1", "--as-of", "2026-05-10", "--horizon-days", "21",
                    "--db", db)  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] in {
        "SKU-1 (all locations): trend_seasonal (smooth demand)",
        "SKU-1 (all locations): seasonal_naive (smooth demand)",
    }
    assert lines[1].startswith("backtest: MASE ")
    assert "(seasonal naive: MASE " in lines[1]
    assert "over 21 days from 2026-05-10" in lines[2]
    assert lines[3].startswith("on hand ")
    assert "days of cover" in lines[3]
    assert "stock-out 2026-" in lines[3]
    assert max(len(line) for line in lines) <= 80
    assert any("#" in line and "+" in line for line in lines[4:])


def test_forecast_json_is_one_object_with_the_days(db) -> None:
    result = invoke("forecast", "SKU-2", "--as-of", "2026-05-10", "--json", "--db", db)
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)
    assert (found["sku"], found["intermittent"]) == ("SKU-2", True)
    assert found["method"] in {"croston", "sba", "tsb"}
    assert next(b["method"] for b in found["backtests"]) == "seasonal_naive"
    assert (len(found["history"]), len(found["forecast"])) == (70, 28)
    assert found["on_hand"] == "2.000000"  # 10 received, 8 sold on days 0, 9, … 63
    assert found["forecast"][0]["day"] == "2026-05-10"


def test_forecast_of_an_unknown_sku_or_a_bad_horizon_is_an_error(db) -> None:
    unknown = invoke("forecast", "SKU-9", "--db", db)
    assert unknown.exit_code == 1
    assert "SKU-9 has no stock history" in unknown.output
    bad = invoke("forecast", "SKU-1", "--horizon-days", "0", "--db", db)
    assert bad.exit_code == 2
    assert "--horizon-days 0 is not between 1 and 366" in bad.output
    early = invoke("forecast", "SKU-1", "--as-of", "0001-01-01", "--db", db)
    assert early.exit_code == 2
    assert "--as-of: the day 0001-01-01 is not between 1970-01-01 and 9000-12-31" in early.output
    day = invoke("forecast", "SKU-1", "--as-of", "May", "--db", db)
    assert (day.exit_code, "--as-of 'May' is not a date" in day.output) == (2, True)


def test_report_abc_classes_the_items_by_cogs(db) -> None:
    result = invoke("report", "abc", "--from", "2026-03-01", "--to", "2026-05-09", "--json",
                    "--db", db)  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)
    # SKU-1: 10 weeks of 33 + 35 odd days = 365 units at 2.00 = 730; SKU-2: 8 × 5.00 = 40.
    # Before SKU-2 comes 730 ÷ 770 = 94.8 % of the COGS, under 95 %: a B.
    assert [(x["sku"], x["cogs"], x["abc_class"]) for x in lines] == [
        ("SKU-1", "730.000000", "A"), ("SKU-2", "40.000000", "B"),
    ]  # fmt: skip
    table = invoke("report", "abc", "--from", "2026-03-01", "--to", "2026-05-09", "--db", db)
    assert table.exit_code == 0
    assert "ABC by COGS 2026-03-01 to 2026-05-09" in table.stdout
