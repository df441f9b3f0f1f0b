"""Dead letters re-submitted once their cause is fixed: posted exactly once, or refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts.parked import sweep
from collector.ledger.replay import ReplayRefusedError, replay_dead_letter
from collector.ledger.schema import dead_letters, inbox, items
from collector.ledger.session import SessionOptions, posting_session
from tests.collector.ledger.messages import balance, movement_count, raw_message, tx_message


def letter_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(sa.select(dead_letters.c.id).order_by(dead_letters.c.id)).scalars()
        )


def replay(engine, clock, letter_id: int):
    with posting_session(engine, now=clock.now()) as session:
        return replay_dead_letter(session, letter_id, by="ops-dana")


def add_item(engine, sku: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            items.insert().values(
                sku=sku, name=sku, valuation="fifo", allow_negative=False,
                updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip


def test_an_unknown_sku_replayed_after_the_item_is_imported_posts_once(ingestor, engine, clock):
    event_id = uuid.uuid4()
    ingestor.ingest([tx_message(1, qty=4, sku="NEW-1", event_id=event_id)])
    (letter,) = letter_ids(engine)
    add_item(engine, "NEW-1")
    replayed = replay(engine, clock, letter)
    assert (replayed.event_id, [ln.qty for ln in replayed.posting.lines]) == (event_id, [4])
    assert balance(engine, sku="NEW-1") == (Decimal(4), Decimal(8))
    with engine.connect() as conn:
        row = conn.execute(sa.select(dead_letters)).one()
        disposition = conn.execute(
            sa.select(inbox.c.disposition).where(inbox.c.event_id == event_id)
        ).scalar_one()
    assert (row.replayed_by, row.replayed_at, disposition) == ("ops-dana", clock.now(), "applied")
    with pytest.raises(ReplayRefusedError, match="replayed already"):
        replay(engine, clock, letter)
    assert movement_count(engine) == 1


def test_a_redelivery_after_the_replay_stays_a_duplicate(ingestor, engine, clock):
    message = tx_message(1, qty=4, sku="NEW-2")
    ingestor.ingest([message])
    add_item(engine, "NEW-2")
    replay(engine, clock, letter_ids(engine)[0])
    again = ingestor.ingest([message])
    assert [o.disposition.value for o in again.outcomes] == ["duplicate"]
    assert movement_count(engine) == 1


def test_a_replay_that_still_fails_is_refused_and_changes_nothing(ingestor, engine, clock):
    ingestor.ingest([tx_message(1, qty=4, sku="NEW-3")])
    (letter,) = letter_ids(engine)
    with pytest.raises(ReplayRefusedError, match=r"still cannot be posted: unknown SKU 'NEW-3'"):
        replay(engine, clock, letter)
    with engine.connect() as conn:
        assert conn.execute(sa.select(dead_letters.c.replayed_at)).scalar_one() is None
    assert movement_count(engine) == 0


def test_a_sale_that_waited_too_long_is_replayed_once_the_receipt_is_in(engine, clock):
    from collector.ledger.ingestor import SqlIngestor  # noqa: PLC0415

    options = SessionOptions(park_timeout_s=10)
    ingestor = SqlIngestor(engine, clock=clock, options=options)
    sale = uuid.uuid4()
    ingestor.ingest([tx_message(1, "sale", 2, device="till-1", event_id=sale)])
    clock.at += timedelta(seconds=11)
    sweep(engine, clock=clock, options=options)
    ingestor.ingest([tx_message(1, qty=5, device="dock-1", unit_cost="3")])
    assert balance(engine)[0] == 5  # dead-lettered: no longer waiting for it
    replayed = replay(engine, clock, letter_ids(engine)[0])
    assert (replayed.event_id, balance(engine)) == (sale, (Decimal(3), Decimal(9)))


def test_an_unreadable_dead_letter_is_refused(ingestor, engine, clock):
    ingestor.ingest([raw_message(b"{not json")])
    with pytest.raises(ReplayRefusedError, match="still cannot be read: payload is not valid JSON"):
        replay(engine, clock, letter_ids(engine)[0])


def test_a_conflicting_event_cannot_take_the_seq_it_clashed_over(ingestor, engine, clock):
    ingestor.ingest([tx_message(1, qty=1)])
    ingestor.ingest([tx_message(1, qty=7)])
    with pytest.raises(ReplayRefusedError, match="holds seq 1 of device pos-1 epoch 1"):
        replay(engine, clock, letter_ids(engine)[0])
    assert balance(engine)[0] == 1


def test_an_unknown_dead_letter_says_where_to_look(engine, clock):
    with pytest.raises(ReplayRefusedError, match="`collector dead-letters` lists them"):
        replay(engine, clock, 424242)
