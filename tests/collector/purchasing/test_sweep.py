"""The replenishment sweep: suggestions and low_stock alerts without anyone asking, and one
run at a time, so two processes sweeping one ledger never make two suggestions."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.purchasing.demand import DemandForecast, DemandScope
from collector.purchasing.history import AverageDailySales
from collector.purchasing.reorder import Demand
from collector.purchasing.suggest import RunResult, run_suggestions
from collector.purchasing.sweep import replenishment_transaction, start_replenish_sweep
from tests.collector.purchasing.conftest import Books
from tests.collector.purchasing.test_suggest import alert_actions, rule, suggestions_of

WAIT_S = 10.0


class SlowForecast:
    """Average daily sales, after a pause: two runs at once overlap inside it."""

    def __init__(self, inner: DemandForecast, pause_s: float) -> None:
        self.inner, self.pause_s = inner, pause_s

    def daily_demand(
        self, scopes: Sequence[DemandScope], *, as_of: date
    ) -> Mapping[DemandScope, Demand]:
        """The inner forecast's, ``pause_s`` later."""
        time.sleep(self.pause_s)
        return self.inner.daily_demand(scopes, as_of=as_of)


def test_two_runs_at_once_make_one_suggestion(books: Books) -> None:
    rule_id = rule(books)
    books.post("receipt", 8)  # projected 8 ≤ min 20
    results: list[RunResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def one_run() -> None:
        try:
            start.wait(timeout=WAIT_S)
            with replenishment_transaction(books.engine) as conn:
                forecast = SlowForecast(AverageDailySales(conn), pause_s=0.3)
                results.append(
                    run_suggestions(conn, forecast, now=books.clock.now(), rule_ids=[rule_id])
                )
        except BaseException as err:  # reported below: a thread's error must fail the test
            errors.append(err)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_S)
    assert errors == []
    assert sorted(len(r.created) for r in results) == [0, 1]
    assert sorted(r.kept_open for r in results) == [0, 1]  # the second saw the first's
    assert len(suggestions_of(books, rule_id)) == 1
    assert alert_actions(books) == ["opened"]


def test_a_failed_run_lets_the_next_one_in(books: Books) -> None:
    rule_id = rule(books)
    books.post("receipt", 8)

    def failing_run() -> None:
        with replenishment_transaction(books.engine) as conn:
            forecast = AverageDailySales(conn)
            run_suggestions(conn, forecast, now=books.clock.now(), rule_ids=[rule_id])
            raise RuntimeError("the run failed after its insert")

    with pytest.raises(RuntimeError):
        failing_run()
    assert suggestions_of(books, rule_id) == []  # rolled back
    with replenishment_transaction(books.engine) as conn:  # not left locked
        found = run_suggestions(
            conn, AverageDailySales(conn), now=books.clock.now(), rule_ids=[rule_id]
        )
    assert len(found.created) == 1


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.02)


def test_the_sweep_suggests_and_alerts_when_the_shelf_falls(books: Books) -> None:
    rule_id = rule(books)
    books.post("receipt", 30)  # projected 30 > min 20: nothing yet
    stop = threading.Event()
    thread = start_replenish_sweep(books.engine, clock=books.clock, stop=stop, interval_s=0.05)
    assert thread is not None
    try:
        time.sleep(0.3)  # a few sweeps over a full shelf
        assert suggestions_of(books, rule_id) == []
        books.post("sale", 12)  # 18 ≤ 20
        wait_for(lambda: suggestions_of(books, rule_id), "suggestion")
        wait_for(lambda: alert_actions(books) == ["opened"], "low_stock alert")
        time.sleep(0.3)  # more sweeps: still the one open suggestion
    finally:
        stop.set()
        thread.join(timeout=WAIT_S)
    assert not thread.is_alive()
    (found,) = suggestions_of(books, rule_id)
    assert (found.status, found.projected, found.qty) == ("open", Decimal(18), Decimal(84))
    assert found.created_at == books.clock.now()  # the injected clock's time


def test_an_interval_of_zero_starts_no_sweep(books: Books) -> None:
    stop = threading.Event()
    assert start_replenish_sweep(books.engine, clock=books.clock, stop=stop, interval_s=0) is None


def test_the_run_reads_one_snapshot(books: Books) -> None:
    """A run's reads all see the ledger as of its first one (PostgreSQL REPEATABLE READ)."""
    with replenishment_transaction(books.engine) as conn:
        first = conn.execute(sa.text("SELECT 1")).scalar_one()
        if books.engine.dialect.name == "postgresql":
            level = conn.execute(sa.text("SHOW transaction_isolation")).scalar_one()
            assert level == "repeatable read"
    assert first == 1
