"""A lane's weight trace from the inbox: the evidence's lane, its neighbours in time and seq,
scoped for a client, and nothing for an alert without a shelf weighing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from collector.alerts import store
from collector.ledger.ingestor import SqlIngestor
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.views.alerts import get_alert
from collector.views.scope import Scope
from collector.views.weight_trace import lane_trace
from edge_agent.wire import ShelfWeightChanged
from tests.collector.ledger.messages import wrap

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def weigh(engine: sa.Engine, clock, seq: int, before: float, after: float, **data) -> str:
    """One shelf weighing through the real ingestor (``wrap`` times it seq minutes after 9:00)."""
    event_id = uuid.uuid4()
    change = ShelfWeightChanged(lane=data.get("lane", "lane-1"), sku=data.get("sku", "SKU-1"),
                                grams_before=before, grams_after=after, confidence=0.9)  # fmt: skip
    SqlIngestor(engine, clock=clock).ingest([wrap(change, seq, device="shelf-1",
                                                  event_id=event_id)])  # fmt: skip
    return str(event_id)


def alert(engine: sa.Engine, *evidence: str):
    finding = Finding(AlertKey("main", AlertType.SHRINKAGE, "main/a1", "SKU-1"), "gone",
                      Severity.MINOR, owner="client-a", evidence=evidence)  # fmt: skip
    with engine.begin() as conn:
        (alert_id,) = store.apply_verdicts(conn, [finding], now=NOW)
        return get_alert(conn, Scope.everyone(), alert_id)


def test_the_trace_is_the_evidence_lanes_weighings_in_time_order(engine, clock) -> None:
    earlier = weigh(engine, clock, 1, 1260, 1050)
    weigh(engine, clock, 2, 500, 250, lane="lane-2")
    other_sku = weigh(engine, clock, 3, 1050, 1000, sku="SKU-2")
    evidence = weigh(engine, clock, 4, 1000, 790)
    view = alert(engine, evidence)
    with engine.connect() as conn:
        everyone = lane_trace(conn, Scope.everyone(), view)
        client = lane_trace(conn, Scope(frozenset({"client-a"})), view)
    assert everyone is not None
    assert client is not None
    assert (everyone.device_id, everyone.lane) == ("shelf-1", "lane-1")
    assert [s.event_id for s in everyone.steps] == [earlier, other_sku, evidence]
    assert [s.grams_after for s in everyone.steps] == [1050, 1000, 790]
    assert everyone.evidence == {evidence}
    assert [s.event_id for s in client.steps] == [earlier, evidence]  # not SKU-2's weighing


def test_an_alert_without_a_shelf_weighing_has_no_trace(engine) -> None:
    view = alert(engine, str(uuid.uuid4()), "not-an-id")
    with engine.connect() as conn:
        assert lane_trace(conn, Scope.everyone(), view) is None
