"""Hot reads and ingest on the generated ledgers beside empty ones (not a test).

    .venv/bin/python -m benchmarks.ledger_scale --write
    .venv/bin/python -m benchmarks.ledger_scale --only sqlite --ingest-events 50000

PostgreSQL: a file copy of ``--pg-source`` (the 10,000,000-movement ledger that
``python -m benchmarks.ledger_gen --movements 10000000 --db …/bench_ledger_10m`` builds)
and an empty database, both dropped afterwards. SQLite: a copy of ``--sqlite-source``
(default: the newest cached 1,000,000-movement ledger) and an empty file. The sources
are taken as they are, whatever schema head they were built at (copies migrate).
Each gets migrations to head, the recall traffic (``lots``), the reads. Ingest then runs
in ``--ingest-rounds`` rounds, each into fresh copies of both (the generated one and an
empty one), alternating which goes first, so that the ratio is paired within a round
and the machine's drift between rounds does not enter it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks.ingest import private_broker
from benchmarks.ingest_fleet import Broker
from benchmarks.ledger_gen import DEFAULT_CACHE_DIR
from benchmarks.ledger_scale.databases import (
    migrated,
    movement_count,
    pg_database,
    size_bytes,
    sqlite_file,
)
from benchmarks.ledger_scale.ingest_runs import ingest_run
from benchmarks.ledger_scale.lots import seed_recall
from benchmarks.ledger_scale.reads import Picks, make_picks, measure_reads
from benchmarks.ledger_scale.report import LedgerResult, report, write_sections
from collector.logs import configure_logging

ROOT = Path(__file__).resolve().parents[2]
PG_SOURCE = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_ledger_10m"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-source", default=PG_SOURCE, help="the big PostgreSQL ledger")
    parser.add_argument("--sqlite-source", type=Path, default=None, help="a SQLite ledger file")
    parser.add_argument("--only", default="postgresql,sqlite")
    parser.add_argument("--samples", type=int, default=15, help="as-of SKUs per ledger")
    parser.add_argument("--runs", type=int, default=3, help="samples of the other reads")
    parser.add_argument("--ingest-events", type=int, default=300_000, help="0: no ingest")
    parser.add_argument("--big-ingest-events", type=int, default=None, help="default: the same")
    parser.add_argument("--ingest-rounds", type=int, default=3, help="paired ingest rounds")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-scale")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    return parser.parse_args()


def one_ledger(
    label: str, url: str, picks: Picks | None, args: argparse.Namespace, *, big: bool
) -> tuple[LedgerResult, Picks]:
    """Migrate, seed the recall traffic, pick (the big one), read; the engine disposed after."""
    engine, migrate_s = migrated(url)
    try:
        rng = random.Random(7)
        started = time.perf_counter()
        seed = seed_recall(engine, rng)
        recall_s = time.perf_counter() - started
        picks = picks or make_picks(engine, args.samples, rng)
        timings = measure_reads(engine, picks, seed, runs=args.runs, old_paths=big)
        result = LedgerResult(
            label=label, backend=engine.dialect.name, movements=movement_count(engine),
            size_bytes=size_bytes(engine), migrate_s=migrate_s, recall_events=seed.events,
            recall_s=recall_s, reads=timings,
        )  # fmt: skip
        print(f"ledger-scale: {label} read in {time.perf_counter() - started:.0f} s", flush=True)
        return result, picks
    finally:
        engine.dispose()


def ingest_rounds(
    backend: str, big: LedgerResult, empty: LedgerResult, broker: Broker, args: argparse.Namespace
) -> None:
    """Paired rounds: fresh copies of both ledgers each round, the order alternating."""
    events = {True: args.big_ingest_events or args.ingest_events, False: args.ingest_events}
    if args.ingest_events <= 0:
        return
    for round_no in range(args.ingest_rounds):
        order = (empty, big) if round_no % 2 == 0 else (big, empty)
        for result in order:
            with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
                url = stack.enter_context(_fresh_ledger(backend, args, big=result.big))
                run = ingest_run(url, Path(tmp), broker, events=events[result.big],
                                 seed=11 + round_no)  # fmt: skip
            result.ingests.append(run)
            print(f"ledger-scale: round {round_no + 1} {result.label} ingest "
                  f"{run.rate_per_s:,.0f}/s", flush=True)  # fmt: skip


def _fresh_ledger(
    backend: str, args: argparse.Namespace, *, big: bool
) -> AbstractContextManager[str]:
    """A context giving the URL of a new copy of the generated ledger, or of an empty one."""
    kind = "big" if big else "empty"
    if backend == "postgresql":
        source = sa.make_url(args.pg_source)
        name = f"bench_ledger_scale_ingest_{kind}"
        url = source.set(database=name).render_as_string(hide_password=False)
        return pg_database(url, template=source.database if big else None)
    source_file = (args.sqlite_source or _cached_sqlite()) if big else None
    return sqlite_file(args.workdir / f"ingest-{kind}.db", source=source_file)


def backend_pair(
    backend: str, args: argparse.Namespace, stack: ExitStack
) -> tuple[tuple[str, str], tuple[str, str], float]:
    """(label, url) of the big working copy and of the empty ledger, and the copy's seconds."""
    started = time.perf_counter()
    if backend == "postgresql":
        source = sa.make_url(args.pg_source)
        big = stack.enter_context(pg_database(
            source.set(database=f"{source.database}_scale").render_as_string(hide_password=False),
            template=source.database))  # fmt: skip
        empty = stack.enter_context(pg_database(
            source.set(database="bench_ledger_scale_empty").render_as_string(hide_password=False),
            template=None))  # fmt: skip
        label = "postgresql, generated"
    else:
        source_file = args.sqlite_source or _cached_sqlite()
        big = stack.enter_context(sqlite_file(args.workdir / "big.db", source=source_file))
        empty = stack.enter_context(sqlite_file(args.workdir / "empty.db", source=None))
        label = "sqlite, generated"
    copy_s = time.perf_counter() - started
    return (label, big), (f"{backend}, empty", empty), copy_s


