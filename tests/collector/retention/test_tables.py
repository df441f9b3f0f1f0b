"""The other growing tables: what a prune removes, what it keeps, and the report agreeing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from collector.api.schema import api_tokens, idempotency_keys
from collector.ledger.schema import dead_letters
from collector.reconcile.runtime.schema import gate_exits
from collector.retention.policy import RetentionPolicy
from collector.retention.prune import PruneRun, prune
from collector.retention.report import report
from collector.timeseries.outbox import outbox_table, rejected_table
from tests.collector.ledger.messages import T0
from tests.collector.retention.conftest import LATER, prune_at


def _letter(conn, n: int, *, seen: datetime, replayed: bool) -> None:
    conn.execute(
        dead_letters.insert().values(
            received_at=seen, topic=f"t/{n}", reason="bad", payload=b"x",
            payload_sha256=f"{n:064d}", times_seen=1, last_seen_at=seen,
            replayed_at=seen if replayed else None, replayed_by="ops" if replayed else None,
        )
    )  # fmt: skip


def _letters(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(dead_letters.c.topic)).scalars())


def test_replayed_dead_letters_go_after_90_days_open_ones_only_after_365(engine):
    with engine.begin() as conn:
        _letter(conn, 1, seen=T0, replayed=True)
        _letter(conn, 2, seen=T0, replayed=False)
        _letter(conn, 3, seen=T0 - timedelta(days=300), replayed=False)
        _letter(conn, 4, seen=LATER - timedelta(days=10), replayed=True)
    done = prune_at(engine)
    assert (done.deleted["dead_letters"], _letters(engine)) == (2, ["t/2", "t/4"])


def _outbox(conn, recorded_at: datetime, lines: int) -> None:
    text = "\n".join(f"m v={n}" for n in range(lines))
    conn.execute(
        outbox_table.insert().values(lines=text, line_count=lines, recorded_at=recorded_at)
    )


def test_undelivered_points_older_than_30_days_are_deleted_and_counted_as_lost(engine):
    with engine.begin() as conn:
        _outbox(conn, LATER - timedelta(days=40), 5)
        _outbox(conn, LATER - timedelta(days=31), 2)
        _outbox(conn, LATER - timedelta(days=1), 9)
    done = prune_at(engine)
    assert (done.deleted["timeseries_outbox"], done.points_lost) == (2, 7)
    with engine.connect() as conn:
        assert conn.execute(sa.select(outbox_table.c.line_count)).scalars().all() == [9]


def test_rejected_lines_go_after_30_days(engine):
    with engine.begin() as conn:
        for days in (31, 29):
            at = LATER - timedelta(days=days)
            row = {"line": f"{days}", "reason": "r", "recorded_at": at, "rejected_at": at}
            conn.execute(rejected_table.insert().values(row))
    prune_at(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(rejected_table.c.line)).scalars().all() == ["29"]


def test_expired_idempotency_keys_go_and_live_ones_stay(engine):
    with engine.begin() as conn:
        token = conn.execute(
            api_tokens.insert().values(name=f"t-{uuid.uuid4().hex[:8]}", role="integration",
                                       owners="[]", secret_hash="x", created_at=T0)
            .returning(api_tokens.c.id)
        ).scalar_one()  # fmt: skip
        for key, expires in (
            ("old", LATER - timedelta(seconds=1)),
            ("live", LATER + timedelta(hours=1)),
        ):
            conn.execute(idempotency_keys.insert().values(
                token_id=token, key=key, fingerprint="f", state="done", lease_until=T0,
                status_code=201, response="{}", created_at=T0, expires_at=expires))  # fmt: skip
    prune_at(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(idempotency_keys.c.key)).scalars().all() == ["live"]


def test_matched_gate_exits_go_after_30_days_pending_ones_stay(engine):
    with engine.begin() as conn:
        for status in ("matched", "pending"):
            conn.execute(gate_exits.insert().values(
                site="s", location="main/door", sku="SKU-1", epc=f"E-{status}",
                event_id=uuid.uuid4(), device_id="gate-1", seen_at=T0, status=status))  # fmt: skip
    prune_at(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(gate_exits.c.status)).scalars().all() == ["pending"]


@pytest.fixture
def busy(ingestor, engine):
    """A ledger with something prunable in the inbox, dead letters and the outbox."""
    from tests.collector.ledger.messages import heartbeat_message, tx_message  # noqa: PLC0415

    ingestor.ingest([tx_message(1, qty=3), heartbeat_message(2), heartbeat_message(3)])
    with engine.begin() as conn:
        _letter(conn, 1, seen=T0, replayed=True)
        _outbox(conn, T0, 4)
    return engine


def test_the_report_says_what_the_prune_then_removes(busy):
    with busy.connect() as conn:
        before = {r.table: r for r in report(conn, RetentionPolicy(), LATER)}
    inbox = before["inbox"]
    assert (inbox.rows, inbox.oldest, inbox.would_delete, inbox.would_empty) == (3, T0, 2, 1)
    assert before["dead_letters"].would_delete == 1
    assert before["timeseries_outbox"].would_delete == 1
    assert before["movements"].would_delete == 0
    assert "forever" in before["movements"].kept
    assert all(r.size_bytes is None or r.size_bytes > 0 for r in before.values())
    done = prune_at(busy)
    removed = {table: n for table, n in done.deleted.items() if n}
    assert removed == {"inbox": 2, "dead_letters": 1, "timeseries_outbox": 1}
    with busy.connect() as conn:
        after = {r.table: r for r in report(conn, RetentionPolicy(), LATER)}
    assert after["inbox"].rows == 1
    assert sum(r.would_delete + r.would_empty for r in after.values()) == 0


def test_a_stop_ends_the_prune_between_batches(busy):
    import threading  # noqa: PLC0415

    stop = threading.Event()
    stop.set()
    done = prune(busy, PruneRun(RetentionPolicy(), LATER, batch_rows=1, stop=stop))
    assert done.stopped
    assert done.deleted == {}
