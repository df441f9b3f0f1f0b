"""Build one generated ledger: simulate, load, check, prove; and what it measured."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.ledger_gen.busyness import day_factors, suffix_sums
from benchmarks.ledger_gen.catalog import SALES_SHARE, Catalog, build_catalog
from benchmarks.ledger_gen.checks import LedgerCheckError, check_ledger
from benchmarks.ledger_gen.days import run_day
from benchmarks.ledger_gen.params import GenParams
from benchmarks.ledger_gen.payloads import db_instant, same_as_wire
from benchmarks.ledger_gen.pipeline import InlineSink, ProcessSink, Progress
from benchmarks.ledger_gen.prove import prove_ingestor
from benchmarks.ledger_gen.rows import Recorder, Row, Sample, micro
from benchmarks.ledger_gen.world import World
from collector.ledger.days import rebuild_days
from collector.ledger.engine import create_ledger_engine, open_ledger

CHUNK_LINES = 100_000


@dataclass(slots=True)
class Figures:
    """What one build measured; seconds are wall-clock."""

    database: str
    params: dict[str, Any]
    lines: int
    events: int
    generate_s: float
    """Simulating and posting on the book, building rows (not waiting for the loader)."""
    load_s: float
    """The loader's busy time: inserts or COPY, then indexes, foreign keys (and VACUUM)."""
    total_s: float
    """From an empty database to a checked one (generation and loading overlap)."""
    check_s: float
    prove_s: float
    size_bytes: int
    check_lines: int
    """Lines the ingestor posted after the load (the proof); the ledger holds them too."""
    load_detail: dict[str, float] = field(default_factory=dict)
    mix: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    measured_at: str = ""
    load_average: tuple[float, float] = (0.0, 0.0)
    """1-minute load average at the start and at the end."""

    @property
    def mb_per_million(self) -> float:
        """Database size in MB (10^6 bytes) per million journal lines."""
        return self.size_bytes / 1e6 / (self.lines / 1e6)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_json`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        """The figures of a manifest."""
        return cls(**{**data, "load_average": tuple(data["load_average"])})


def simulate(
    params: GenParams, recorder: Recorder, on_day: Callable[[int], None] | None = None
) -> World:
    """Run the year day by day on the domain's book, until it made ``params.movements`` lines."""
    catalog = build_catalog(params, random.Random(f"{params.seed}/catalog"))
    world = World(params, catalog, recorder, random.Random(f"{params.seed}/days"))
    factors = day_factors(params.start, params.days)
    ahead = suffix_sums(factors)
    opening = 0
    for day in range(params.days):
        run_day(world, day, factors[day], _sale_events(world, day, factors, ahead, opening))
        if day == 0:
            opening = recorder.lines
        if on_day is not None:
            on_day(day)
        if world.done:
            break
    return world


def _sale_events(
    world: World, day: int, factors: list[float], ahead: list[float], opening: int
) -> int:
    """Sales for ``day`` so the journal reaches its size on the last day (feedback on the mix)."""
    remaining = world.params.movements - world.recorder.lines
    if remaining <= 0:
        return 0
    prior = 5_000  # lines' worth of the assumed mix, so the first days do not swing it
    share = (world.stats["sale"] + SALES_SHARE * prior) / (world.recorder.lines - opening + prior)
    wanted = remaining * factors[day] / ahead[day] * share
    return int(wanted) + (1 if world.rng.random() < wanted - int(wanted) else 0)


def item_rows(catalog: Catalog, params: GenParams) -> list[Row]:
    """``items`` rows as imported the day before the year starts (cost set at the end)."""
    imported = datetime.combine(params.start - timedelta(days=1), datetime.min.time(), UTC)
    return [
        (item.sku, item.name, item.gtin, micro(item.unit_weight_g), item.valuation.value,
         item.allow_negative, db_instant(imported))
        for item in catalog.items
    ]  # fmt: skip


def build(
    params: GenParams, url: str, *, pipelined: bool = True, progress: Progress | None = None
) -> Figures:
    """Generate the ledger of ``params`` into the empty database at ``url`` and check it."""
    meter = progress or Progress(params.movements, enabled=False)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    _migrate_empty(url)
    sink: InlineSink | ProcessSink = ProcessSink(url) if pipelined else InlineSink(url)
    try:
        sink.begin()
        recorder = Recorder(sink.write, chunk_lines=CHUNK_LINES)
        world = simulate(
            params, recorder, lambda _: meter.update(recorder.lines, sink.loaded_lines)
        )
        final = recorder.final_rows(world.book, item_rows(world.catalog, params),
                                    world.catalog.owners)  # fmt: skip
        generate_s = time.perf_counter() - started - sink.waited_s
        meter.update(recorder.lines, sink.loaded_lines, force=True)
        meter.say(f"generated {recorder.lines:,} lines in {generate_s:,.1f} s; finishing the load")
        timings = sink.finish(final)
    except BaseException:
        sink.close()
        raise
    meter.say("loaded; checking the invariants and posting through SqlIngestor")
    check_started = time.perf_counter()
    _check_payloads(recorder.sample)
    engine = create_ledger_engine(url)
    try:
        with engine.begin() as conn:  # the daily balances, as the session would have kept them
            rebuild_days(conn, UTC)
        check_ledger(engine)
        mix = _mix(engine)
    finally:
        engine.dispose()
    prove_started = time.perf_counter()
    check_lines = prove_ingestor(url, world)
    done = time.perf_counter()
    return Figures(
        database=sa.make_url(url).get_backend_name(),
        params={**asdict(params), "start": params.start.isoformat()},
        lines=recorder.lines,
        events=recorder.events,
        generate_s=generate_s,
        load_s=timings.pop("load_s"),
        total_s=done - started,
        check_s=prove_started - check_started,
        prove_s=done - prove_started,
        size_bytes=database_size(url),
        check_lines=check_lines,
        load_detail=timings,
        mix=mix,
        notes=dict(sorted(world.stats.items())),
        measured_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_average=(load_before, os.getloadavg()[0]),
    )


def _migrate_empty(url: str) -> None:
    """Create the schema (migrations to head) and refuse a ledger that holds anything."""
    engine = open_ledger(url)
    try:
        with engine.connect() as conn:
            for table in ("inbox", "movements", "items", "dead_letters"):
                if conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None:
                    raise LedgerCheckError(f"{engine.url!r} is not empty ({table} has rows)")
    finally:
        engine.dispose()


def _check_payloads(sample: Sample) -> None:
    """Every sampled payload is exactly what the wire models write for its transaction."""
    for payload, kind, tx in sample.rows:
        problem = same_as_wire(payload, kind, tx)
        if problem is not None:
            raise LedgerCheckError(problem)


def _mix(engine: sa.Engine) -> dict[str, int]:
    """Journal lines per type, and a few lines worth counting apart."""
    with engine.connect() as conn:
        found = {
            str(kind): int(count)
            for kind, count in conn.exec_driver_sql(
                "SELECT type, COUNT(*) FROM movements GROUP BY type ORDER BY type"
            )
        }
        extra = conn.exec_driver_sql(
            "SELECT"
            " SUM(CASE WHEN type = 'return' AND applies_to_movement_id IS NOT NULL"
            " THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN type = 'vendor_return' AND applies_to_movement_id IS NOT NULL"
            " THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN provisional THEN 1 ELSE 0 END)"
            " FROM movements"
        ).one()
    found["return naming its sale"] = int(extra[0] or 0)
    found["vendor_return naming its receipt"] = int(extra[1] or 0)
    found["provisional"] = int(extra[2] or 0)
    return found


def database_size(url: str) -> int:
    """Bytes the ledger takes: the SQLite file (and WAL), or PostgreSQL's database size."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        wal = path.with_name(path.name + "-wal")
        return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            )
    finally:
        engine.dispose()
