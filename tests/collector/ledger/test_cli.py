"""The ledger commands through typer's CliRunner on a SQLite file; JSON field names are API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import raw_message, tx_message

runner = CliRunner()
ITEMS = """sku,name,gtin,unit_weight_g,valuation,allow_negative
SKU-1,Widget,,12.5,fifo,no
SKU-2,Gadget,4006381333931,,moving_average,yes
"""


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/var/ledger.db"


@pytest.fixture
def stocked(db, tmp_path) -> dict:
    """Items imported, then receipts, sales, a transfer, a 3PL owner and one dead letter."""
    (tmp_path / "items.csv").write_text(ITEMS)
    assert invoke("items", "import", str(tmp_path / "items.csv"), "--db", db).exit_code == 0
    engine = open_ledger(db)
    sale = tx_message(3, "sale", 4, unit_price="5.00")
    SqlIngestor(engine, clock=FixedClock()).ingest(
        [
            tx_message(1, qty=10, unit_cost="2.00"),
            tx_message(2, qty=10, unit_cost="3.00"),
            sale,
            tx_message(4, "transfer", 2, to_location="main/a1/top"),
            tx_message(5, qty=1, owner="client-a", location="back/b1", unit_cost="9"),
            raw_message(b"not json"),
        ]
    )
    engine.dispose()
    return {"sale_event_id": json.loads(sale.payload)["event_id"]}


def invoke(*args: str):
    return runner.invoke(app, list(args))


def as_json(*args: str) -> list[dict]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_items_import_creates_then_updates(db, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text(ITEMS)
    assert "2 items created, 0 updated" in invoke("items", "import", str(path), "--db", db).output
    assert "0 items created, 2 updated" in invoke("items", "import", str(path), "--db", db).output


def test_items_import_reports_every_bad_row_and_imports_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "sku,name,gtin,unit_weight_g,valuation,allow_negative\n"
        "SKU-1,Widget,,,,\n"
        "bad sku,X,,,,\n"
        "SKU-3,Thing,12,,lifo,maybe\n"
    )
    result = invoke("items", "import", str(path), "--db", db)
    assert result.exit_code == 1
    assert "line 3: sku: String should match pattern" in result.output
    assert "line 4: gtin:" in result.output
    assert "valuation: Input should be 'fifo' or 'moving_average'" in result.output
    assert "allow_negative: Input should be a valid boolean" in result.output
    assert as_json("stock", "--db", db) == []


def test_stock_json_has_stable_fields_and_exact_values(db, stocked):
    rows = as_json("stock", "--db", db)
    assert list(rows[0]) == ["sku", "location", "owner", "qty", "value", "avg_unit_cost"]
    main = next(r for r in rows if r["location"] == "main/a1")
    # FIFO: 10 × 2.00 + 10 × 3.00, sold 4 (8.00), moved 2 × 2.00 to main/a1/top
    assert (main["qty"], main["value"], main["avg_unit_cost"]) == (
        "14.000000",
        "38.000000",
        "2.714286",
    )


def test_stock_filters_by_location_subtree_and_owner(db, stocked):
    under_main = as_json("stock", "--db", db, "--location", "main/a1")
    assert {r["location"] for r in under_main} == {"main/a1", "main/a1/top"}
    assert [r["owner"] for r in as_json("stock", "--db", db, "--owner", "client-a")] == ["client-a"]
    assert as_json("stock", "--db", db, "--sku", "SKU-2") == []


def test_movements_json_fields(db, stocked):
    rows = as_json("movements", "--db", db, "--sku", "SKU-1")
    assert list(rows[0]) == [
        "id", "event_id", "type", "sku", "location", "owner", "qty", "unit_cost", "value",
        "cogs", "revenue", "effective_at", "recorded_at", "reverses_movement_id", "reason",
        "provisional", "applies_to_movement_id",
    ]  # fmt: skip
    sale = next(r for r in rows if r["type"] == "sale")
    assert (sale["qty"], sale["cogs"], sale["revenue"]) == ("-4.000000", "8.000000", "20.000000")
    assert [r["id"] for r in as_json("movements", "--db", db, "--limit", "2")] == [5, 6]


def test_dead_letters_json_fields(db, stocked):
    (row,) = as_json("dead-letters", "--db", db)
    assert list(row) == [
        "id", "received_at", "topic", "site", "device_id", "epoch", "seq", "event_id",
        "reason", "times_seen", "last_seen_at", "payload_sha256", "replayed_at", "replayed_by",
        "payload", "payload_bytes",
    ]  # fmt: skip
    assert (row["payload"], row["device_id"]) == ("not json", "pos-1")
    assert row["reason"].startswith("payload is not valid JSON")


def test_cogs_report_lines_satisfy_the_identity(db, stocked):
    rows = as_json("report", "cogs", "--from", "2026-03-01", "--to", "2026-03-01", "--db", db)
    assert [r["sku"] for r in rows] == ["SKU-1", "*"]
    line = rows[0]
    assert (line["purchases"], line["cogs"], line["ending_value"]) == (
        "59.000000",  # 20.00 + 30.00 + 9.00 (client-a)
        "8.000000",
        "51.000000",
    )
    assert (line["revenue"], line["gross_margin"]) == ("20.000000", "12.000000")
    for r in rows:
        bi, p, cogs = (Decimal(r[k]) for k in ("beginning_value", "purchases", "cogs"))
        assert bi + p - cogs == Decimal(r["ending_value"])
    later = as_json("report", "cogs", "--from", "2026-03-02", "--to", "2026-03-31", "--db", db)
    assert (later[0]["beginning_value"], later[0]["cogs"]) == ("51.000000", "0.000000")


def test_cogs_report_defaults_to_the_first_day_with_a_movement_up_to_today(db, stocked):
    today = datetime.now(UTC).date().isoformat()
    explicit = as_json("report", "cogs", "--from", "2026-03-01", "--to", today, "--db", db)
    assert as_json("report", "cogs", "--db", db) == explicit
    assert {r["beginning_value"] for r in explicit} == {"0.000000"}
    table = invoke("report", "cogs", "--db", db)
    assert f"COGS 2026-03-01 to {today}" in table.stdout


def test_cogs_report_of_an_empty_ledger_without_dates_is_one_zero_total(db):
    (total,) = as_json("report", "cogs", "--db", db)
    assert (total["sku"], total["cogs"], total["ending_value"]) == ("*", "0.000000", "0.000000")


def test_cogs_report_from_a_day_after_today_needs_a_to(db):
    result = invoke("report", "cogs", "--from", "2999-01-01", "--db", db)
    assert result.exit_code == 2
    assert "--to (default: today, " in result.output
    assert "is before --from 2999-01-01; give a --to on or after it" in result.output


def test_cogs_report_by_location_subtree_shows_transfers_and_keeps_the_identity(db, stocked):
    rows = as_json("report", "cogs", "--from", "2026-03-01", "--to", "2026-03-01", "--by",
                   "location", "--depth", "2", "--db", db)  # fmt: skip
    assert [r["location"] for r in rows] == ["back/b1", "main/a1", "*"]
    for r in rows:
        bi, p, pr, tr, cogs = (Decimal(r[k]) for k in (
            "beginning_value", "purchases", "purchase_returns", "transfers", "cogs"))  # fmt: skip
        assert bi + p - pr + tr - cogs == Decimal(r["ending_value"])
    by_owner = as_json("report", "cogs", "--from", "2026-03-01", "--to", "2026-03-01",
                       "--by", "owner", "--owner", "client-a", "--db", db)  # fmt: skip
    assert [(r["owner"], r["purchases"]) for r in by_owner] == [
        ("client-a", "9.000000"), ("*", "9.000000"),
    ]  # fmt: skip


def test_turnover_report_per_sku_in_the_books_days(db, stocked):
    (line, total) = as_json("report", "turnover", "--from", "2026-03-01", "--to", "2026-03-01",
                            "--db", db)  # fmt: skip
    assert (line["sku"], line["days"], line["cogs"], line["closing_value"]) == (
        "SKU-1", 1, "8.000000", "51.000000",
    )  # fmt: skip
    assert line["average_value"] == "51.000000"  # one day: its closing value
    assert (
        line["turnover"] == (Decimal(8) / Decimal(51)).quantize(Decimal("0.000001")).to_eng_string()
    )
    assert total["sku"] == "*"


def test_depth_without_a_location_grouping_is_refused(db):
    result = invoke("report", "turnover", "--depth", "2", "--db", db)
    assert result.exit_code == 2
    assert "--depth groups locations: give it with --by location" in result.output


def test_cogs_report_rejects_an_unknown_time_zone(db):
    result = invoke("report", "cogs", "--tz", "Mars/Olympus", "--db", db)
    assert result.exit_code == 2
    assert "--tz 'Mars/Olympus' is not an IANA time zone" in result.output


def test_cogs_report_rejects_a_bad_date(db):
    result = invoke("report", "cogs", "--from", "March", "--to", "2026-03-01", "--db", db)
    assert result.exit_code == 2
    assert "--from 'March' is not a date like 2026-11-25" in result.output


def test_reverse_posts_the_opposite_once(db, stocked):
    event_id = stocked["sale_event_id"]
    result = invoke("reverse", event_id, "--reason", "till error", "--db", db)
    assert result.exit_code == 0, result.output
    main = next(r for r in as_json("stock", "--db", db) if r["location"] == "main/a1")
    assert (main["qty"], main["value"]) == ("18.000000", "46.000000")  # 4 × 2.00 back
    again = invoke("reverse", event_id, "--reason", "till error", "--db", db)
    assert again.exit_code == 1
    assert "has already been reversed" in again.output


def test_reverse_json_prints_the_reversal_lines_as_the_journal_shows_them(db, stocked):
    event_id = stocked["sale_event_id"]
    lines = as_json("reverse", event_id, "--reason", "till error", "--db", db)
    journal = {r["id"]: r for r in as_json("movements", "--db", db)}
    assert lines == [journal[line["id"]] for line in lines]
    (line,) = lines
    sale = next(r for r in journal.values() if r["event_id"] == event_id)
    assert (line["type"], line["qty"], line["cogs"], line["reason"]) == (
        "sale",
        "4.000000",
        "-8.000000",
        "till error",
    )
    assert line["reverses_movement_id"] == sale["id"]


def test_database_url_comes_from_the_environment(db, stocked, monkeypatch):
    monkeypatch.setenv("COLLECTOR_DB_URL", db)
    assert len(as_json("stock")) == 3


def test_reverse_feeds_the_time_series_outbox_when_influx_is_configured(db, stocked, monkeypatch):
    import sqlalchemy as sa  # noqa: PLC0415

    monkeypatch.setenv("COLLECTOR_INFLUX_URL", "http://127.0.0.1:8428")
    count = sa.text("SELECT count(*) FROM timeseries_outbox")
    engine = open_ledger(db)
    with engine.connect() as conn:
        before = conn.execute(count).scalar_one()
    result = invoke("reverse", stocked["sale_event_id"], "--reason", "till error", "--db", db)
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert conn.execute(count).scalar_one() > before
    engine.dispose()
