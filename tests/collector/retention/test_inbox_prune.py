"""Inbox rows pruned after their retention, and exactly-once still holds (both databases)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from benchmarks.ledger_gen.checks import check_ledger
from collector.ingest.ports import Disposition
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.replay import ReplayRefusedError, replay_dead_letter
from collector.ledger.schema import dead_letters, device_progress, inbox
from collector.ledger.session import posting_session
from collector.retention.policy import RetentionPolicy
from tests.collector.ledger.messages import (
    T0,
    balance,
    heartbeat_message,
    movement_count,
    tx_message,
)
from tests.collector.retention.conftest import LATER, prune_at

ONLY_POSTINGS = "every inbox row is applied and posted movements"
"""A generated ledger's invariant only: stored sensor events and dead letters post nothing."""


def dispositions(outcome) -> list[Disposition]:
    return [o.disposition for o in outcome.outcomes]


def inbox_rows(engine) -> dict[int, str]:
    """seq → payload of every device row in the inbox."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(inbox.c.seq, inbox.c.payload).where(inbox.c.seq.is_not(None)))
        return {int(r.seq): r.payload for r in rows}


def pruned_seq(engine, device: str = "pos-1") -> int:
    with engine.connect() as conn:
        query = sa.select(device_progress.c.pruned_seq).where(device_progress.c.device_id == device)
        return int(conn.execute(query).scalar_one())


def test_rows_the_journal_names_keep_their_identity_and_a_redelivery_is_a_duplicate(
    ingestor, engine
):
    sent = [tx_message(1, qty=10), tx_message(2, "sale", 3), tx_message(3, "sale", 2)]
    ingestor.ingest(sent)
    done = prune_at(engine)
    assert (done.emptied["inbox"], done.deleted.get("inbox", 0)) == (3, 0)
    assert inbox_rows(engine) == {1: "", 2: "", 3: ""}
    again = ingestor.ingest(sent)
    assert dispositions(again) == [Disposition.DUPLICATE] * 3
    assert (balance(engine)[0], movement_count(engine)) == (Decimal(5), 3)
    check_ledger(engine)


def test_a_redelivered_event_whose_row_was_deleted_is_refused_by_device_progress(ingestor, engine):
    sent = [tx_message(1, qty=10), heartbeat_message(2), heartbeat_message(3)]
    ingestor.ingest(sent)
    done = prune_at(engine)
    assert (done.emptied["inbox"], done.deleted["inbox"]) == (1, 2)
    assert (inbox_rows(engine), pruned_seq(engine)) == ({1: ""}, 3)
    again = ingestor.ingest([sent[2], sent[1], sent[0]])
    assert dispositions(again) == [Disposition.DUPLICATE] * 3
    assert inbox_rows(engine) == {1: ""}, "nothing stored again"
    assert (balance(engine)[0], movement_count(engine)) == (Decimal(10), 1)
    check_ledger(engine, skip={ONLY_POSTINGS})


def test_the_next_seq_after_a_prune_is_still_posted(ingestor, engine):
    ingestor.ingest([tx_message(1, qty=10), heartbeat_message(2)])
    prune_at(engine)
    outcome = ingestor.ingest([tx_message(3, "sale", 4)])
    assert dispositions(outcome) == [Disposition.APPLIED]
    assert outcome.progress[0].contiguous_seq == 3
    assert balance(engine)[0] == Decimal(6)
    check_ledger(engine, skip={ONLY_POSTINGS})


def test_rows_past_a_gap_stay_so_the_gap_still_closes(ingestor, engine):
    ingestor.ingest([heartbeat_message(1), heartbeat_message(2), heartbeat_message(4)])
    prune_at(engine)
    assert (set(inbox_rows(engine)), pruned_seq(engine)) == ({4}, 2)
    outcome = ingestor.ingest([heartbeat_message(3)])
    assert dispositions(outcome) == [Disposition.STORED]
    assert outcome.progress[0].contiguous_seq == 4
    check_ledger(engine, skip={ONLY_POSTINGS})


def test_recent_rows_stay_whole(ingestor, engine):
    ingestor.ingest([tx_message(1, qty=10), heartbeat_message(2)])
    done = prune_at(engine, now=T0 + timedelta(days=89))
    assert (done.deleted.get("inbox", 0), done.emptied.get("inbox", 0)) == (0, 0)
    assert all(inbox_rows(engine).values())


def test_inbox_kept_forever_is_not_touched(ingestor, engine):
    ingestor.ingest([heartbeat_message(1)])
    prune_at(engine, policy=RetentionPolicy(inbox_days=0))
    assert inbox_rows(engine)[1] != ""


def test_a_parked_sale_and_an_unreplayed_dead_letter_keep_their_rows(ingestor, engine):
    ingestor.ingest([tx_message(1, "sale", 2), tx_message(2, qty=1, sku="NEW-1")])
    with engine.connect() as conn:
        found = dict(conn.execute(sa.select(inbox.c.seq, inbox.c.disposition)).all())
    assert found == {1: "parked", 2: "dead_lettered"}
    prune_at(engine)
    assert all(inbox_rows(engine).values()), "both rows whole: a sweep and a replay read them"


def test_an_event_refused_and_replayed_is_emptied_then_a_duplicate(ingestor, engine, clock):
    from tests.collector.ledger.test_replay import add_item  # noqa: PLC0415

    message = tx_message(1, qty=4, sku="NEW-1")
    ingestor.ingest([message])
    add_item(engine, "NEW-1")
    with posting_session(engine, now=clock.now()) as session:
        letter = session.conn.execute(sa.select(dead_letters.c.id)).scalar_one()
        replay_dead_letter(session, letter, by="ops")
    prune_at(engine)
    assert inbox_rows(engine) == {1: ""}
    assert dispositions(ingestor.ingest([message])) == [Disposition.DUPLICATE]
    assert balance(engine, sku="NEW-1")[0] == Decimal(4)


def test_a_dead_letter_cannot_be_replayed_into_a_pruned_seq(engine, clock):
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([heartbeat_message(1)])
    ingestor.ingest([tx_message(1, qty=7, event_id=uuid.uuid4())])  # a conflict: seq 1 is held
    prune_at(engine, policy=RetentionPolicy(inbox_days=90, dead_letters_days=0,
                                            open_dead_letters_days=0))  # fmt: skip
    assert inbox_rows(engine) == {}, "the heartbeat holding seq 1 is gone"
    with posting_session(engine, now=LATER) as session:
        letter = session.conn.execute(sa.select(dead_letters.c.id)).scalar_one()
        with pytest.raises(ReplayRefusedError, match="retention pruned"):
            replay_dead_letter(session, letter, by="ops")
    assert movement_count(engine) == 0


def test_small_batches_prune_everything_and_report_progress(ingestor, engine) -> None:
    ingestor.ingest([heartbeat_message(seq) for seq in range(1, 8)])
    seen: list[tuple[str, int, int]] = []
    from collector.retention.prune import PruneRun, prune  # noqa: PLC0415

    prune(engine, PruneRun(RetentionPolicy(), LATER, batch_rows=3,
                           progress=lambda *step: seen.append(step)))  # fmt: skip
    assert [step for step in seen if step[0] == "inbox"] == [
        ("inbox", 3, 0), ("inbox", 6, 0), ("inbox", 7, 0)
    ]  # fmt: skip
    assert (inbox_rows(engine), pruned_seq(engine)) == ({}, 7)
