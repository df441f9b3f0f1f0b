"""Report for ``benchmarks/ingest.py``: the RESULTS.md section, with machine and date."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import results_file

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


def _runs(values: list[float], fmt: str = ",.0f") -> str:
    return ", ".join(f"{v:{fmt}}" for v in values)


def _extra(runs: list[Any], key: str) -> float:
    return median([r.extra[key] for r in runs])


def report(
    args: argparse.Namespace,
    *,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    baseline: list[float],
    alone: list[float],
    **series: list[Any],
) -> str:
    """The RESULTS.md section for this run."""
    flat, paced, null = series["flat"], series["paced"], series["null"]
    flat_thread, paced_thread = series["flat_thread"], series["paced_thread"]
    base, rate = median(baseline), median([r.rate_per_s for r in flat])
    rate_thread = median([r.rate_per_s for r in flat_thread])
    gains = [a.rate_per_s / b.rate_per_s for a, b in zip(flat, flat_thread, strict=True)]
    lines = [
        SECTION,
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        f"- Load average (1 min) {load[0][0]:.1f} at the start, {load[1][0]:.1f} at the end: "
        "**the machine was shared with other sessions' builds and tests**; absolute numbers",
        "  are noisy, the ratios to the same-run baseline and between designs are fairer.",
        "- Broker: the shared system Mosquitto on 127.0.0.1:1883; ledger: SQLite (WAL,",
        "  synchronous=FULL) on local disk; collector MQTT 5, receive maximum 2 × batch.",
        f"- {args.devices} simulated devices in a child process (one thread each), "
        f"batch max {args.batch_max}, 20 ms batch wait; medians of {args.runs} rounds; each",
        "  round runs every variant once, one after the other.",
        "- *Writer process* is what `collector run` does now: the ledger commits in its own",
        "  process and the batch loop gathers the next batch meanwhile. *In-process* is the",
        "  design before it: `SqlIngestor` on the batch loop's thread, beside paho's thread.",
        "",
        "| Measure | Median | Runs | Target |",
        "|---|---|---|---|",
        f"| Raw paho QoS 1 publish→subscriber (msg/s) | {base:,.0f} | {_runs(baseline)} "
        "| baseline |",
        f"| **Collector sustained, writer process** (events/s committed), {args.events:,} "
        f"events | **{rate:,.0f}** | {_runs([r.rate_per_s for r in flat])} | ≥ 5,000 |",
        f"| Same, ledger in-process (before) | {rate_thread:,.0f} | "
        f"{_runs([r.rate_per_s for r in flat_thread])} | |",
        f"| Writer process / in-process, per round | {median(gains):.2f} | "
        f"{_runs(gains, '.2f')} | |",
        f"| Ratio collector (writer process) / raw paho | {rate / base:.2f} | | |",
        f"| SqlIngestor alone, same traffic, no MQTT (events/s) | {median(alone):,.0f} | "
        f"{_runs(alone)} | |",
        f"| No-op ledger: MQTT + runtime only (events/s) | "
        f"{median([r.rate_per_s for r in null]):,.0f} | {_runs([r.rate_per_s for r in null])} "
        "| |",
        f"| Writer process: ledger CPU per event (µs) / cores it used | "
        f"{_extra(flat, 'ledger_cpu_us_per_event'):.0f} / {_extra(flat, 'writer_cores'):.2f} "
        "| | |",
        f"| In-process: ledger thread CPU per event (µs) / on-CPU share inside `ingest()` | "
        f"{_extra(flat_thread, 'ledger_cpu_us_per_event'):.0f} / "
        f"{_extra(flat_thread, 'ledger_on_cpu_share'):.0%} | | |",
        f"| Flat out, writer process: cores used by collector (both processes) / devices / "
        f"broker | {_extra(flat, 'collector_cores'):.2f} / {_extra(flat, 'devices_cores'):.2f}"
        f" / {_extra(flat, 'broker_cores'):.2f} | | of 2 |",
        f"| Flat out, writer process: CPU µs per event, collector / everything (collector, "
        f"devices, broker) | {_extra(flat, 'collector_cpu_us_per_event'):.0f} / "
        f"{_extra(flat, 'total_cpu_us_per_event'):.0f} | | |",
        f"| Flat out: publish→commit p50 / p99 (ms), writer process | "
        f"{median([r.p50_ms for r in flat]):.0f} / {median([r.p99_ms for r in flat]):.0f} | "
        f"{_runs([r.p99_ms for r in flat])} (p99) | |",
        f"| **Paced {args.paced_rate:,}/s for {args.paced_seconds} s: p50 / p99 (ms), writer "
        f"process** | **{median([r.p50_ms for r in paced]):.1f} / "
        f"{median([r.p99_ms for r in paced]):.1f}** | {_runs([r.p99_ms for r in paced], '.1f')}"
        " (p99) | p99 ≤ 250 |",
        f"| Same paced, ledger in-process (before): p50 / p99 (ms) | "
        f"{median([r.p50_ms for r in paced_thread]):.1f} / "
        f"{median([r.p99_ms for r in paced_thread]):.1f} | "
        f"{_runs([r.p99_ms for r in paced_thread], '.1f')} (p99) | |",
        f"| Same paced, no-op ledger: p50 / p99 (ms) | "
        f"{median([r.p50_ms for r in series['null_paced']]):.1f} / "
        f"{median([r.p99_ms for r in series['null_paced']]):.1f} | "
        f"{_runs([r.p99_ms for r in series['null_paced']], '.1f')} (p99) | |",
        f"| Paced achieved rate (events/s) | {median([r.rate_per_s for r in paced]):,.0f} | | |",
        f"| Events resent by devices (acks went quiet) | "
        f"{sum(r.resent for r in flat + paced + flat_thread + paced_thread)} | | 0 expected |",
        "",
        "Reading it: the CPU rows are the budget. Everything here (collector, the simulated",
        "devices, the broker) shares two cores with other sessions' work, so sustained",
        "events/s cannot exceed the cores left divided by the CPU all of them spend per event;",
        "`docs/collector.md` (*Throughput and latency*) has the profile and what limits it.",
        "",
        "Run it: `.venv/bin/python benchmarks/ingest.py --runs 3 --write` (Mosquitto on 1883).",
        "",
    ]
    return "\n".join(lines)


START, END = "<!-- ingest:start -->", "<!-- ingest:end -->"


def write_section(text: str) -> None:
    """Replace this benchmark's section in RESULTS.md, leaving other sections alone."""
    results_file.write_section(f"{START}\n{text.rstrip()}\n{END}\n", start=START, end=END)
