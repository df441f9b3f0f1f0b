"""Sensor events the reconcile observer posts are ``applied`` in the inbox; others ``stored``."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.ingest.ports import InboundMessage
from collector.ledger import schema
from edge_agent import wire
from tests.collector.reconcile.runtime.support import Rig, active, on_hand, site_bindings
from tests.support.ledger import add_item
from tests.support.services import unique_name


def disposition(engine: sa.Engine, event_id: uuid.UUID) -> str:
    query = sa.select(schema.inbox.c.disposition).where(schema.inbox.c.event_id == event_id)
    with engine.connect() as conn:
        return str(conn.execute(query).scalar_one())


@pytest.fixture
def rig(engine, clock) -> Rig:
    """On SQLite and PostgreSQL: an item of this test's own, 6 units in the post stockroom."""
    sku = add_item(engine)
    rig = Rig(engine, clock, site_bindings(unique_name("site"), sku))
    start = uuid.uuid4().int % 2**40  # PostgreSQL's inbox is shared: (device, epoch, seq) too
    rig.seqs.update({"shelf-1": start, "pos-1": start})
    rig.tx("receipt", sku, 6, location="main/stockroom", unit_cost=Decimal(2))
    return rig


def sku_of(rig: Rig) -> str:
    lane = rig.bindings.lanes[0]
    assert lane.sku is not None
    return lane.sku


def test_a_weight_change_that_posts_an_issue_is_applied(rig: Rig) -> None:
    event_id = rig.weight(4, -2, lane="lane-9")  # main/stockroom has the post policy
    assert on_hand(rig.engine, sku_of(rig), "main/stockroom") == Decimal(4)
    assert disposition(rig.engine, event_id) == "applied"


def test_a_weight_change_only_compared_with_the_book_stays_stored(rig: Rig) -> None:
    event_id = rig.weight(8, -2)  # the observe lane: nothing posted
    assert disposition(rig.engine, event_id) == "stored"


def test_a_refused_sensor_posting_stays_stored(rig: Rig) -> None:
    event_id = rig.weight(0, -9, lane="lane-9")  # more than the 6 on the book, no negatives
    assert set(active(rig.engine, rig.bindings.site_id)) == {"rejected_posting"}
    assert on_hand(rig.engine, sku_of(rig), "main/stockroom") == Decimal(6)
    assert disposition(rig.engine, event_id) == "stored"


def test_in_a_batch_only_the_posted_event_becomes_applied(rig: Rig) -> None:
    """One batch: a heartbeat, a weight change that posts and one only compared."""
    heartbeat = wire.DeviceHeartbeat(uptime_s=1, software_version="1", outbox_depth=0)
    data = {"heartbeat": heartbeat, "post": _change("lane-9"), "observe": _change("lane-1")}
    events = {
        name: wire.make_event(
            event_id=uuid.uuid4(),
            device_id="shelf-1",
            epoch=1,
            seq=rig.seqs["shelf-1"] + seq,
            observed_at=rig.clock.now(),
            data=payload,
        )
        for seq, (name, payload) in enumerate(data.items(), start=1)
    }
    topic = wire.events_topic(rig.bindings.site_id, "shelf-1")
    messages = [InboundMessage(topic, wire.dump_event(e), rig.clock.now()) for e in events.values()]
    rig.ingestor.ingest(messages)
    found = {name: disposition(rig.engine, e.event_id) for name, e in events.items()}
    assert found == {"heartbeat": "stored", "post": "applied", "observe": "stored"}


def _change(lane: str) -> wire.ShelfWeightChanged:
    return wire.ShelfWeightChanged(
        lane=lane,
        grams_before=1000.0,
        grams_after=900.0,
        count_change=-1,
        estimated_count=5,
        resolution=wire.WeightResolution.RESOLVED,
        confidence=0.95,
    )


def test_the_batch_outcome_reports_what_the_inbox_records(rig: Rig) -> None:
    """The loop's counts and logs say ``applied`` for the event reconciliation posted."""
    events = [
        wire.make_event(
            event_id=uuid.uuid4(),
            device_id="shelf-1",
            epoch=1,
            seq=rig.seqs["shelf-1"] + seq,
            observed_at=rig.clock.now(),
            data=_change(lane),
        )
        for seq, lane in enumerate(("lane-9", "lane-1"), start=1)
    ]
    topic = wire.events_topic(rig.bindings.site_id, "shelf-1")
    messages = [InboundMessage(topic, wire.dump_event(e), rig.clock.now()) for e in events]
    outcome = rig.ingestor.ingest(messages)
    found = {o.event_id: o.disposition.value for o in outcome.outcomes}
    assert found == {events[0].event_id: "applied", events[1].event_id: "stored"}
    assert [disposition(rig.engine, e.event_id) for e in events] == ["applied", "stored"]
