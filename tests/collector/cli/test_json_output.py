"""Every collector command's ``--json`` is a JSON array of objects (README's promise).

The commands are found by walking the CLI, so a new command with ``--json`` fails
here until it is given arguments below and is run against a ledger holding a bit
of everything: stock, a dead letter, an alert, a cycle count, a rejected point.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from collector.cli import app
from collector.cluster.schema import cluster_leases, cluster_members
from collector.ingest.ports import InboundMessage
from collector.ledger.engine import open_ledger
from collector.ledger.schema import dead_letters, items
from collector.timeseries.outbox import record_unbuildable
from edge_agent import wire
from tests.collector.reconcile.runtime.support import GTIN, Rig, add_item, site_bindings
from tests.support.clock import FakeClock

runner = CliRunner()

ARGUMENTS: dict[tuple[str, ...], list[str]] = {
    ("stock",): [],
    ("movements",): [],
    ("dead-letters", "list"): [],
    ("dead-letters", "replay"): ["{letter}", "--by", "ops"],
    ("parked",): [],
    ("tokens", "list"): [],
    ("users", "list"): [],
    ("report", "cogs"): ["--from", "2026-11-01", "--to", "2026-11-30"],
    ("report", "turnover"): ["--from", "2026-11-01", "--to", "2026-11-30", "--by", "owner"],
    ("report", "abc"): ["--from", "2026-11-01", "--to", "2026-11-30"],
    ("forecast",): ["TEA", "--as-of", "2026-11-26"],
    ("reverse",): ["{receipt}", "--reason", "booked twice"],
    ("alerts", "list"): [],
    ("alerts", "show"): ["{alert}"],
    ("count", "show"): ["{count}"],
    ("influx", "status"): [],
    ("influx", "rejected"): [],
    ("trace", "lot"): ["LOT1", "L-1"],
    ("trace", "serial"): ["SN-1"],
    ("cluster", "status"): [],
    ("cluster", "members"): [],
    ("po", "suppliers"): [],
    ("po", "list"): [],
    ("po", "show"): ["PO-000001"],
    ("po", "receive-status"): ["PO-000001"],
    ("replenish", "suggest"): [],
    ("replenish", "rules"): [],
    ("billing", "cards", "list"): [],
    ("billing", "bill"): ["own", "--month", "2026-11"],
    ("billing", "bills"): [],
    ("owners", "list"): [],
    ("owners", "set"): ["client-a", "--off-books"],
    ("report", "journal"): ["--from", "2026-11-01", "--to", "2026-11-30"],
    ("retention", "report"): [],
    ("retention", "prune"): ["--dry-run"],
}
"""Each command with ``--json`` and what it needs; ``{name}`` comes from the ledger fixture."""


def json_commands(command: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command under ``command`` (a group has ``commands``) that takes ``--json``."""
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        return {
            found
            for name, sub in subcommands.items()
            for found in json_commands(sub, (*path, name))
        }
    takes_json = any("--json" in getattr(p, "opts", ()) for p in command.params)
    return {path} if takes_json else set()


