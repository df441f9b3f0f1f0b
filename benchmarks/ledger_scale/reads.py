"""The hot reads, through the product's own query functions, timed on one ledger.

"first": a new connection and arguments not asked before in the run (on PostgreSQL the
server's shared buffers and the OS cache are not dropped: other sessions share the
machine, so first is not a cold-boot figure). "repeat": the same call again on the same
connection (warm). Every figure is a list of milliseconds; the report takes medians.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from benchmarks.ledger_scale.lots import RecallSeed
from collector.views.reports import ReportQuery, day_bounds, period_report, turnover_report
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page, stock_totals
from collector.views.trace import trace_lot, trace_serial

EVERYONE = Scope.everyone()
YEAR = 2025
MONTHS = (3, 6, 9, 11)
QUARTERS = ((4, 6), (7, 9), (1, 3))


@dataclass(frozen=True, slots=True)
class Picks:
    """What is asked: SKUs (the busiest first) and instants in the generated year."""

    skus: tuple[str, ...]
    instants: tuple[datetime, ...]


@dataclass(slots=True)
class Timings:
    """Per measure, the first and repeat times in milliseconds."""

    first: dict[str, list[float]] = field(default_factory=dict)
    repeat: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, first_ms: float, repeat_ms: float, rows: int) -> None:
        """One sample of ``name``."""
        self.first.setdefault(name, []).append(first_ms)
        self.repeat.setdefault(name, []).append(repeat_ms)
        self.rows[name] = max(self.rows.get(name, 0), rows)


def make_picks(engine: sa.Engine, samples: int, rng: random.Random) -> Picks:
    """The three busiest SKUs and random others; random instants of the generated year."""
    with engine.connect() as conn:
        busiest = (
            conn.exec_driver_sql(
                "SELECT sku FROM balances GROUP BY sku ORDER BY count(*) DESC, sku LIMIT 3"
            )
            .scalars()
            .all()
        )
        heavy = (
            conn.exec_driver_sql(
                "SELECT sku FROM position_days GROUP BY sku ORDER BY count(*) DESC LIMIT 3"
            )
            .scalars()
            .all()
        )
        every = conn.exec_driver_sql("SELECT sku FROM items ORDER BY sku").scalars().all()
    chosen = list(dict.fromkeys([*heavy, *busiest]))
    others = [s for s in every if s not in chosen]
    chosen += rng.sample(others, min(len(others), max(samples - len(chosen), 0)))
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    instants = tuple(
        start + timedelta(seconds=rng.randrange(365 * 86_400)) for _ in range(len(chosen))
    )
    return Picks(tuple(chosen[:samples]) or ("SKU-000000",) * samples, instants[:samples])


def _timed(
    call: Callable[[sa.Connection], Any], engine: sa.Engine, repeats: int = 3
) -> tuple[float, float, int]:
    """(first ms on a new connection, median repeat ms on it, rows of the answer)."""
    with engine.connect() as conn:
        started = time.perf_counter()
        found = call(conn)
        first_ms = (time.perf_counter() - started) * 1e3
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            call(conn)
            times.append((time.perf_counter() - started) * 1e3)
    rows = len(found) if hasattr(found, "__len__") else 1
    return first_ms, statistics.median(times), rows


def measure_reads(
    engine: sa.Engine, picks: Picks, seed: RecallSeed, *, runs: int, old_paths: bool
) -> Timings:
    """Every read measure on ``engine``; ``old_paths`` also times the journal-sum variants."""
    out = Timings()
    for sku, instant in zip(picks.skus, picks.instants, strict=True):
        flt = StockFilter(sku=sku, as_of=instant, books_tz=UTC)
        out.add("as_of_sku", *_timed(_stock_page(flt), engine))
    if old_paths:
        for sku, instant in list(zip(picks.skus, picks.instants, strict=True))[:5]:
            flt = StockFilter(sku=sku, as_of=instant)
            out.add("as_of_sku_journal", *_timed(_stock_page(flt), engine, 1))
    for _ in range(runs):
        out.add("site_value_now", *_timed(
            lambda c: [stock_totals(c, EVERYONE, StockFilter())], engine))  # fmt: skip
    for month in MONTHS[:runs]:
        start, end = _month(month)
        out.add("month_report", *_timed(_month_report(start, end), engine))
    if old_paths:
        start, end = _month(MONTHS[0])
        out.add("month_report_journal", *_timed(lambda c: period_report(
            c, EVERYONE, start=start, end=end, query=ReportQuery()), engine, 1))  # fmt: skip
    for first, last in QUARTERS[:runs]:
        first_day, last_day = date(YEAR, first, 1), _last_day(last)
        out.add("quarter_turnover", *_timed(_turnover(first_day, last_day), engine))
    _traces(engine, seed, out)
    return out


def _traces(engine: sa.Engine, seed: RecallSeed, out: Timings) -> None:
    for sku, lot in seed.lots[:: max(len(seed.lots) // 8, 1)]:
        out.add("trace_lot", *_timed(_lot_trace(sku, lot), engine))
    for serial in seed.serials[:: max(len(seed.serials) // 8, 1)]:
        out.add("trace_serial", *_timed(_serial_trace(serial), engine))


Call = Callable[[sa.Connection], Any]
"""One read, on the connection it is timed on."""


def _stock_page(flt: StockFilter) -> Call:
    return lambda c: stock_page(c, EVERYONE, flt, limit=1000)


def _month_report(start: datetime, end: datetime) -> Call:
    return lambda c: period_report(
        c, EVERYONE, start=start, end=end, query=ReportQuery(), books_tz=UTC
    )


def _turnover(first_day: date, last_day: date) -> Call:
    return lambda c: turnover_report(
        c, EVERYONE, first_day=first_day, last_day=last_day, books_tz=UTC
    )


def _lot_trace(sku: str, lot: str) -> Call:
    return lambda c: _lines(trace_lot(c, EVERYONE, sku, lot))


def _serial_trace(serial: str) -> Call:
    return lambda c: _lines(trace_serial(c, EVERYONE, serial))


def _lines(trace: Any) -> list[Any]:
    if trace is None:
        raise RuntimeError("a seeded lot or serial did not trace")
    return list(trace.lines)


def _month(month: int) -> tuple[datetime, datetime]:
    return day_bounds(date(YEAR, month, 1), _last_day(month), UTC)


def _last_day(month: int) -> date:
    following = date(YEAR + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)
