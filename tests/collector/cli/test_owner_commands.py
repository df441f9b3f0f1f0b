"""``collector owners set|list`` and ``collector report journal``: the books from the shell."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.messages import add_items, tx_message
from tests.support.clock import FakeClock

runner = CliRunner()
MARCH_1 = ["--from", "2026-03-01", "--to", "2026-03-01"]


def ledger(tmp_path) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    SqlIngestor(engine, clock=FakeClock()).ingest([
        tx_message(1, qty=10),  # 10 at 2.00
        tx_message(2, "sale", 4),
        tx_message(3, qty=5, unit_cost="3.00", owner="client"),
    ])  # fmt: skip
    engine.dispose()
    return url


def run(*words: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(words))


def test_an_owner_set_off_the_books_leaves_the_warehouses_report(tmp_path) -> None:
    url = ledger(tmp_path)
    made = run("owners", "set", "client", "--off-books", "--db", url)
    assert made.exit_code == 0, made.output
    assert "owner client: off the warehouse's books" in made.stdout
    report = json.loads(
        run("report", "cogs", *MARCH_1, "--by", "total", "--json", "--db", url).stdout
    )
    assert (report[0]["purchases"], report[0]["cogs"]) == ("20.000000", "8.000000")
    listed = json.loads(run("owners", "list", "--json", "--db", url).stdout)
    assert [(o["owner"], o["on_books"]) for o in listed] == [("client", False), ("own", True)]


def test_the_journal_csv_uses_the_account_codes_of_the_settings(tmp_path, monkeypatch) -> None:
    url = ledger(tmp_path)
    run("owners", "set", "client", "--off-books", "--db", url)
    monkeypatch.setenv("COLLECTOR_ACCOUNT_INVENTORY", "630")
    done = run("report", "journal", *MARCH_1, "--csv", "--db", url)
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["account"], r["debit"], r["credit"], r["owner"]) for r in rows] == [
        ("630", "12.00", "", "own"), ("2150", "", "20.00", "own"), ("5000", "8.00", "", "own"),
    ]  # fmt: skip


def test_the_journal_of_an_owner_off_the_books_is_refused_with_the_reason(tmp_path) -> None:
    url = ledger(tmp_path)
    run("owners", "set", "client", "--off-books", "--db", url)
    done = run("report", "journal", *MARCH_1, "--owner", "client", "--db", url)
    assert done.exit_code == 1
    assert "client keeps its stock off the warehouse's books" in done.output
