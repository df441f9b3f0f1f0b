"""Once a location master is in use, a posting to a location it does not have is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from collector.ingest.ports import Disposition
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import locations
from collector.ledger.session import SessionOptions
from tests.collector.ledger.messages import balance, tx_message

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def add(engine, path: str, kind: str) -> None:
    parent = path.rpartition("/")[0] or None
    with engine.begin() as conn:
        conn.execute(locations.insert().values(
            path=path, parent_path=parent, name=path.rpartition("/")[2], depth=path.count("/"),
            created_at=NOW, kind=kind,
        ))  # fmt: skip


def test_without_a_master_a_posting_creates_its_location(engine, clock) -> None:
    SqlIngestor(engine, clock=clock).ingest([tx_message(1, location="anywhere/x1")])
    with engine.connect() as conn:
        found = set(conn.execute(sa.select(locations.c.path)).scalars())
    assert {"anywhere", "anywhere/x1"} <= found


def test_with_a_master_a_typo_is_refused_naming_the_location(engine, clock) -> None:
    add(engine, "main", "site")
    add(engine, "main/a1", "shelf")
    ingestor = SqlIngestor(engine, clock=clock, options=SessionOptions(park_timeout_s=0))
    outcome = ingestor.ingest(
        [tx_message(1, location="main/a1"), tx_message(2, location="main/aa1")]
    )
    assert [o.disposition for o in outcome.outcomes] == [
        Disposition.APPLIED,
        Disposition.DEAD_LETTERED,
    ]
    assert outcome.outcomes[1].reason is not None
    assert outcome.outcomes[1].reason.startswith(
        "location 'main/aa1' is not in the location master"
    )
    assert balance(engine, location="main/aa1") == (0, 0)


def test_a_transfer_to_a_location_outside_the_master_is_refused(engine, clock) -> None:
    add(engine, "main", "site")
    add(engine, "main/a1", "shelf")
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([tx_message(1, qty=2)])
    outcome = ingestor.ingest([tx_message(2, "transfer", 1, to_location="main/b9")])
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    assert outcome.outcomes[0].reason is not None
    assert "'main/b9' is not in the location master" in outcome.outcomes[0].reason
