"""Alert lifecycle on SQLite and PostgreSQL: one active per key, ack, resolve, history, outbox."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts import store
from collector.alerts.errors import AlertError
from collector.alerts.lifecycle import resolve_with_count
from collector.alerts.message import AlertMessage
from collector.alerts.schema import alert_notifications
from collector.domain.model import PositionKey
from collector.ledger import schema
from collector.ledger.session import posting_session
from collector.reconcile.findings import AlertKey, AlertType, Clearance, Finding, Severity
from tests.support.ledger import add_item, book_qty, stock
from tests.support.services import unique_name

D = Decimal


def shrinkage(site: str, sku: str, observed: int, *evidence: str) -> Finding:
    return Finding(
        AlertKey(site, AlertType.SHRINKAGE, "main/a1", sku),
        "gone",
        Severity.MINOR,
        expected=D(10),
        observed=D(observed),
        value_at_risk=D(10 - observed),
        evidence=evidence,
    )


def raise_one(engine, clock, finding) -> int:
    with engine.begin() as conn:
        (alert_id,) = store.apply_verdicts(conn, [finding], now=clock.now())
    return alert_id


def payloads(engine, alert_id) -> list[AlertMessage]:
    query = sa.select(alert_notifications.c.payload).where(
        alert_notifications.c.alert_id == alert_id
    )
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(alert_notifications.c.id)).scalars()
        return [AlertMessage.model_validate_json(p) for p in rows]


def test_repeat_finding_updates_the_one_active_alert(engine, clock) -> None:
    site = unique_name("site")
    first = raise_one(engine, clock, shrinkage(site, "A", 8, "e1"))
    clock.advance(5)
    second = raise_one(engine, clock, shrinkage(site, "A", 7, "e1", "e2"))
    assert first == second
    with engine.connect() as conn:
        (row,) = store.list_alerts(conn, site=site)
        steps = [h.action for h in store.history(conn, first)]
    assert (row.observed, json.loads(row.evidence), row.last_seen_at) == (
        D(7),
        ["e1", "e2"],
        clock.now(),
    )
    assert row.first_seen_at < row.last_seen_at
    assert steps == ["opened", "updated"]
    assert [m.change.value for m in payloads(engine, first)] == ["opened", "updated"]


def test_unchanged_repeat_is_not_news(engine, clock) -> None:
    site = unique_name("site")
    raise_one(engine, clock, shrinkage(site, "A", 8, "e1"))
    with engine.begin() as conn:
        assert store.apply_verdicts(conn, [shrinkage(site, "A", 8, "e1")], now=clock.now()) == []


def test_acknowledge_then_clear_when_book_and_shelf_agree(engine, clock) -> None:
    site = unique_name("site")
    alert_id = raise_one(engine, clock, shrinkage(site, "A", 8))
    with engine.begin() as conn:
        store.acknowledge(conn, alert_id, by="alice", now=clock.advance(1), reason="on my way")
    with engine.begin() as conn:
        key = AlertKey(site, AlertType.SHRINKAGE, "main/a1", "A")
        store.apply_verdicts(conn, [Clearance(key, "agree again")], now=clock.advance(1))
        row = store.load(conn, alert_id)
        steps = [(h.action, h.actor) for h in store.history(conn, alert_id)]
    assert (row.status, row.resolution, row.active_key) == ("resolved", "cleared", None)
    assert steps == [("opened", "reconciler"), ("acknowledged", "alice"), ("cleared", "reconciler")]


def test_a_new_finding_after_resolution_opens_a_new_alert(engine, clock) -> None:
    site = unique_name("site")
    first = raise_one(engine, clock, shrinkage(site, "A", 8))
    with engine.begin() as conn:
        key = AlertKey(site, AlertType.SHRINKAGE, "main/a1", "A")
        store.apply_verdicts(conn, [Clearance(key, "agree again")], now=clock.advance(1))
    assert raise_one(engine, clock, shrinkage(site, "A", 8)) != first


def test_dismiss_needs_a_reason_and_only_once(engine, clock) -> None:
    alert_id = raise_one(engine, clock, shrinkage(unique_name("site"), "A", 8))
    with engine.begin() as conn, pytest.raises(AlertError, match="needs a reason"):
        store.dismiss(conn, alert_id, by="bob", reason=" ", now=clock.now())
    with engine.begin() as conn:
        store.dismiss(conn, alert_id, by="bob", reason="test shelf", now=clock.now())
    with engine.begin() as conn, pytest.raises(AlertError, match="already resolved"):
        store.dismiss(conn, alert_id, by="bob", reason="again", now=clock.now())
    with engine.begin() as conn, pytest.raises(AlertError, match="only an open alert"):
        store.acknowledge(conn, alert_id, by="bob", now=clock.now())


def test_resolving_with_a_count_posts_the_adjustment(engine, clock) -> None:
    site, sku = unique_name("site"), add_item(engine)
    stock(engine, sku, "main/a1", 10)
    alert_id = raise_one(engine, clock, shrinkage(site, sku, 8))
    with posting_session(engine, now=clock.now()) as session:
        event_id = resolve_with_count(session, alert_id, by="carol", counted=D(8))
    key = PositionKey(sku, "main/a1", "own")
    assert book_qty(engine, key) == D(8)
    with engine.connect() as conn:
        row = store.load(conn, alert_id)
        movement = conn.execute(
            sa.select(schema.movements).where(schema.movements.c.event_id == event_id)
        ).one()
    assert (movement.type, movement.qty, movement.value) == ("adjustment", D(-2), D("-5.00"))
    assert "confirmed by carol" in movement.reason
    assert (row.resolution, row.resolved_by, row.adjustment_event_id) == (
        "adjusted",
        "carol",
        event_id,
    )


def test_device_alert_cannot_be_resolved_with_a_count(engine, clock) -> None:
    key = AlertKey(unique_name("site"), AlertType.DEVICE_SILENT, subject="shelf-1")
    alert_id = raise_one(engine, clock, Finding(key, "silent", Severity.MAJOR))
    with (
        posting_session(engine, now=clock.now()) as session,
        pytest.raises(AlertError, match="--dismiss"),
    ):
        resolve_with_count(session, alert_id, by="carol", counted=D(1))


def test_unknown_alert_id_says_where_to_look(engine) -> None:
    with engine.connect() as conn, pytest.raises(AlertError, match="alerts list"):
        store.load(conn, 987654321)


def test_a_dismissed_condition_stays_quiet_until_it_ends_or_changes(engine, clock) -> None:
    site = unique_name("site")
    first = raise_one(engine, clock, shrinkage(site, "A", 8))
    with engine.begin() as conn:
        store.dismiss(conn, first, by="bob", reason="display units", now=clock.now())
    with engine.begin() as conn:
        assert store.apply_verdicts(conn, [shrinkage(site, "A", 8)], now=clock.advance(1)) == []
    worse = raise_one(engine, clock, shrinkage(site, "A", 6))  # two more gone: news
    assert worse != first
    with engine.begin() as conn:
        store.dismiss(conn, worse, by="bob", reason="still display units", now=clock.now())
        key = AlertKey(site, AlertType.SHRINKAGE, "main/a1", "A")
        store.apply_verdicts(conn, [Clearance(key, "agree")], now=clock.advance(1))
    assert raise_one(engine, clock, shrinkage(site, "A", 6)) not in {first, worse}
