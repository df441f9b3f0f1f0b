"""``collector retention report|prune`` as an operator runs them (a SQLite ledger)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import add_items, heartbeat_message, tx_message

runner = CliRunner()


def _ledger(tmp_path) -> str:
    """Events received 2026-03-01: months older than the default 90 days."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    SqlIngestor(engine, clock=FixedClock()).ingest(
        [tx_message(1, qty=2), heartbeat_message(2), heartbeat_message(3)]
    )
    engine.dispose()
    return url


def _by_table(output: str) -> dict[str, dict]:
    return {row["table"]: row for row in json.loads(output)}


def test_the_dry_run_says_what_goes_and_the_prune_removes_it(tmp_path) -> None:
    url = _ledger(tmp_path)
    dry = runner.invoke(app, ["retention", "prune", "--dry-run", "--json", "--db", url])
    assert dry.exit_code == 0, dry.output
    inbox = _by_table(dry.stdout)["inbox"]
    assert (inbox["rows"], inbox["would_delete"], inbox["would_empty"]) == (3, 2, 1)
    done = runner.invoke(app, ["retention", "prune", "--json", "--db", url, "--batch-rows", "10"])
    assert done.exit_code == 0, done.output
    assert _by_table(done.stdout)["inbox"] == {
        "table": "inbox", "deleted": 2, "emptied": 1, "points_lost": 0
    }  # fmt: skip
    assert "inbox: 2 deleted, 1 emptied" in done.stderr
    after = runner.invoke(app, ["retention", "report", "--json", "--db", url])
    inbox = _by_table(after.stdout)["inbox"]
    assert (inbox["rows"], inbox["would_delete"], inbox["would_empty"]) == (1, 0, 0)


def test_the_report_table_names_each_table_and_its_rule(tmp_path) -> None:
    url = _ledger(tmp_path)
    result = runner.invoke(app, ["retention", "report", "--wide", "--db", url])
    assert result.exit_code == 0, result.output
    for text in ("inbox", "dead_letters", "timeseries_outbox", "90 days whole", "forever"):
        assert text in result.stdout


def test_inbox_kept_forever_prunes_nothing_there(tmp_path) -> None:
    url = _ledger(tmp_path)
    env = {"COLLECTOR_RETAIN_INBOX_DAYS": "0"}
    done = runner.invoke(app, ["retention", "prune", "--json", "--db", url], env=env)
    assert done.exit_code == 0, done.output
    assert "inbox" not in _by_table(done.stdout)


def test_wrong_settings_are_all_reported_at_once_with_exit_2(tmp_path) -> None:
    env = {"COLLECTOR_RETAIN_INBOX_DAYS": "-1", "COLLECTOR_RETENTION_BATCH_ROWS": "1"}
    result = runner.invoke(app, ["retention", "report", "--db", f"sqlite:///{tmp_path}/l.db"],
                           env=env)  # fmt: skip
    assert result.exit_code == 2
    assert "retain_inbox_days" in result.output
    assert "retention_batch_rows" in result.output
