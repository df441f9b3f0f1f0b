"""SqlIngestor contract: exactly once, nothing lost, bad input set aside, on both databases."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.errors import LedgerError
from collector.ingest.ports import DeviceProgress, Disposition, InboundMessage
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.observers import Posted
from collector.ledger.schema import balances, dead_letters, device_progress, inbox, movements
from collector.ledger.session import SessionOptions
from edge_agent.wire import MAX_PAYLOAD_BYTES
from tests.collector.ledger.messages import (
    SITE,
    T0,
    balance,
    heartbeat_message,
    movement_count,
    raw_message,
    tx_message,
)


def dispositions(outcome) -> list[Disposition]:
    return [o.disposition for o in outcome.outcomes]


def test_transactions_are_applied_and_sensor_events_stored(ingestor, engine):
    outcome = ingestor.ingest(
        [tx_message(1, qty=10), tx_message(2, "sale", 4), heartbeat_message(3)]
    )
    assert dispositions(outcome) == [Disposition.APPLIED, Disposition.APPLIED, Disposition.STORED]
    assert balance(engine) == (Decimal(6), Decimal(12))  # 10 × 2.00 − 4 × 2.00
    with engine.connect() as conn:
        kinds = conn.execute(sa.select(inbox.c.kind, inbox.c.disposition).order_by(inbox.c.seq))
        assert [tuple(r) for r in kinds] == [
            ("stock.transaction", "applied"),
            ("stock.transaction", "applied"),
            ("device.heartbeat", "stored"),
        ]


def test_duplicates_within_a_batch_change_the_ledger_once(ingestor, engine):
    first = tx_message(1, qty=10)
    outcome = ingestor.ingest([first, first, tx_message(2, qty=1), first])
    assert dispositions(outcome) == [
        Disposition.APPLIED,
        Disposition.DUPLICATE,
        Disposition.APPLIED,
        Disposition.DUPLICATE,
    ]
    assert balance(engine)[0] == 11


def test_a_redelivered_event_is_a_duplicate(ingestor, engine):
    event_id = uuid.uuid4()
    ingestor.ingest([tx_message(1, qty=10, event_id=event_id)])
    again = ingestor.ingest([tx_message(1, qty=10, event_id=event_id)])
    assert dispositions(again) == [Disposition.DUPLICATE]
    assert again.progress == [DeviceProgress(SITE, "pos-1", 1, 1)]
    assert (balance(engine)[0], movement_count(engine)) == (10, 1)


def test_another_event_under_an_applied_seq_is_a_conflict_naming_both(ingestor, engine):
    first = uuid.uuid4()
    ingestor.ingest([tx_message(1, qty=10, event_id=first)])
    second = uuid.uuid4()
    outcome = ingestor.ingest([tx_message(1, qty=99, event_id=second)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED]
    (reason,) = dead_letter_reasons(engine)
    assert reason.startswith("conflict: seq 1 of device pos-1 epoch 1 already holds event")
    assert str(first) in reason
    assert str(second) in reason
    assert balance(engine)[0] == 10


def test_an_event_id_reused_under_a_new_seq_is_a_conflict_and_the_seq_is_handled(ingestor, engine):
    event_id = uuid.uuid4()
    ingestor.ingest([tx_message(1, qty=10, event_id=event_id)])
    outcome = ingestor.ingest([tx_message(2, qty=5, event_id=event_id)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED]
    assert outcome.progress == [DeviceProgress(SITE, "pos-1", 1, 2)]  # the ack moves on
    (reason,) = dead_letter_reasons(engine)
    assert f"event id {event_id} came before as seq 1 of device pos-1 epoch 1" in reason
    assert "seq 2 of device pos-1 epoch 1" in reason
    assert balance(engine)[0] == 10


def test_an_identity_repeated_with_other_contents_is_a_conflict(ingestor, engine):
    event_id = uuid.uuid4()
    ingestor.ingest([tx_message(1, qty=10, event_id=event_id)])
    outcome = ingestor.ingest([tx_message(1, qty=11, event_id=event_id)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED]
    assert "came again with other contents" in dead_letter_reasons(engine)[0]
    assert balance(engine)[0] == 10


def test_a_conflict_delivered_again_is_counted_on_its_dead_letter(ingestor, engine):
    ingestor.ingest([tx_message(1, qty=10)])
    clash = tx_message(1, qty=99)
    ingestor.ingest([clash])
    again = ingestor.ingest([clash])
    assert dispositions(again) == [Disposition.DUPLICATE]
    with engine.connect() as conn:
        assert conn.execute(sa.select(dead_letters.c.times_seen)).scalar_one() == 2


def test_conflicts_within_one_batch_keep_the_first(ingestor, engine):
    event_id = uuid.uuid4()
    outcome = ingestor.ingest(
        [
            tx_message(1, qty=10, event_id=event_id),
            tx_message(1, qty=10, event_id=event_id),  # a duplicate
            tx_message(1, qty=3),  # the same seq, another event
            tx_message(2, qty=5, device="pos-2", event_id=event_id),  # the same id elsewhere
        ]
    )
    assert dispositions(outcome) == [
        Disposition.APPLIED,
        Disposition.DUPLICATE,
        Disposition.DEAD_LETTERED,
        Disposition.DEAD_LETTERED,
    ]
    assert balance(engine)[0] == 10


def dead_letter_reasons(engine) -> list[str]:
    with engine.connect() as conn:
        query = sa.select(dead_letters.c.reason).order_by(dead_letters.c.id)
        return list(conn.execute(query).scalars())


def test_progress_reports_the_contiguous_seq_and_records_gaps(ingestor, engine):
    outcome = ingestor.ingest([tx_message(1), tx_message(2), tx_message(5), tx_message(7)])
    assert outcome.progress == [DeviceProgress(SITE, "pos-1", 1, 2)]
    with engine.connect() as conn:
        row = conn.execute(sa.select(device_progress)).one()
    assert (row.contiguous_seq, row.highest_seq, json.loads(row.gaps)) == (2, 7, [[3, 4], [6, 6]])
    filled = ingestor.ingest([tx_message(3), tx_message(4), tx_message(6)])
    assert filled.progress == [DeviceProgress(SITE, "pos-1", 1, 7)]


def test_progress_is_per_device_and_epoch_and_repeated_for_duplicates(ingestor):
    second = tx_message(2)
    ingestor.ingest([tx_message(1), second])
    outcome = ingestor.ingest([tx_message(1, epoch=2), tx_message(2, device="pos-9")])
    assert outcome.progress == [
        DeviceProgress(SITE, "pos-1", 2, 1),
        DeviceProgress(SITE, "pos-9", 1, 0),
    ]
    redelivered = ingestor.ingest([second])  # a device that missed its ack
    assert dispositions(redelivered) == [Disposition.DUPLICATE]
    assert redelivered.progress == [DeviceProgress(SITE, "pos-1", 1, 2)]


def test_rejected_events_are_dead_lettered_leaving_the_ledger_untouched(engine, clock):
    ingestor = SqlIngestor(engine, clock=clock, options=SessionOptions(park_timeout_s=0))
    ingestor.ingest([tx_message(1, qty=3)])
    with engine.connect() as conn:
        before = conn.execute(sa.select(balances)).all()
    outcome = ingestor.ingest(
        [
            tx_message(2, "sale", 5),  # SKU-1 forbids negative stock
            tx_message(3, sku="NOPE"),  # unknown SKU
        ]
    )
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED] * 2
    assert outcome.outcomes[0].reason == (
        "sale of 5 SKU-1 at main/a1 exceeds on-hand 3 and SKU-1 forbids negative stock"
    )
    assert outcome.progress == [DeviceProgress(SITE, "pos-1", 1, 3)]  # handled: droppable
    with engine.connect() as conn:
        assert conn.execute(sa.select(balances)).all() == before
        reasons = conn.execute(sa.select(dead_letters.c.seq, dead_letters.c.reason)).all()
        assert [seq for seq, _ in reasons] == [2, 3]
        assert "unknown SKU 'NOPE'" in reasons[1].reason
    assert movement_count(engine) == 1


def test_malformed_payloads_are_kept_raw_and_the_batch_goes_on(ingestor, engine):
    outcome = ingestor.ingest([raw_message(b"\x00not json"), tx_message(1, qty=2)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED, Disposition.APPLIED]
    with engine.connect() as conn:
        row = conn.execute(sa.select(dead_letters)).one()
    assert row.payload == b"\x00not json"
    assert row.device_id == "pos-1"
    assert row.reason.startswith("payload is not valid JSON")


def test_schema_invalid_event_with_a_seq_counts_as_handled(ingestor):
    body = json.loads(tx_message(1).payload)
    body["data"]["qty"] = "-1"
    outcome = ingestor.ingest([raw_message(json.dumps(body).encode()), tx_message(2)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED, Disposition.APPLIED]
    assert outcome.progress == [DeviceProgress(SITE, "pos-1", 1, 2)]


def test_value_and_quantity_of_every_balance_equal_the_sum_of_its_movements(ingestor, engine):
    ingestor.ingest(
        [
            tx_message(1, qty=10, unit_cost="1.10"),
            tx_message(2, qty=5, unit_cost="1.30"),
            tx_message(3, "sale", 7, unit_price="3"),
            tx_message(4, "transfer", 4, to_location="back/b1"),
            tx_message(5, "return", 1),
            tx_message(6, "sale", 3, sku="SKU-2"),
            tx_message(7, qty=3, sku="SKU-2", unit_cost="0.333333"),
            tx_message(8, "adjustment", -1, location="back/b1"),
        ]
    )
    sums = (
        sa.select(
            movements.c.sku,
            movements.c.location,
            sa.func.sum(movements.c.qty).label("qty"),
            sa.func.sum(movements.c.value).label("value"),
        )
        .group_by(movements.c.sku, movements.c.location)
        .order_by(movements.c.sku, movements.c.location)
    )
    stored = sa.select(balances.c.sku, balances.c.location, balances.c.qty, balances.c.value)
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(sums)] == [
            tuple(r) for r in conn.execute(stored.order_by(balances.c.sku, balances.c.location))
        ]


def test_fifo_layers_and_sale_costs_survive_a_restart(engine, clock):
    SqlIngestor(engine, clock=clock).ingest(
        [
            tx_message(1, qty=10, unit_cost="2.00"),
            tx_message(2, qty=10, unit_cost="3.00"),
            tx_message(3, "sale", 15),  # 10 × 2.00 + 5 × 3.00 = 35.00
        ]
    )
    restarted = SqlIngestor(engine, clock=clock)  # nothing cached
    restarted.ingest([tx_message(4, "sale", 2), tx_message(5, "return", 1)])
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(movements.c.type, movements.c.value).where(movements.c.id > 3)
        ).all()
    assert [tuple(r) for r in rows] == [("sale", Decimal(-6)), ("return", Decimal(3))]


def test_another_writer_between_batches_is_noticed(engine, clock):
    first, second = SqlIngestor(engine, clock=clock), SqlIngestor(engine, clock=clock)
    first.ingest([tx_message(1, qty=5)])
    second.ingest([tx_message(2, "sale", 4)])
    outcome = first.ingest([tx_message(3, "sale", 2)])  # only 1 left: its cache is stale
    assert dispositions(outcome) == [Disposition.PARKED]  # waits for stock, as it should
    assert "exceeds on-hand 1" in outcome.outcomes[0].reason
    assert balance(engine)[0] == 1


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[Posted] = []

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        self.seen.append(posted)


class _Failing:
    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        conn.execute(sa.text("SELECT * FROM no_such_table"))


def test_observers_see_movements_balances_and_stored_events(engine, clock):
    recorder = _Recorder()
    SqlIngestor(engine, clock=clock, observers=[recorder]).ingest(
        [tx_message(1, qty=4), heartbeat_message(2), tx_message(3, "transfer", 1,
                                                                 to_location="back/b1")]
    )  # fmt: skip
    (posted,) = recorder.seen
    assert [m.type.value for m in posted.movements] == ["receipt", "transfer", "transfer"]
    assert all(m.movement_id > 0 for m in posted.movements)
    assert {(b.key.location, b.qty) for b in posted.balances} == {
        ("main/a1", Decimal(3)),
        ("back/b1", Decimal(1)),
    }
    assert [(e.site, e.event.kind.value) for e in posted.stored_events] == [
        (SITE, "device.heartbeat")
    ]


def test_database_failure_raises_ledger_error_and_commits_nothing(engine, clock):
    failing = SqlIngestor(engine, clock=clock, observers=[_Failing()])
    with pytest.raises(LedgerError, match="rolled back"):
        failing.ingest([tx_message(1, qty=4)])
    assert movement_count(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one() == 0
    outcome = SqlIngestor(engine, clock=clock).ingest([tx_message(1, qty=4)])
    assert dispositions(outcome) == [Disposition.APPLIED]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE movements SET qty = 0", "DELETE FROM movements", "DELETE FROM layer_consumptions"],
)
def test_the_journal_is_append_only_in_the_database(ingestor, engine, statement):
    ingestor.ingest([tx_message(1, qty=4), tx_message(2, "sale", 1)])
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert movement_count(engine) == 2


def test_empty_batch_is_a_no_op(ingestor):
    outcome = ingestor.ingest([])
    assert (outcome.outcomes, outcome.progress) == ([], [])


def test_a_rejected_transfer_leaves_the_destination_layers_alone(ingestor, engine, clock):
    ingestor.ingest([tx_message(1, qty=1, location="back/b1", unit_cost="4.00")])
    refused = ingestor.ingest([tx_message(2, "transfer", 5, to_location="back/b1")])
    assert dispositions(refused) == [Disposition.PARKED]
    restarted = SqlIngestor(engine, clock=clock)  # reads the layers back from the database
    restarted.ingest([tx_message(3, "sale", 1, location="back/b1")])
    with engine.connect() as conn:
        sale = conn.execute(
            sa.select(movements.c.cogs, movements.c.provisional).where(movements.c.type == "sale")
        ).one()
    assert tuple(sale) == (Decimal(4), False)  # taken from the layer, not costed provisionally


def test_a_posting_bug_dead_letters_that_event_and_the_batch_goes_on(ingestor, monkeypatch):
    import collector.ledger.session as module  # noqa: PLC0415

    real = module.post_transaction

    def buggy(book, *, event_id, effective_at, tx):
        if tx.sku == "SKU-2":
            raise ZeroDivisionError("division by zero")
        return real(book, event_id=event_id, effective_at=effective_at, tx=tx)

    monkeypatch.setattr(module, "post_transaction", buggy)
    outcome = ingestor.ingest([tx_message(1, sku="SKU-2"), tx_message(2)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED, Disposition.APPLIED]
    assert "internal error (ZeroDivisionError" in outcome.outcomes[0].reason


def test_an_oversized_payload_is_kept_only_up_to_the_limit(ingestor, engine):
    huge = b"x" * (MAX_PAYLOAD_BYTES * 3)
    outcome = ingestor.ingest([raw_message(huge)])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED]
    with engine.connect() as conn:
        kept = conn.execute(sa.select(dead_letters.c.payload)).scalar_one()
    assert bytes(kept) == huge[:MAX_PAYLOAD_BYTES]


def test_a_repeated_malformed_payload_is_one_dead_letter_with_a_count(ingestor, engine):
    garbage = raw_message(b"{not json")
    later = InboundMessage(garbage.topic, garbage.payload, T0 + timedelta(minutes=5))
    first = ingestor.ingest([garbage, garbage])  # e.g. redelivered by the broker after a crash
    again = ingestor.ingest([later])
    assert dispositions(first) == [Disposition.DEAD_LETTERED, Disposition.DUPLICATE]
    assert dispositions(again) == [Disposition.DUPLICATE]
    with engine.connect() as conn:
        row = conn.execute(sa.select(dead_letters)).one()
    assert (row.times_seen, row.received_at, row.last_seen_at) == (3, T0, later.received_at)
    assert row.payload_sha256 == hashlib.sha256(b"{not json").hexdigest()


def test_the_same_bad_payload_on_another_topic_is_another_dead_letter(ingestor, engine):
    outcome = ingestor.ingest([raw_message(b"{bad"), raw_message(b"{bad", device="pos-2")])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED] * 2
    with engine.connect() as conn:
        devices = conn.execute(sa.select(dead_letters.c.device_id, dead_letters.c.times_seen))
        assert sorted(devices) == [("pos-1", 1), ("pos-2", 1)]


def test_an_oversized_payload_repeat_is_matched_on_its_full_bytes(ingestor, engine):
    head = b"x" * MAX_PAYLOAD_BYTES
    outcome = ingestor.ingest([raw_message(head + b"a"), raw_message(head + b"b")])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED] * 2  # same kept prefix
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dead_letters)).scalar() == 2


def test_a_repeated_schema_invalid_event_still_reports_its_seq(ingestor):
    body = json.loads(tx_message(1).payload)
    body["data"]["qty"] = "-1"
    invalid = raw_message(json.dumps(body).encode())
    ingestor.ingest([invalid])
    outcome = ingestor.ingest([invalid, tx_message(2)])
    assert dispositions(outcome) == [Disposition.DUPLICATE, Disposition.APPLIED]
    assert outcome.progress == [DeviceProgress(SITE, "pos-1", 1, 2)]
