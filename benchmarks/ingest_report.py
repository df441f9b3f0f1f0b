"""Report for ``benchmarks/ingest.py``: the RESULTS.md section, with machine and date."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Ingest: MQTT → collector → SQLite (`benchmarks/ingest.py`)"


def machine() -> str:
    """CPU model, cores and OS of this machine."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {mp.cpu_count()} cores, {platform.system()} {platform.release()}"


def median(values: list[float]) -> float:
    """Median of the runs."""
    return statistics.median(values)


def report(
    args: argparse.Namespace,
    *,
    baseline: list[float],
    flat: list[Any],
    paced: list[Any],
    alone: list[float],
    null: list[Any],
    null_paced: list[Any],
) -> str:
    """The RESULTS.md section for this run."""
    base, rate = median(baseline), median([r.rate_per_s for r in flat])
    busy = median([r.extra["ledger_busy_share"] for r in flat])
    lines = [
        SECTION,
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        "- Broker: the shared system Mosquitto on 127.0.0.1:1883; ledger: SQLite (WAL,",
        "  synchronous=FULL) on local disk; collector MQTT 5, receive maximum 2 × batch.",
        f"- {args.devices} simulated devices in a child process (one thread each), "
        f"batch max {args.batch_max}, 20 ms batch wait; medians of {args.runs} runs.",
        "- **The machine was shared with other sessions' builds and tests while this ran**;",
        "  absolute numbers are noisy, the ratio to the same-run baseline is the fairer figure.",
        "",
        "| Measure | Median | Runs | Target |",
        "|---|---|---|---|",
        f"| Raw paho QoS 1 publish→subscriber (msg/s) | {base:,.0f} | "
        f"{', '.join(f'{b:,.0f}' for b in baseline)} | baseline |",
        f"| Collector sustained, committed to SQLite (events/s), {args.events:,} events | "
        f"{rate:,.0f} | {', '.join(f'{r.rate_per_s:,.0f}' for r in flat)} | ≥ 5,000 |",
        f"| Ratio collector / raw paho | {rate / base:.2f} | | |",
        f"| SqlIngestor alone, same traffic, no MQTT (events/s) | {median(alone):,.0f} | "
        f"{', '.join(f'{a:,.0f}' for a in alone)} | |",
        f"| Share of the flat-out run spent inside `ingest()` (commit) | {busy:.0%} | | |",
        f"| Ledger thread CPU per event inside `ingest()` (µs) / on-CPU share of that time | "
        f"{median([r.extra['ledger_cpu_us_per_event'] for r in flat]):.0f} / "
        f"{median([r.extra['ledger_on_cpu_share'] for r in flat]):.0%} | | |",
        f"| CPU used in the flat-out run: collector / simulated devices (cores) | "
        f"{median([r.extra['collector_cores'] for r in flat]):.2f} / "
        f"{median([r.extra['devices_cores'] for r in flat]):.2f} | | of 2 |",
        f"| Same run with a no-op ledger: MQTT + runtime only (events/s) | "
        f"{median([r.rate_per_s for r in null]):,.0f} | "
        f"{', '.join(f'{r.rate_per_s:,.0f}' for r in null)} | |",
        f"| Flat out: publish→commit p50 / p99 (ms) | {median([r.p50_ms for r in flat]):.0f} / "
        f"{median([r.p99_ms for r in flat]):.0f} | "
        f"{', '.join(f'{r.p99_ms:.0f}' for r in flat)} (p99) | |",
        f"| Paced {args.paced_rate:,}/s for {args.paced_seconds} s: p50 / p99 (ms) | "
        f"{median([r.p50_ms for r in paced]):.1f} / {median([r.p99_ms for r in paced]):.1f} | "
        f"{', '.join(f'{r.p99_ms:.1f}' for r in paced)} (p99) | p99 ≤ 250 |",
        f"| Same paced run with a no-op ledger: p50 / p99 (ms) | "
        f"{median([r.p50_ms for r in null_paced]):.1f} / "
        f"{median([r.p99_ms for r in null_paced]):.1f} | "
        f"{', '.join(f'{r.p99_ms:.1f}' for r in null_paced)} (p99) | |",
        f"| Paced achieved rate (events/s) | {median([r.rate_per_s for r in paced]):,.0f} | | |",
        f"| Events resent by devices (acks went quiet) | "
        f"{sum(r.resent for r in flat + paced)} | | 0 expected |",
        "",
        "Reading it: the no-op-ledger rows are the MQTT path and the collector runtime on",
        "their own (paho network thread, batch loop, PUBACKs and EventAcks). The ledger rows",
        "say where the rest goes: CPU microseconds per event inside `SqlIngestor.ingest()`,",
        "and the share of the time inside `ingest()` the thread was on a CPU at all (the",
        "rest waits for the commit's fsync, for the GIL held by the paho thread, or for a",
        "core on this shared 2-core machine, where the simulated devices also run).",
        "",
        "Run it: `.venv/bin/python benchmarks/ingest.py --runs 3 --write` (Mosquitto on 1883).",
        "",
    ]
    return "\n".join(lines)


START, END = "<!-- ingest:start -->", "<!-- ingest:end -->"


def replace_section(current: str, text: str) -> str:
    """``current`` with this benchmark's marked section replaced (or appended)."""
    block = f"{START}\n{text.rstrip()}\n{END}\n"
    if START in current and END in current:
        head, _, rest = current.partition(START)
        _, _, tail = rest.partition(END)
        return head + block + tail.lstrip("\n")
    return current.rstrip("\n") + "\n\n" + block


def write_section(text: str) -> None:
    """Replace this benchmark's section in RESULTS.md, leaving other sections alone."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(replace_section(current, text))
