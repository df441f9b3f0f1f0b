"""The ledger suite's fixtures (SQLite and PostgreSQL), and a prune at a chosen instant."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from collector.retention.policy import RetentionPolicy
from collector.retention.prune import Pruned, PruneRun, prune
from tests.collector.ledger.conftest import clock, engine, ingestor, ledger_url
from tests.collector.ledger.messages import T0

__all__ = ["clock", "engine", "ingestor", "ledger_url"]

LATER = T0 + timedelta(days=100)
"""100 days after the test messages were received: past the default 90 days."""


def prune_at(
    engine: sa.Engine,
    now: datetime = LATER,
    policy: RetentionPolicy | None = None,
    batch_rows: int = 1_000,
) -> Pruned:
    """A prune with the default policy (or ``policy``) as if run at ``now``."""
    return prune(engine, PruneRun(policy or RetentionPolicy(), now, batch_rows=batch_rows))
