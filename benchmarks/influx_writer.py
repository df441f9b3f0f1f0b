"""Points per second from the time-series outbox to the server, beside a raw POST of the same lines.

Run: ``python -m benchmarks.influx_writer [--points 100000] [--rounds 5]``

Starts a private victoria-metrics (the InfluxDB v2 write-API stand-in) on a
free loopback port with its own storage, so nothing else is measured or
disturbed.  Each round, on the same points:

* **outbox**: lines recorded in a fresh SQLite ledger as ledger batches would
  record them (one row per 500-event batch), then drained by the real
  ``OutboxWriter`` through the real ``InfluxSink`` (read, gzip, POST, delete);
* **raw**: the same lines POSTed with httpx to ``/api/v2/write`` in the same
  5,000-line gzip bodies at the sink's gzip level (1), nothing else (the
  baseline); and once more at gzip level 9 (``gzip.compress``'s default, what
  the baseline was before the sink chose level 1), for reference;
* **ledger recording cost**: the ledger's ingest rate with and without the
  outbox observer, on the same 500-event batches (what the time series costs
  the ledger).

Writes its own section of ``benchmarks/RESULTS.md`` (between the
``influx-writer`` markers), leaving the other sections alone.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import structlog

from benchmarks import results_file
from collector.ledger.engine import open_ledger
from collector.timeseries.influx_sink import GZIP_LEVEL, InfluxSink
from collector.timeseries.outbox import record_lines
from collector.timeseries.points import BalanceFact, MovementFact, movement_points, to_lines
from collector.timeseries.runner import REQUESTS_PER_DRAIN, Backoff, drain_until_empty
from collector.timeseries.writer import OutboxWriter

if TYPE_CHECKING:
    import sqlalchemy as sa

    from collector.ledger.observers import Posted, PostingObserver
    from edge_agent.wire import StockTransaction

START, END = "<!-- influx-writer:start -->", "<!-- influx-writer:end -->"
BATCH_LINES = 5_000
LEDGER_BATCH_LINES = 1_500  # a 500-event ledger batch of receipts and transfers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_victoria(storage: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private victoria-metrics; returns the process and its URL."""
    if shutil.which("victoria-metrics") is None:
        raise SystemExit("victoria-metrics is not installed (make services installs it)")
    port = _free_port()
    process = subprocess.Popen(
        ["victoria-metrics", f"-httpListenAddr=127.0.0.1:{port}",
         f"-storageDataPath={storage}", "-retentionPeriod=100y"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("private victoria-metrics did not start")


def make_lines(count: int, round_no: int) -> list[str]:
    """``count`` points: sales and the stock levels they leave, a millisecond apart."""
    start = datetime.now(UTC) - timedelta(hours=2)
    lines: list[str] = []
    for i in range(count // 2):
        sku = f"BENCH-{i % 200:03d}"
        at = start + timedelta(milliseconds=i)
        movement = MovementFact(
            i, at, sku, f"main/bin-{i % 7}", f"r{round_no}", "sale", Decimal(-1),
            Decimal("-0.45"), Decimal("0.45"),
        )  # fmt: skip
        balance = BalanceFact(sku, f"main/bin-{i % 7}", f"r{round_no}", Decimal(1000 - i % 900),
                              Decimal(450))  # fmt: skip
        lines += to_lines(movement_points(movement, balance))
    return lines


def outbox_round(url: str, lines: list[str], workdir: Path) -> float:
    """Seconds for the real writer to move every line from a fresh outbox to the server."""
    engine = open_ledger(f"sqlite:///{workdir / f'ledger-{time.monotonic_ns()}.db'}")
    now = datetime.now(UTC)
    for start in range(0, len(lines), LEDGER_BATCH_LINES):
        with engine.begin() as conn:
            record_lines(conn, lines[start : start + LEDGER_BATCH_LINES], recorded_at=now)
    with InfluxSink(url=url, org="bench", bucket="bench", token="t") as sink:
        writer = OutboxWriter(
            engine=engine, sink=sink, clock=lambda: datetime.now(UTC), max_lines=BATCH_LINES,
            requests_per_drain=REQUESTS_PER_DRAIN,  # as ``collector run`` builds it
        )  # fmt: skip
        began = time.perf_counter()
        report = drain_until_empty(writer, backoff=Backoff())
        elapsed = time.perf_counter() - began
    engine.dispose()
    if report.written != len(lines):
        raise SystemExit(f"outbox wrote {report.written} of {len(lines)} lines")
    return elapsed


def raw_round(url: str, lines: list[str], level: int = GZIP_LEVEL) -> float:
    """Seconds to POST the same lines, gzip at ``level``, 5,000 per request, nothing around it."""
    params = {"org": "bench", "bucket": "bench", "precision": "ns"}
    headers = {"Content-Encoding": "gzip", "Authorization": "Token t"}
    with httpx.Client(base_url=url, timeout=30) as client:
        began = time.perf_counter()
        for start in range(0, len(lines), BATCH_LINES):
            text = "\n".join(lines[start : start + BATCH_LINES]).encode()
            body = gzip.compress(text, compresslevel=level)
            client.post("/api/v2/write", params=params, content=body, headers=headers)
        return time.perf_counter() - began


class _TimedObserver:
    """The real outbox observer, adding up the seconds the ledger spends inside it."""

    def __init__(self, inner: PostingObserver) -> None:
        self.inner, self.seconds = inner, 0.0

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        began = time.perf_counter()
        self.inner.on_posted(conn, posted)
        self.seconds += time.perf_counter() - began


def ledger_rates(events: int, *, observer_first: bool) -> tuple[float, float, float]:
    """Ledger events/s without and with the outbox observer, and the observer's time share."""
    from collector.ledger.ingestor import SqlIngestor  # noqa: PLC0415
    from collector.timeseries.observer import OutboxObserver  # noqa: PLC0415
    from tests.collector.timeseries.ledger_support import (  # noqa: PLC0415 - test support
        Device,
        TickingClock,
        add_items,
    )

    skus = [f"LEDGER-{n:03d}" for n in range(50)]
    rates: dict[bool, float] = {}
    share = 0.0
    for with_observer in (True, False) if observer_first else (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_ledger(f"sqlite:///{tmp}/ledger.db")
            add_items(engine, *skus)
            clock, device = TickingClock(), Device("bench", "pos-1", step_ms=1)
            timed = _TimedObserver(OutboxObserver(clock=clock.now))
            ingestor = SqlIngestor(engine, clock=clock, observers=[timed] if with_observer else [])
            messages = [device.message(_transaction(n, skus)) for n in range(events)]
            began = time.perf_counter()
            for start in range(0, events, 500):
                ingestor.ingest(messages[start : start + 500])
            elapsed = time.perf_counter() - began
            rates[with_observer] = events / elapsed
            if with_observer:
                share = timed.seconds / elapsed
            engine.dispose()
    return rates[False], rates[True], share


def _transaction(n: int, skus: list[str]) -> StockTransaction:
    """Receipts into bin-1 alternating with transfers of that unit on to bin-2."""
    from tests.collector.timeseries.ledger_support import tx  # noqa: PLC0415

    sku = skus[(n // 2) % len(skus)]
    if n % 2 == 0:
        return tx("receipt", sku, "1", "main/bin-1", unit_cost=Decimal(1))
    return tx("transfer", sku, "1", "main/bin-1", to_location="main/bin-2")


def render(  # noqa: PLR0917 - the measured columns
    points: int,
    rounds: int,
    outbox: list[float],
    raw: list[float],
    ledger: tuple[list[float], list[float], list[float]],
    raw9: list[float],
) -> str:
    """This benchmark's RESULTS.md section."""
    out_rate = points / statistics.median(outbox)
    return "\n".join([
        START,
        "## Time series: outbox writer to the InfluxDB v2 write API",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} / Python "
        f"{platform.python_version()}, {_cores()} cores, with "
        f"`python -m benchmarks.influx_writer`; private victoria-metrics on loopback; "
        f"{points:,} points per round, medians of "
        f"{rounds} rounds, 5,000-line gzip requests; load average "
        f"{os.getloadavg()[0]:.1f} when it finished (other work shares these 2 cores, "
        f"so read the ratios, not the absolute rates).",
        "",
        *_writer_table(points, outbox, raw, raw9),
        "",
        *_ledger_table(ledger),
        "",
        f"At {out_rate:,.0f} points/s, an hour's backlog at 1,000 events/s (about 3.6 M "
        f"events, ~10.8 M points at 3 per event) drains in about "
        f"{10_800_000 / out_rate:,.0f} s here, beside live traffic.",
        END,
        "",
    ])  # fmt: skip


def _writer_table(
    points: int, outbox: list[float], raw: list[float], raw9: list[float]
) -> list[str]:
    out_rate, raw_rate = points / statistics.median(outbox), points / statistics.median(raw)
    raw9_rate = points / statistics.median(raw9)
    ratios = sorted(r / o for o, r in zip(outbox, raw, strict=True))
    return [
        "| path | points/s (median) | × raw POST |",
        "|---|---:|---:|",
        f"| raw httpx POST of the same lines, gzip level {GZIP_LEVEL} (baseline) | "
        f"{raw_rate:,.0f} | 1.00 |",
        f"| raw httpx POST, gzip level 9 (`gzip.compress` default; the old baseline) | "
        f"{raw9_rate:,.0f} | {raw9_rate / raw_rate:.2f} |",
        f"| outbox → `OutboxWriter` → `InfluxSink` (read, gzip, POST, delete) | "
        f"{out_rate:,.0f} | {out_rate / raw_rate:.2f} |",
        "",
        f"The writer reads {REQUESTS_PER_DRAIN} requests' worth of whole outbox rows at a "
        f"time, sends each request's rows as recorded (no per-line objects), gzips at level "
        f"{GZIP_LEVEL} and deletes the accepted rows in one statement; only a refused request "
        f"is bisected line by line.",
        "",
        f"Per-round outbox/raw ratios: {', '.join(f'{r:.2f}' for r in ratios)}.",
    ]


def _ledger_table(ledger: tuple[list[float], list[float], list[float]]) -> list[str]:
    without, with_obs = statistics.median(ledger[0]), statistics.median(ledger[1])
    ratios = sorted(w / wo for wo, w in zip(ledger[0], ledger[1], strict=True))
    share = statistics.median(ledger[2])
    return [
        f"Ledger ingest (SQLite, 500-event batches of receipts and transfers, 3 points per "
        f"event, {len(ledger[0])} alternating rounds) with and without the outbox observer "
        f"recording the points in the same transaction:",
        "",
        "| ledger ingest | events/s (median) | × without |",
        "|---|---:|---:|",
        f"| without the time series | {without:,.0f} | 1.00 |",
        f"| with the outbox observer | {with_obs:,.0f} | {with_obs / without:.2f} |",
        "",
        f"Per-round with/without ratios: {', '.join(f'{r:.2f}' for r in ratios)}. "
        f"Measured inside the same runs (so immune to the machine's load drifting), the "
        f"observer takes **{share:.0%}** of the ledger's ingest time (median over rounds): "
        f"the time series costs the ledger about {share / (1 - share):.0%} more time per event.",
    ]


def _cores() -> int:
    return os.cpu_count() or 1


def write_section(section: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or append it."""
    results_file.write_section(section, start=START, end=END)


def main() -> None:
    """Run the rounds, print the section and write it to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ledger-events", type=int, default=30_000)
    parser.add_argument("--ledger-rounds", type=int, default=8)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_victoria(Path(tmp) / "vm")
        try:
            outbox, raw, raw9 = [], [], []
            for n in range(args.rounds):
                lines = make_lines(args.points, n)
                # Alternate the order so neither path always runs on a warmer server.
                if n % 2:
                    raw.append(raw_round(url, lines))
                    outbox.append(outbox_round(url, make_lines(args.points, n + 100), Path(tmp)))
                else:
                    outbox.append(outbox_round(url, lines, Path(tmp)))
                    raw.append(raw_round(url, make_lines(args.points, n + 100)))
                raw9.append(raw_round(url, make_lines(args.points, n + 200), level=9))
        finally:
            process.terminate()
            process.wait(timeout=15)
    ledger: tuple[list[float], list[float], list[float]] = ([], [], [])
    for n in range(args.ledger_rounds):
        rates = ledger_rates(args.ledger_events, observer_first=n % 2 == 1)
        for column, value in zip(ledger, rates, strict=True):
            column.append(value)
    section = render(args.points, args.rounds, outbox, raw, ledger, raw9)
    print(section)
    write_section(section)


if __name__ == "__main__":
    main()
