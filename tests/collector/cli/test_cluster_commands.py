"""``collector run --cluster`` refuses what cannot work; ``collector cluster status`` reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli import app
from collector.cluster.leases import LeaseStore
from collector.ledger.engine import open_ledger
from tests.support.services import fresh_postgres_database


def test_a_cluster_on_sqlite_is_refused_with_exit_code_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(app, ["run", "--cluster", "--db", db])
    assert result.exit_code == 2
    assert "needs a PostgreSQL ledger" in result.output


def test_a_heartbeat_longer_than_half_the_lease_is_refused() -> None:
    env = {"COLLECTOR_CLUSTER_HEARTBEAT_S": "4", "COLLECTOR_CLUSTER_LEASE_TTL_S": "5"}
    result = CliRunner().invoke(app, ["run", "--cluster"], env=env)
    assert result.exit_code == 2
    assert "at most half of cluster_lease_ttl_s" in result.output


@pytest.mark.postgres
def test_status_lists_each_partition_with_its_owner_token_and_expiry() -> None:
    with fresh_postgres_database() as url:
        engine = open_ledger(url)
        try:
            store = LeaseStore(engine, member_id="collector-a", partitions=3, ttl_s=30)
            store.prepare()
            store.beat(host="host-a", pid=42)
            assert store.claim(1) == 1
            listed = CliRunner().invoke(app, ["cluster", "status", "--db", url, "--json"])
            table = CliRunner().invoke(app, ["cluster", "status", "--db", url])
            members = CliRunner().invoke(app, ["cluster", "members", "--db", url, "--json"])
        finally:
            engine.dispose()
    rows = json.loads(listed.stdout)
    assert [(r["partition"], r["owner"], r["token"]) for r in rows] == [
        (0, None, 0), (1, "collector-a", 1), (2, None, 0),
    ]  # fmt: skip
    assert 25 < rows[1]["expires_in_s"] <= 30
    assert "collector-a" in table.stdout
    assert "(free)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    [member] = json.loads(members.stdout)
    assert (member["member"], member["host"], member["alive"], member["holding"]) == (
        "collector-a", "host-a", True, 1,
    )  # fmt: skip


def test_status_of_a_ledger_without_a_cluster_says_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    open_ledger(db).dispose()
    result = CliRunner().invoke(app, ["cluster", "status", "--db", db])
    assert result.exit_code == 0
    assert "no cluster on this ledger" in result.stdout
