"""Retention's costs: the pruned-floor check on ingest, and a prune beside the ledger.

    python -m benchmarks.retention [--events 20000] [--rounds 5] [--prune-events 100000]
        [--batch-rows 1000] [--databases sqlite,postgres] [--write]

*Ingest*: ``SqlIngestor`` alone (20,000 transactions, batches of 500, a fresh ledger per
run), rounds alternating *before* (``ix_inbox_unpruned`` dropped, the triage's
``pruned_floors`` look-up off: the ledger before retention) and *after* (as shipped);
medians of wall and CPU events/s and their ratio.
*Prune*: a ledger of ``--prune-events`` events received long ago, half transactions (their
inbox rows are emptied) and half heartbeats (deleted), pruned in batches of ``--batch-rows``: rows
per second, and each batch's length (what a writer waits at most), median and max; then
the report's time on the pruned ledger.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import structlog

from benchmarks.results_file import write_section
from collector.clock import SystemClock
from collector.ingest.ports import InboundMessage
from collector.ledger import triage
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.retention.policy import RetentionPolicy
from collector.retention.prune import PruneRun, prune
from collector.retention.report import report
from edge_agent.wire import DeviceHeartbeat, dump_event, events_topic, make_event
from tests.collector.ledger.measure_ingest import _fresh_database, build_messages, run_once

START, END = "<!-- retention:start -->", "<!-- retention:end -->"
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)


def _run(messages: list[InboundMessage], url: str, *, before: bool) -> tuple[float, float]:
    """(wall s, CPU s) into a fresh ledger; ``before``: without the index and the look-up."""
    engine = open_ledger(url)
    if before:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_inbox_unpruned")
    engine.dispose()
    real = triage.pruned_floors
    if before:
        triage.pruned_floors = lambda _conn, _streams: {}  # type: ignore[assignment]
    try:
        return run_once(messages, 500, url)
    finally:
        triage.pruned_floors = real


def _ingest_rounds(
    events: int, rounds: int, postgres: bool
) -> dict[str, list[tuple[float, float]]]:
    messages = build_messages(events)
    found: dict[str, list[tuple[float, float]]] = {"on": [], "off": []}
    for _ in range(rounds):
        for mode in ("off", "on"):
            with _fresh_database(postgres=postgres) as url:
                wall, cpu = _run(messages, url, before=mode == "off")
            found[mode].append((events / wall, events / cpu))
    return found


def _mixed(count: int) -> list[InboundMessage]:
    """``count`` events from 20 devices: odd seqs transactions, even seqs heartbeats."""
    transactions = iter(build_messages(count // 2 + 20, seed=2))
    messages, seqs = [], dict.fromkeys(range(20), 0)
    beat = DeviceHeartbeat(uptime_s=60, software_version="1.0", outbox_depth=0)
    for i in range(count):
        device = i % 20
        seqs[device] += 1
        if seqs[device] % 2:
            messages.append(_renumbered(next(transactions), device, seqs[device]))
            continue
        event = make_event(event_id=uuid.uuid4(), device_id=f"dev-{device}", epoch=1,
                           seq=seqs[device], observed_at=RECEIVED, data=beat)  # fmt: skip
        messages.append(InboundMessage(events_topic("bench", f"dev-{device}"),
                                       dump_event(event), RECEIVED))  # fmt: skip
    return messages


def _renumbered(message: InboundMessage, device: int, seq: int) -> InboundMessage:
    import json  # noqa: PLC0415

    body = json.loads(message.payload)
    body.update(device_id=f"dev-{device}", seq=seq, event_id=str(uuid.uuid4()))
    payload = json.dumps(body).encode()
    return InboundMessage(events_topic("bench", f"dev-{device}"), payload, RECEIVED)


def _prune_run(count: int, postgres: bool, batch_rows: int) -> dict[str, float]:
    with _fresh_database(postgres=postgres) as url:
        run_once([], 500, url)  # migrated, with the catalogue
        engine = open_ledger(url)
        ingestor = SqlIngestor(engine, clock=SystemClock())
        messages = _mixed(count)
        for start in range(0, len(messages), 500):
            ingestor.ingest(messages[start : start + 500])
        stamps: list[float] = []

        def batch_done(table: str, _deleted: int, _emptied: int) -> None:
            if table == "inbox":
                stamps.append(time.perf_counter())

        began = time.perf_counter()
        run = PruneRun(RetentionPolicy(), datetime.now(UTC), batch_rows=batch_rows,
                       progress=batch_done)  # fmt: skip
        done = prune(engine, run)
        total = time.perf_counter() - began
        batches = [b - a for a, b in zip([began, *stamps], stamps, strict=False)]
        with engine.connect() as conn:
            t = time.perf_counter()
            report(conn, RetentionPolicy(), datetime.now(UTC) + timedelta(days=1))
            report_s = time.perf_counter() - t
        engine.dispose()
    rows = done.deleted["inbox"] + done.emptied["inbox"]
    return {"rows": rows, "deleted": done.deleted["inbox"], "emptied": done.emptied["inbox"],
            "total_s": total, "median_ms": statistics.median(batches) * 1000,
            "max_ms": max(batches) * 1000, "report_s": report_s}  # fmt: skip


def _lines(db: str, ingest: dict, pruned: dict, args: argparse.Namespace) -> list[str]:
    def cells(i: int) -> str:
        off = statistics.median(r[i] for r in ingest["off"])
        on = statistics.median(r[i] for r in ingest["on"])
        return f"{off:,.0f} | {on:,.0f} | {on / off:.3f}"

    rows, total = pruned["rows"], pruned["total_s"]
    return [
        f"| {db} | events/s wall | {cells(0)} |",
        f"| {db} | events per CPU-second | {cells(1)} |",
        "",
        f"{db}: prune of {rows:,} inbox rows received long ago ({pruned['emptied']:,} "
        f"transactions emptied to their identity, {pruned['deleted']:,} heartbeats deleted), "
        f"batches of {args.batch_rows:,}: {total:.1f} s ({rows / total:,.0f} rows/s); one "
        f"batch (the longest a ledger writer waits) median {pruned['median_ms']:.0f} ms, max "
        f"{pruned['max_ms']:.0f} ms. The report on the pruned ledger: {pruned['report_s']:.2f} s.",
        "",
    ]


def main() -> None:
    """Measure, print, and with ``--write`` keep the section in RESULTS.md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prune-events", type=int, default=100_000)
    parser.add_argument("--batch-rows", type=int, default=1_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    before = os.getloadavg()[0]
    table = ["| database | measure | before retention | with it | ratio |",
             "|---|---|---:|---:|---:|"]  # fmt: skip
    notes: list[str] = []
    for db in args.databases.split(","):
        postgres = db == "postgres"
        ingest = _ingest_rounds(args.events, args.rounds, postgres)
        pruned = _prune_run(args.prune_events, postgres, args.batch_rows)
        found = _lines("PostgreSQL 15" if postgres else "SQLite", ingest, pruned, args)
        table += found[:2]
        notes += found[3:]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join([
        START,
        f"## Retention (`benchmarks/retention.py`, {when}, load average "
        f"{before:.2f} → {os.getloadavg()[0]:.2f} on 2 shared cores)",
        "",
        f"`SqlIngestor` alone, {args.events:,} transactions in batches of 500 into a fresh "
        f"ledger, medians of {args.rounds} paired rounds: before retention (no "
        "`ix_inbox_unpruned`, no pruned-floor look-up in the triage) and with it:",
        "",
        *table,
        "",
        *notes,
        END,
    ])  # fmt: skip
    print(block)
    if args.write:
        write_section(block, start=START, end=END)


if __name__ == "__main__":
    main()
