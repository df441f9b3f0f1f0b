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


def _rates(runs: list[Any]) -> list[float]:
    return [r.rate_per_s for r in runs]


def _latency_row(label: str, runs: list[Any], fmt: str = ".1f", target: str = "") -> str:
    p50, p99 = median([r.p50_ms for r in runs]), median([r.p99_ms for r in runs])
    return (
        f"| {label} | {p50:{fmt}} / {p99:{fmt}} | {_runs([r.p99_ms for r in runs], fmt)} (p99) "
        f"| {target} |"
    )


def _header(args: argparse.Namespace, load: tuple[tuple[float, ...], tuple[float, ...]]) -> list:
    return [
        SECTION,
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}.",
        f"- Load average (1 min) {load[0][0]:.1f} at the start, {load[1][0]:.1f} at the end; "
        "other sessions may share the machine,",
        "  so read the ratios to the same-run baseline beside the absolute numbers.",
        "- Broker: a Mosquitto of the benchmark's own with the queue sizing deployments install",
        "  (`deploy/mosquitto/conf.d/10-inventory-queues.conf`); ledger: SQLite (WAL,",
        "  synchronous=FULL) on local disk unless marked PostgreSQL; collector MQTT 5.",
        f"- {args.devices} simulated devices in one child process (a paho client and a thread",
        "  each) on the same 2 cores, each keeping up to the edge agent's window of 200 events",
        f"  unacknowledged; batch max {args.batch_max}, 20 ms batch wait; medians of "
        f"{args.runs} rounds,",
        "  each round runs every variant once.",
        "- **`collector run`** is the shipped command line in its own process (reorder window,",
        "  ledger writer process, acks), exactly as deployed; its latency is publish→ack as the",
        "  device sees it (an upper bound of publish→commit), and after every run the ledger is",
        "  read back: each of the events was applied exactly once, or the benchmark fails.",
        "- *In-bench* runs the same batch loop and writer process inside the benchmark, so each",
        "  commit is timed (publish→commit); the *no-op ledger* isolates MQTT and runtime cost.",
        "",
    ]


def _shipped_rows(args: argparse.Namespace, baseline: list[float], series: dict) -> list[str]:
    shipped = series["shipped"]
    base, rate = median(baseline), median(_rates(shipped))
    ratios = [r / b for r, b in zip(_rates(shipped), baseline, strict=True)]
    others = [r.extra["other_cores"] for r in shipped]
    cpu_us = " / ".join(
        f"{_extra(shipped, key):.0f}"
        for key in (
            "collector_cpu_us_per_event",
            "ledger_cpu_us_per_event",
            "total_cpu_us_per_event",
        )
    )
    cores = " / ".join(
        f"{_extra(shipped, key):.2f}"
        for key in ("collector_cores", "writer_cores", "devices_cores", "broker_cores")
    )
    return [
        "| Measure | Median | Runs | Target |",
        "|---|---|---|---|",
        f"| Raw paho QoS 1 publish→subscriber (msg/s) | {base:,.0f} | {_runs(baseline)} "
        "| baseline |",
        f"| **`collector run` sustained** (events/s committed and acked), "
        f"{args.sustained_events:,} events | **{rate:,.0f}** | {_runs(_rates(shipped))} "
        "| ≥ 5,000 |",
        f"| Ratio `collector run` / raw paho | {rate / base:.2f} | {_runs(ratios, '.2f')} | |",
        f"| Length of the sustained run (s) | {_extra(shipped, 'wall_s'):.1f} | | |",
        f"| Sustained run, first third / last third of the time (events/s) | "
        f"{_extra(shipped, 'first_third_per_s'):,.0f} / {_extra(shipped, 'last_third_per_s'):,.0f} "
        "| | |",
        _latency_row(
            f"**`collector run` paced {args.paced_rate:,}/s for {args.paced_seconds} s: "
            "p50 / p99 publish→ack (ms)**",
            series["shipped_paced"],
            target="p99 ≤ 250",
        ),
        _latency_row("`collector run` flat out: p50 / p99 publish→ack (ms)", shipped, ".0f"),
        "| `collector run`: CPU µs per event, collector (both processes) / its ledger writer / "
        f"everything (collector, devices, broker) | {cpu_us} | | |",
        f"| `collector run`: cores used by collector / its writer / devices / broker | {cores} "
        "| | of 2 |",
        *_postgres_rows(args, series),
        f"| Other work on the machine during the sustained runs (cores) | "
        f"{_extra(shipped, 'other_cores'):.2f} | {_runs(others, '.2f')} | 0 on a quiet machine |",
    ]


def _postgres_rows(args: argparse.Namespace, series: dict) -> list[str]:
    pg = series["shipped_pg"]
    return [
        f"| `collector run` into PostgreSQL 15 (local, default settings), sustained (events/s) "
        f"| {median(_rates(pg)):,.0f} | {_runs(_rates(pg))} | |",
        _latency_row(
            f"`collector run` into PostgreSQL, paced {args.paced_rate:,}/s: p50 / p99 "
            "publish→ack (ms)",
            series["shipped_pg_paced"],
        ),
    ]


def _breakdown_rows(args: argparse.Namespace, alone: list[float], series: dict) -> list[str]:
    flat, null = series["flat"], series["null"]
    return [
        f"| In-bench writer process, {args.events:,} events (events/s) | "
        f"{median(_rates(flat)):,.0f} | {_runs(_rates(flat))} | |",
        _latency_row(
            f"In-bench, paced {args.paced_rate:,}/s: p50 / p99 publish→commit (ms)",
            series["paced"],
        ),
        f"| No-op ledger: MQTT + runtime only (events/s) | {median(_rates(null)):,.0f} | "
        f"{_runs(_rates(null))} | |",
        _latency_row("No-op ledger, paced: p50 / p99 publish→commit (ms)", series["null_paced"]),
        f"| `SqlIngestor` alone, same traffic, no MQTT (events/s) | {median(alone):,.0f} | "
        f"{_runs(alone)} | |",
        f"| Events resent by devices (acks went quiet) | "
        f"{sum(r.resent for runs in series.values() for r in runs)} | | 0 expected |",
    ]


FOOTER = [
    "",
    "Reading it: everything here (collector, simulated devices, broker) shares the two",
    "cores, so sustained events/s is bounded by 2 cores divided by the CPU all of them",
    "spend per event; in a deployment the devices run on their own Pis.",
    "`docs/collector.md` (*Throughput and latency*) has the profile and what limits it.",
    "",
    "Run it: `.venv/bin/python benchmarks/ingest.py --runs 3 --write` (starts its own",
    "Mosquitto; PostgreSQL on 127.0.0.1:5432 for the PostgreSQL rows).",
    "",
]


def report(
    args: argparse.Namespace,
    *,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    baseline: list[float],
    alone: list[float],
    **series: list[Any],
) -> str:
    """The RESULTS.md section for this run."""
    return "\n".join(
        [
            *_header(args, load),
            *_shipped_rows(args, baseline, series),
            *_breakdown_rows(args, alone, series),
            *FOOTER,
        ]
    )


START, END = "<!-- ingest:start -->", "<!-- ingest:end -->"


def write_section(text: str) -> None:
    """Replace this benchmark's section in RESULTS.md, leaving other sections alone."""
    results_file.write_section(f"{START}\n{text.rstrip()}\n{END}\n", start=START, end=END)