def _cached_sqlite() -> Path:
    """The newest finished 1,000,000-movement SQLite ledger of ``benchmarks.ledger_gen``."""
    found = [
        path
        for path in DEFAULT_CACHE_DIR.glob("ledger-sqlite-m1000000-s1-*.db")
        if path.with_suffix(".json").exists()
    ]
    if not found:
        raise SystemExit(
            "no cached SQLite ledger: python -m benchmarks.ledger_gen --movements 1000000"
        )
    return max(found, key=lambda path: path.stat().st_mtime)


def main() -> None:
    """Every ledger's reads, then its ingest; the report; optionally RESULTS.md."""
    args = parse_args()
    configure_logging(level="WARNING")
    load_before, started_at = os.getloadavg(), datetime.now(UTC)
    results: list[LedgerResult] = []
    with ExitStack() as stack:
        broker_proc = stack.enter_context(private_broker(args.workdir / "broker"))
        broker = Broker(broker_proc.host, broker_proc.port, broker_proc.pid)
        for backend in args.only.split(","):
            with ExitStack() as copies:  # the read copies go before the ingest copies come
                (big_label, big_url), (empty_label, empty_url), copy_s = backend_pair(
                    backend, args, copies
                )
                big, picks = one_ledger(big_label, big_url, None, args, big=True)
                big.copy_s = copy_s
                empty, _ = one_ledger(empty_label, empty_url, picks, args, big=False)
            ingest_rounds(backend, big, empty, broker, args)
            results += [big, empty]
    sections = report(results, load=(load_before, os.getloadavg()), started_at=started_at)
    print("\n".join(sections.values()))
    if args.write:
        write_sections(sections)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
