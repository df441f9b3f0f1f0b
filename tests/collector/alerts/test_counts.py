"""Cycle counts on SQLite and PostgreSQL: variances become adjustments; moved stock is flagged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.alerts import counts
from collector.alerts.adjust import book_qty
from collector.alerts.errors import AlertError
from collector.domain.model import PositionKey
from collector.reconcile.intents import Count
from tests.collector.alerts.conftest import add_item, stock
from tests.support.services import unique_name

D = Decimal


def prefix() -> str:
    return "cc/" + unique_name("zone").lower()


def test_variance_is_posted_as_a_reason_coded_adjustment(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    stock(engine, sku, f"{zone}/bin-1", 10)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix=zone, by="dana", now=clock.now())
        assert [(r.sku, r.book_at_start) for r in counts.lines(conn, count_id)] == [(sku, D(10))]
    with engine.begin() as conn:
        result = counts.record(conn, count_id, key, counted=D(7), by="dana", now=clock.now())
    assert (result.variance, result.moved_during_count) == (D(-3), False)
    with engine.connect() as conn:
        assert book_qty(conn, key) == D(7)


def test_stock_that_moved_during_the_count_is_flagged_not_adjusted(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix=zone, by="dana", now=clock.now())
    stock(engine, sku, key.location, 2)  # a delivery lands while the count is open
    with engine.begin() as conn:
        flagged = counts.record(conn, count_id, key, counted=D(10), by="dana", now=clock.now())
    assert (flagged.moved_during_count, flagged.adjustment_event_id) == (True, None)
    with engine.begin() as conn:
        accepted = counts.record(
            conn, count_id, key, counted=D(12), by="dana", now=clock.now(), accept_moved=True
        )
        assert accepted.adjustment_event_id is None  # 12 is what the book says: nothing to post
        assert book_qty(conn, key) == D(12)


def test_scanner_counts_are_posted_when_the_count_closes(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 5)
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix=zone, by="dana", now=clock.now())
        counts.record_scanned(conn, Count(key.location, sku, D(4)), by="recv-1", now=clock.now())
    with engine.begin() as conn:
        (line,) = counts.close(conn, count_id, by="dana", now=clock.now())
        assert (line.variance, book_qty(conn, key)) == (D(-1), D(4))
    with engine.begin() as conn, pytest.raises(AlertError, match="closed"):
        counts.record(conn, count_id, key, counted=D(1), by="dana", now=clock.now())


def test_a_location_outside_the_count_is_refused(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix=zone, by="dana", now=clock.now())
    with engine.begin() as conn, pytest.raises(AlertError, match="is not under"):
        counts.record(
            conn,
            count_id,
            PositionKey(sku, "elsewhere/bin", "own"),
            counted=D(1),
            by="dana",
            now=clock.now(),
        )


def test_own_adjustments_do_not_flag_the_count(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix=zone, by="dana", now=clock.now())
        counts.record(conn, count_id, key, counted=D(9), by="dana", now=clock.now())
    with engine.begin() as conn:
        again = counts.record(conn, count_id, key, counted=D(8), by="dana", now=clock.now())
    assert again.moved_during_count is False
