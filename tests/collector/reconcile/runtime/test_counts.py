"""Cycle counts on SQLite and PostgreSQL: variances become adjustments; moved stock is flagged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.domain.model import PositionKey
from collector.ledger.session import posting_session
from collector.reconcile.intents import Count
from collector.reconcile.runtime import counts
from collector.reconcile.runtime.counts import CountError
from tests.support.ledger import add_item, book_qty, stock
from tests.support.services import unique_name

D = Decimal


def prefix() -> str:
    return "cc/" + unique_name("zone").lower()


def start(engine, clock, zone: str) -> int:
    with engine.begin() as conn:
        return counts.start(conn, prefix=zone, by="dana", now=clock.now())


def test_variance_is_posted_as_a_reason_coded_adjustment(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    stock(engine, sku, f"{zone}/bin-1", 10)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    count_id = start(engine, clock, zone)
    with engine.connect() as conn:
        assert [(r.sku, r.book_at_start) for r in counts.lines(conn, count_id)] == [(sku, D(10))]
    with posting_session(engine, now=clock.now()) as session:
        result = counts.record(session, count_id, key, counted=D(7), by="dana")
    assert (result.variance, result.moved_during_count) == (D(-3), False)
    assert book_qty(engine, key) == D(7)


def test_stock_that_moved_during_the_count_is_flagged_not_adjusted(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    count_id = start(engine, clock, zone)
    stock(engine, sku, key.location, 2)  # a delivery lands while the count is open
    with posting_session(engine, now=clock.now()) as session:
        flagged = counts.record(session, count_id, key, counted=D(10), by="dana")
    assert (flagged.moved_during_count, flagged.adjustment_event_id) == (True, None)
    with posting_session(engine, now=clock.now()) as session:
        accepted = counts.record(
            session, count_id, key, counted=D(12), by="dana", accept_moved=True
        )
    assert accepted.adjustment_event_id is None  # 12 is what the book says: nothing to post
    assert book_qty(engine, key) == D(12)


def test_scanner_counts_are_posted_when_the_count_closes(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 5)
    count_id = start(engine, clock, zone)
    with engine.begin() as conn:
        counts.record_scanned(conn, Count(key.location, sku, D(4)), by="recv-1", now=clock.now())
    with posting_session(engine, now=clock.now()) as session:
        (line,) = counts.close(session, count_id, by="dana")
    assert (line.variance, book_qty(engine, key)) == (D(-1), D(4))
    with (
        posting_session(engine, now=clock.now()) as session,
        pytest.raises(CountError, match="closed"),
    ):
        counts.record(session, count_id, key, counted=D(1), by="dana")


def test_stock_found_where_the_count_saw_none_is_recorded_and_posted(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-7", "own")  # never on the book: not in the snapshot
    count_id = start(engine, clock, zone)
    with engine.begin() as conn:
        assert counts.lines(conn, count_id) == []
        counts.record_scanned(conn, Count(key.location, sku, D(3)), by="recv-1", now=clock.now())
        (found,) = counts.lines(conn, count_id)
    assert (found.book_at_start, found.counted, found.moved_during_count) == (D(0), D(3), False)
    with posting_session(engine, now=clock.now()) as session:
        (line,) = counts.close(session, count_id, by="dana")
    assert (line.variance, line.adjustment_event_id is not None) == (D(3), True)
    assert book_qty(engine, key) == D(3)


def test_a_typed_count_of_found_stock_is_posted_at_once(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-8", "own")
    count_id = start(engine, clock, zone)
    with posting_session(engine, now=clock.now()) as session:
        result = counts.record(session, count_id, key, counted=D(2), by="dana")
    assert (result.book, result.variance) == (D(0), D(2))
    assert book_qty(engine, key) == D(2)


def test_a_location_outside_the_count_is_refused(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    count_id = start(engine, clock, zone)
    elsewhere = PositionKey(sku, "elsewhere/bin", "own")
    with (
        posting_session(engine, now=clock.now()) as session,
        pytest.raises(CountError, match="is not under"),
    ):
        counts.record(session, count_id, elsewhere, counted=D(1), by="dana")


def test_own_adjustments_do_not_flag_the_count(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    count_id = start(engine, clock, zone)
    with posting_session(engine, now=clock.now()) as session:
        counts.record(session, count_id, key, counted=D(9), by="dana")
    with posting_session(engine, now=clock.now()) as session:
        again = counts.record(session, count_id, key, counted=D(8), by="dana")
    assert again.moved_during_count is False


def test_a_tally_adds_up_scans_and_the_close_posts_it(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    count_id = start(engine, clock, zone)
    with engine.begin() as conn:
        tallies = [counts.tally(conn, count_id, key, units=D(n), by="dana", now=clock.now())
                   for n in (1, 1, 4)]  # fmt: skip
    assert tallies == [D(1), D(2), D(6)]
    assert book_qty(engine, key) == D(10)  # nothing posted before the close
    with posting_session(engine, now=clock.now()) as session:
        (closed,) = counts.close(session, count_id, by="dana")
    assert (closed.counted, closed.variance) == (D(6), D(-4))
    assert book_qty(engine, key) == D(6)


def test_a_tally_is_refused_on_a_posted_line_a_closed_count_or_no_units(engine, clock) -> None:
    zone, sku = prefix(), add_item(engine)
    key = PositionKey(sku, f"{zone}/bin-1", "own")
    stock(engine, sku, key.location, 10)
    count_id = start(engine, clock, zone)
    with engine.begin() as conn, pytest.raises(CountError, match="1 or more units"):
        counts.tally(conn, count_id, key, units=D(0), by="dana", now=clock.now())
    with posting_session(engine, now=clock.now()) as session:
        counts.record(session, count_id, key, counted=D(9), by="dana")
    with engine.begin() as conn, pytest.raises(CountError, match="recorded and posted already"):
        counts.tally(conn, count_id, key, units=D(1), by="dana", now=clock.now())
    with posting_session(engine, now=clock.now()) as session:
        counts.close(session, count_id, by="dana")
    with engine.begin() as conn, pytest.raises(CountError, match="is closed"):
        counts.tally(conn, count_id, key, units=D(1), by="dana", now=clock.now())
