"""``collector influx status|rejected|drain`` on a real ledger file."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from collector.timeseries.outbox import record_lines, record_unbuildable
from tests.support.services import VICTORIA_URL, is_listening, require, unique_name

runner = CliRunner()


@pytest.fixture
def ledger_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    open_ledger(url).dispose()
    return url


def _queue(url, lines, recorded_at):
    engine = open_ledger(url)
    with engine.begin() as conn:
        record_lines(conn, lines, recorded_at=recorded_at)
    engine.dispose()


def test_status_of_an_empty_outbox(ledger_url):
    result = runner.invoke(app, ["influx", "status", "--db", ledger_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "backlog_points": 0,
            "oldest_recorded_at": None,
            "oldest_age_s": None,
            "rejected_points": 0,
        }
    ]


def test_status_shows_backlog_and_age(ledger_url):
    _queue(ledger_url, ["m f=1 1", "m f=2 2"], datetime.now(UTC) - timedelta(minutes=5))
    result = runner.invoke(app, ["influx", "status", "--db", ledger_url, "--json"])
    [status] = json.loads(result.stdout)
    assert status["backlog_points"] == 2
    assert 300 <= status["oldest_age_s"] < 360


def test_rejected_lists_reasons(ledger_url):
    engine = open_ledger(ledger_url)
    with engine.begin() as conn:
        record_unbuildable(conn, [("movement 7", "could not build")], at=datetime.now(UTC))
    engine.dispose()
    result = runner.invoke(app, ["influx", "rejected", "--db", ledger_url, "--json"])
    [row] = json.loads(result.stdout)
    assert (row["line"], row["reason"]) == ("movement 7", "could not build")


def test_backfill_refuses_a_bad_date(ledger_url):
    result = runner.invoke(app, ["influx", "backfill", "--db", ledger_url, "--from", "yesterday"])
    assert result.exit_code == 2
    assert "--from 'yesterday' is not a date" in result.output


def test_drain_without_a_server_url_is_a_config_error(ledger_url, monkeypatch):
    monkeypatch.delenv("COLLECTOR_INFLUX_URL", raising=False)
    result = runner.invoke(app, ["influx", "drain", "--db", ledger_url, "--until-empty"])
    assert result.exit_code == 2
    assert "influx_url is not set" in result.output


@pytest.mark.influx
def test_drain_until_empty_sends_the_backlog(ledger_url):
    require(is_listening("127.0.0.1", 8428), f"VictoriaMetrics at {VICTORIA_URL}")
    tag = unique_name("cli")
    now_ns = time.time_ns()
    _queue(ledger_url, [f"cli_probe,run={tag} n={i} {now_ns + i}" for i in range(3)],
           datetime.now(UTC))  # fmt: skip
    args = ["influx", "drain", "--db", ledger_url, "--influx-url", VICTORIA_URL, "--until-empty"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "written 3, rejected 0" in result.stdout
    status = runner.invoke(app, ["influx", "status", "--db", ledger_url, "--json"])
    assert json.loads(status.stdout)[0]["backlog_points"] == 0
