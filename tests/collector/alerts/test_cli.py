"""``collector alerts`` and ``collector count`` against a real SQLite ledger."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.ledger.engine import open_ledger
from tests.collector.reconcile.runtime.support import (
    GTIN,
    LOCATION,
    Rig,
    add_item,
    on_hand,
    site_bindings,
)
from tests.support.services import unique_name

runner = CliRunner()


@pytest.fixture
def theft(tmp_path, clock):
    """A ledger holding one open shrinkage alert: book 10, shelf 8."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_item(engine, "TEA", gtin=GTIN)
    rig = Rig(engine, clock, site_bindings(unique_name("site"), "TEA"))
    rig.tx("receipt", "TEA", 10, unit_cost=Decimal(2))
    rig.weight(8, -2)
    rig.tick(61)
    yield url, engine, rig.bindings.site_id
    engine.dispose()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_list_show_ack_and_resolve_with_a_count(theft) -> None:
    url, engine, site = theft
    listed = invoke("alerts", "list", "--status", "open", "--site", site, "--json", "--db", url)
    (alert,) = json.loads(listed.stdout)
    assert (alert["type"], alert["expected"], alert["observed"]) == (
        "shrinkage",
        "10.000000",
        "8.000000",
    )
    alert_id = str(alert["id"])
    assert invoke("alerts", "ack", alert_id, "--by", "alice", "--db", url).exit_code == 0
    done = invoke("alerts", "resolve", alert_id, "--by", "alice", "--counted", "8", "--db", url)
    assert done.exit_code == 0, done.output
    assert "adjustment" in done.stdout
    assert on_hand(engine, "TEA", LOCATION) == Decimal(8)
    [shown] = json.loads(invoke("alerts", "show", alert_id, "--json", "--db", url).stdout)
    assert [(h["action"], h["actor"]) for h in shown["history"]] == [
        ("opened", "reconciler"),
        ("acknowledged", "alice"),
        ("adjusted", "alice"),
    ]
    assert json.loads(invoke("alerts", "list", "--site", site, "--json", "--db", url).stdout) == []


def test_resolve_needs_exactly_one_way(theft) -> None:
    url, _, _ = theft
    both = invoke(
        "alerts", "resolve", "1", "--by", "a", "--counted", "8", "--dismiss", "x", "--db", url
    )
    assert both.exit_code == 2
    assert "exactly one" in both.output


def test_refused_action_exits_1_with_the_reason(theft) -> None:
    url, _, _ = theft
    result = invoke("alerts", "ack", "99999", "--by", "a", "--db", url)
    assert result.exit_code == 1
    assert "no alert 99999" in result.output


def test_cycle_count_posts_the_variance(theft) -> None:
    url, engine, _ = theft
    started = invoke("count", "start", "--location", "main/aisle-1", "--by", "dana", "--db", url)
    assert started.exit_code == 0, started.output
    count_id = started.stdout.split()[2]
    recorded = invoke(
        "count",
        "record",
        "--count",
        count_id,
        "--sku",
        "TEA",
        "--location",
        LOCATION,
        "--counted",
        "7",
        "--by",
        "dana",
        "--db",
        url,
    )
    assert recorded.exit_code == 0, recorded.output
    assert "variance -3" in recorded.stdout
    assert on_hand(engine, "TEA", LOCATION) == Decimal(7)
    assert invoke("count", "close", count_id, "--by", "dana", "--db", url).exit_code == 0
