"""The replenishment sweep: the suggestion run every few seconds, one run at a time.

``collector run`` and ``collector api`` start it beside their other threads
(``start_replenish_sweep``, every ``COLLECTOR_REPLENISH_INTERVAL_S``), so a shelf that
falls to its reorder point gets its suggestion and its ``low_stock`` alert without anyone
asking. Several processes may share one ledger (``--cluster``, an API beside): every run
(sweep, ``collector replenish suggest``, ``POST /suggestions/run``) goes through
``replenishment_transaction``, which lets one run at a time and gives it one snapshot of
the ledger, so the second of two runs sees the first's suggestions and makes none.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
import structlog

from collector.clock import Clock
from collector.purchasing.history import AverageDailySales
from collector.purchasing.memo import RunMemo, memo_for
from collector.purchasing.suggest import RunResult, run_suggestions
from collector.runtime.ports import StopSignal

log = structlog.get_logger("collector.purchasing")

REPLENISH_LOCK_KEY = 0x1ED6E5
"""PostgreSQL advisory lock serialising suggestion runs (not the ledger writers' lock:
postings go on while a run reads)."""


@contextlib.contextmanager
def replenishment_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that is the only suggestion run until it commits, on one snapshot.

    PostgreSQL: a session advisory lock is taken *before* a REPEATABLE READ transaction
    begins, so its snapshot holds every earlier run's suggestions, and on hand, on order
    and drafts are read as of one instant (a receipt or a sent order is either wholly in
    it or not at all, never counted as neither). SQLite: ``BEGIN IMMEDIATE`` serialises
    every writer already.
    """
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_lock(REPLENISH_LOCK_KEY)))
        conn.commit()  # the lock is the session's: it outlives this first transaction
        try:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        finally:
            conn.rollback()  # a failed transaction must not keep the unlock from running
            conn.execution_options(isolation_level="READ COMMITTED")
            conn.execute(sa.select(sa.func.pg_advisory_unlock(REPLENISH_LOCK_KEY)))
            conn.commit()


def remembered_run(conn: sa.Connection, memo: RunMemo, *, now: datetime) -> RunResult:
    """A run over every rule reusing ``memo`` (a fresh one while another thread holds it)."""
    if not memo.lock.acquire(blocking=False):
        memo = RunMemo()
        return run_suggestions(conn, AverageDailySales(conn, memo.demand), now=now, memo=memo)
    try:
        return run_suggestions(conn, AverageDailySales(conn, memo.demand), now=now, memo=memo)
    finally:
        memo.lock.release()


def sweep_once(engine: sa.Engine, *, clock: Clock) -> RunResult:
    """One suggestion run over every rule, at the clock's now, reusing the process's memo."""
    with replenishment_transaction(engine) as conn:
        return remembered_run(conn, memo_for(engine), now=clock.now())


def run_replenish_sweep(
    engine: sa.Engine, *, clock: Clock, stop: StopSignal, interval_s: float
) -> None:
    """Run every ``interval_s`` until ``stop`` is set; a failing run is retried next time."""
    while not stop.wait(interval_s):
        try:
            result = sweep_once(engine, clock=clock)
        except Exception as err:  # logged, retried next pass; the ledger is unaffected
            log.exception("replenish.sweep_failed", error=repr(err))
            continue
        if result.created or result.alerts_changed:
            log.info(
                "replenish.swept", rules=result.rules, created=result.created,
                alerts_changed=result.alerts_changed, auto_ordered=result.auto_ordered,
            )  # fmt: skip


def start_replenish_sweep(
    engine: sa.Engine, *, clock: Clock, stop: threading.Event, interval_s: float
) -> threading.Thread | None:
    """Start the sweep thread (daemon; join it after setting ``stop``); None if 0 s (off)."""
    if interval_s <= 0:
        return None
    thread = threading.Thread(
        target=run_replenish_sweep,
        kwargs={"engine": engine, "clock": clock, "stop": stop, "interval_s": interval_s},
        name="replenish-sweep",
        daemon=True,
    )
    thread.start()
    return thread
