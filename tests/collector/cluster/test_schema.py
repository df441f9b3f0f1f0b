"""The cluster tables match their migration (``0015_cluster``) on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector.cluster.errors import ClusterError
from collector.cluster.leases import LeaseStore
from collector.cluster.schema import metadata
from collector.ledger.engine import open_ledger


def _ours(diff: object) -> bool:
    """Differences about the cluster tables (the ledger database holds others too)."""
    if isinstance(diff, tuple) and diff[0] in {"remove_table", "remove_index"}:
        table = diff[1] if diff[0] == "remove_table" else diff[1].table
        return table.name in metadata.tables
    return True


def _diffs(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata) if _ours(d)]


def test_the_tables_match_their_migration_on_sqlite(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        assert _diffs(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_tables_match_their_migration_on_postgres(pg_engine: sa.Engine) -> None:
    assert _diffs(pg_engine) == []


def test_a_cluster_needs_postgres(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        with pytest.raises(ClusterError, match="needs a PostgreSQL ledger"):
            LeaseStore(engine, member_id="a", partitions=4, ttl_s=5)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_member_with_another_partition_count_is_refused(pg_engine: sa.Engine) -> None:
    LeaseStore(pg_engine, member_id="a", partitions=4, ttl_s=5).prepare()
    with pytest.raises(ClusterError, match="has 4 partitions but this collector was started"):
        LeaseStore(pg_engine, member_id="b", partitions=8, ttl_s=5).prepare()