@pytest.fixture
def ledger(tmp_path) -> dict[str, Any]:
    """A SQLite ledger with a receipt, an open shrinkage alert, a dead letter, a count."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    clock = FakeClock()
    add_item(engine, "TEA", gtin=GTIN)
    rig = Rig(engine, clock, site_bindings("json-site", "TEA"))
    receipt = rig.tx("receipt", "TEA", 10, unit_cost=Decimal(2))
    rig.weight(8, -2)
    (alert,) = rig.tick(61)
    topic = wire.events_topic("json-site", "pos-1")
    rig.ingestor.ingest([InboundMessage(topic, b"not json", clock.now())])
    rig.tx("receipt", "LATE", 3, unit_cost=Decimal(1))  # unknown until imported below
    add_item(engine, "LATE")
    rig.tx("sale", "TEA", 99)  # more than there is: it waits for stock
    for sku, tracking in (("LOT1", "lot"), ("SER1", "serial")):
        add_item(engine, sku)
        with engine.begin() as conn:
            conn.execute(sa.update(items).where(items.c.sku == sku).values(tracking=tracking))
    rig.tx("receipt", "LOT1", 2, unit_cost=Decimal(1), lot="L-1")
    rig.tx("receipt", "SER1", 1, unit_cost=Decimal(1), serial="SN-1")
    with engine.connect() as conn:
        letter = conn.execute(
            sa.select(dead_letters.c.id).where(dead_letters.c.reason.like("unknown SKU%"))
        ).scalar_one()
    with engine.begin() as conn:
        record_unbuildable(conn, [("movement 1", "could not build")], at=clock.now())
        _cluster_of_one(conn, clock.now())
    engine.dispose()
    made = runner.invoke(app, ["tokens", "create", "--name", "pos-1", "--role", "integration",
                               "--db", url])  # fmt: skip
    assert made.exit_code == 0, made.output
    password = tmp_path / "password"
    password.write_text("a long enough secret")
    added = runner.invoke(app, ["users", "add", "alice", "--role", "ops", "--password-file",
                                str(password), "--db", url])  # fmt: skip
    assert added.exit_code == 0, added.output
    started = runner.invoke(app, ["count", "start", "--location", "main", "--by", "d", "--db", url])
    assert started.exit_code == 0, started.output
    count = started.stdout.split()[2]
    _purchasing(url)
    carded = runner.invoke(app, ["billing", "cards", "add", "own", "--from", "2026-11-01",
                                 "--unit-day", "0.10", "--pick", "0.40", "--by", "ops",
                                 "--db", url])  # fmt: skip
    assert carded.exit_code == 0, carded.output
    return {
        "db": url,
        "receipt": str(receipt),
        "alert": str(alert),
        "count": count,
        "letter": str(letter),
    }


def _cluster_of_one(conn: sa.Connection, now: datetime) -> None:
    """A member holding a partition, as ``collector run --cluster`` leaves them (rows only:
    a cluster runs on PostgreSQL, but the read side works on any ledger)."""
    conn.execute(sa.insert(cluster_members).values(member_id="c1", host="h", pid=1, partitions=1,
                                                   started_at=now, heartbeat_at=now))  # fmt: skip
    conn.execute(sa.insert(cluster_leases).values(partition=0, owner="c1", token=1, since=now,
                                                  lease_until=now, lag_events=0))  # fmt: skip


def _purchasing(url: str) -> None:
    """A supplier, a rule with an open suggestion, and a draft order."""
    steps = [
        ["po", "supplier", "acme", "Acme"],
        ["replenish", "rule", "--sku", "TEA", "--location", "main", "--supplier", "acme",
         "--min", "50", "--max", "60"],
        ["replenish", "suggest"],
        ["po", "create", "--supplier", "acme", "--line", "LATE:main:5", "--by", "d"],
    ]  # fmt: skip
    for step in steps:
        done = runner.invoke(app, [*step, "--db", url])
        assert done.exit_code == 0, done.output


def test_every_command_with_json_is_exercised_here() -> None:
    assert json_commands(typer.main.get_command(app)) == set(ARGUMENTS)


@pytest.mark.parametrize("words", sorted(ARGUMENTS), ids=" ".join)
def test_json_output_is_an_array_of_objects(words: tuple[str, ...], ledger) -> None:
    args = [a.format(**ledger) for a in ARGUMENTS[words]]
    result = runner.invoke(app, [*words, *args, "--db", ledger["db"], "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert isinstance(printed, list), f"{' '.join(words)} --json printed {type(printed).__name__}"
    assert printed, f"{' '.join(words)} --json printed an empty array for a ledger with data"
    assert all(isinstance(record, dict) and record for record in printed), printed


def test_decimals_and_instants_are_strings(ledger) -> None:
    result = runner.invoke(app, ["alerts", "show", ledger["alert"], "--db", ledger["db"], "--json"])
    [alert] = json.loads(result.stdout)
    assert (alert["expected"], alert["observed"]) == ("10.000000", "8.000000")
    assert datetime.fromisoformat(alert["first_seen_at"]).tzinfo == UTC
