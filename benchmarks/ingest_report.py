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
    selected = (
        [f"- Only these variants ran (`--only`): {', '.join(f'`{n}`' for n in args.selected)}."]
        if args.only
        else []
    )
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
        "- **`--bindings`** runs the same with site bindings (`benchmarks/ingest_bindings.py`):",
        "  one device in five is a shelf whose events are all resolved `shelf.weight_changed`",
        "  at `post`-policy lanes (picks and put-backs), so one event in five posts a movement",
        "  through the reconcile observer; its check also counts each sensor event's movement.",
        *selected,
        "",
    ]


def _ratios(top: list[float], bottom: list[float]) -> list[float]:
    """Per round: ``top`` over ``bottom`` of the same round (paired)."""
    return [t / b for t, b in zip(top, bottom, strict=True)]


def _ratio_row(label: str, top: list[float], bottom: list[float]) -> list[str]:
    """Median of the per-round ratios, and each round's; nothing unless both ran."""
    if not top or not bottom:
        return []
    ratios = _ratios(top, bottom)
    return [f"| {label} | {median(ratios):.2f} | {_runs(ratios, '.2f')} | |"]


def _cpu_rows(name: str, runs: list[Any]) -> list[str]:
    cpu_us = " / ".join(
        f"{_extra(runs, key):.0f}"
        for key in (
            "collector_cpu_us_per_event",
            "ledger_cpu_us_per_event",
            "total_cpu_us_per_event",
        )
    )
    cores = " / ".join(
        f"{_extra(runs, key):.2f}"
        for key in ("collector_cores", "writer_cores", "devices_cores", "broker_cores")
    )
    return [
        f"| {name}: CPU µs per event, collector (both processes) / its ledger writer / "
        f"everything (collector, devices, broker) | {cpu_us} | | |",
        f"| {name}: cores used by collector / its writer / devices / broker | {cores} | | of 2 |",
    ]


def _sustained_rows(args: argparse.Namespace, name: str, runs: list[Any]) -> list[str]:
    rate = median(_rates(runs))
    return [
        f"| **{name} sustained** (events/s committed and acked), "
        f"{args.sustained_events:,} events | **{rate:,.0f}** | {_runs(_rates(runs))} "
        "| ≥ 5,000 |",
        f"| {name}: length of the sustained run (s) | {_extra(runs, 'wall_s'):.1f} | | |",
        f"| {name}: first third / last third of the time (events/s) | "
        f"{_extra(runs, 'first_third_per_s'):,.0f} / {_extra(runs, 'last_third_per_s'):,.0f} "
        "| | |",
    ]


def _shipped_rows(args: argparse.Namespace, series: dict) -> list[str]:
    shipped, paho = series["shipped"], series["paho"]
    rows = []
    if paho:
        rows.append(
            f"| Raw paho QoS 1 publish→subscriber (msg/s) | {median(paho):,.0f} | {_runs(paho)} "
            "| baseline |"
        )
    if shipped:
        rows += [
            *_sustained_rows(args, "`collector run`", shipped),
            *_ratio_row("Ratio `collector run` / raw paho", _rates(shipped), paho),
        ]
    if series["shipped_paced"]:
        rows.append(
            _latency_row(
                f"**`collector run` paced {args.paced_rate:,}/s for {args.paced_seconds} s: "
                "p50 / p99 publish→ack (ms)**",
                series["shipped_paced"],
                target="p99 ≤ 250",
            )
        )
    if shipped:
        rows += [
            _latency_row("`collector run` flat out: p50 / p99 publish→ack (ms)", shipped, ".0f"),
            *_cpu_rows("`collector run`", shipped),
        ]
    return rows


def _bindings_rows(args: argparse.Namespace, series: dict) -> list[str]:
    name, runs = "`collector run --bindings`", series["bindings"]
    rows = []
    if runs:
        rows += [
            *_sustained_rows(args, name, runs),
            *_ratio_row(
                f"Ratio {name} / plain `collector run` of the same round",
                _rates(runs),
                _rates(series["shipped"]),
            ),
        ]
    if series["bindings_paced"]:
        rows.append(
            _latency_row(
                f"**{name} paced {args.paced_rate:,}/s for {args.paced_seconds} s: "
                "p50 / p99 publish→ack (ms)**",
                series["bindings_paced"],
                target="p99 ≤ 250",
            )
        )
    if runs:
        rows += [
            _latency_row(f"{name} flat out: p50 / p99 publish→ack (ms)", runs, ".0f"),
            *_cpu_rows(name, runs),
        ]
    return rows


def _postgres_rows(args: argparse.Namespace, series: dict) -> list[str]:
    pg, rows = series["shipped_pg"], []
    if pg:
        rows.append(
            f"| `collector run` into PostgreSQL 15 (local, default settings), sustained "
            f"(events/s) | {median(_rates(pg)):,.0f} | {_runs(_rates(pg))} | |"
        )
    if series["shipped_pg_paced"]:
        rows.append(
            _latency_row(
                f"`collector run` into PostgreSQL, paced {args.paced_rate:,}/s: p50 / p99 "
                "publish→ack (ms)",
                series["shipped_pg_paced"],
            )
        )
    return rows


def _other_work_row(series: dict) -> list[str]:
    names = ("shipped", "old_shipped", "bindings", "old_bindings")
    sustained = [r for name in names for r in series[name]]
    if not sustained:
        return []
    others = [r.extra["other_cores"] for r in sustained]
    return [
        f"| Other work on the machine during the sustained runs (cores) | {median(others):.2f} "
        f"| {_runs(others, '.2f')} | 0 on a quiet machine |"
    ]


def _baseline_rows(series: dict, trees: dict) -> list[str]:
    """This tree against ``--baseline-tree``, round by round (same seed, same traffic)."""
    if trees.get("old") is None:
        return []
    rows = []
    for new, label in (("shipped", "`collector run`"), ("bindings", "`collector run --bindings`")):
        old = series[f"old_{new}"]
        if not old:
            continue
        rows.append(
            f"| {label} of the baseline tree, sustained (events/s) | "
            f"{median(_rates(old)):,.0f} | {_runs(_rates(old))} | |"
        )
        mine = series[new]
        rows += _ratio_row(
            f"**{label}: this tree / baseline tree, same round (paired)**",
            _rates(mine),
            _rates(old),
        )
        rows += _ratio_row(
            f"{label}: ledger writer CPU µs per event, this tree / baseline tree, same round "
            "(less sensitive to other load than events/s)",
            [r.extra["ledger_cpu_us_per_event"] for r in mine],
            [r.extra["ledger_cpu_us_per_event"] for r in old],
        )
        if mine:
            pairs = ", ".join(
                f"{a.extra['other_cores']:.2f} / {b.extra['other_cores']:.2f}"
                for a, b in zip(mine, old, strict=True)
            )
            rows.append(
                f"| {label}: other work (cores), this tree / baseline, per round | | {pairs} | |"
            )
    return rows


def _breakdown_rows(args: argparse.Namespace, series: dict) -> list[str]:
    flat, null, rows = series["flat"], series["null"], []
    if flat:
        rows.append(
            f"| In-bench writer process, {args.events:,} events (events/s) | "
            f"{median(_rates(flat)):,.0f} | {_runs(_rates(flat))} | |"
        )
    if series["paced"]:
        rows.append(
            _latency_row(
                f"In-bench, paced {args.paced_rate:,}/s: p50 / p99 publish→commit (ms)",
                series["paced"],
            )
        )
    if null:
        rows.append(
            f"| No-op ledger: MQTT + runtime only (events/s) | {median(_rates(null)):,.0f} | "
            f"{_runs(_rates(null))} | |"
        )
    if series["null_paced"]:
        rows.append(
            _latency_row("No-op ledger, paced: p50 / p99 publish→commit (ms)", series["null_paced"])
        )
    return rows + _alone_rows(args, series) + _resent_row(series)


def _alone_rows(args: argparse.Namespace, series: dict) -> list[str]:
    alone, with_bindings, rows = series["alone"], series["alone_bindings"], []
    if alone:
        rows.append(
            f"| `SqlIngestor` alone, same traffic, no MQTT, {args.events:,} events (events/s) "
            f"| {median(alone):,.0f} | {_runs(alone)} | |"
        )
    if with_bindings:
        rows.append(
            "| `SqlIngestor` alone with the reconcile observer, bindings traffic "
            f"(events/s) | {median(with_bindings):,.0f} | {_runs(with_bindings)} | |"
        )
    return rows + _ratio_row(
        "Ratio `SqlIngestor` alone, bindings / plain, same round", with_bindings, alone
    )


def _resent_row(series: dict) -> list[str]:
    runs = [r for values in series.values() for r in values if hasattr(r, "resent")]
    if not runs:
        return []
    return [
        f"| Events resent by devices (acks went quiet) | {sum(r.resent for r in runs)} | "
        "| 0 expected |"
    ]


FOOTER = [
    "",
    "Reading it: everything here (collector, simulated devices, broker) shares the two",
    "cores, so sustained events/s is bounded by 2 cores divided by the CPU all of them",
    "spend per event; in a deployment the devices run on their own Pis.",
    "`docs/collector.md` (*Throughput and latency*) has the profile and what limits it.",
    "",
    "Run it: `.venv/bin/python benchmarks/ingest.py --runs 3 --write` (starts its own",
    "Mosquitto; PostgreSQL on 127.0.0.1:5432 for the PostgreSQL rows). Against another",
    "checkout: `--baseline-tree DIR`; some variants only: `--only NAME,...` (see `--help`).",
    "",
]


def _trees_lines(trees: dict) -> list[str]:
    if trees.get("old") is None:
        return []
    return [
        f"- This tree: {trees['new'].describe()}.",
        f"- Baseline tree (`--baseline-tree`): {trees['old'].describe()}; every process",
        "  reported the `collector.__file__` it imported, checked against the tree. Each",
        "  baseline run uses the same seed (traffic) as its pair; odd rounds run it first.",
        "",
    ]


def report(
    args: argparse.Namespace,
    *,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    series: dict[str, list[Any]],
    trees: dict,
) -> str:
    """The RESULTS.md section for this run (rows of variants that did not run left out)."""
    return "\n".join(
        [
            *_header(args, load),
            *_trees_lines(trees),
            "| Measure | Median | Runs | Target |",
            "|---|---|---|---|",
            *_shipped_rows(args, series),
            *_bindings_rows(args, series),
            *_baseline_rows(series, trees),
            *_postgres_rows(args, series),
            *_other_work_row(series),
            *_breakdown_rows(args, series),
            *FOOTER,
        ]
    )


START, END = "<!-- ingest:start -->", "<!-- ingest:end -->"
PAIRED_START, PAIRED_END = "<!-- ingest-paired:start -->", "<!-- ingest-paired:end -->"


def write_section(text: str, *, paired: bool = False) -> None:
    """Replace this benchmark's section in RESULTS.md (``paired``: the before/after section
    of a run against ``--baseline-tree``), leaving the other sections alone."""
    start, end = (PAIRED_START, PAIRED_END) if paired else (START, END)
    if paired:
        text = text.replace(
            "## Ingest: MQTT → collector → SQLite (`benchmarks/ingest.py`)",
            "## Ingest before and after a change: this tree against `--baseline-tree`, paired",
            1,
        )
    results_file.write_section(f"{start}\n{text.rstrip()}\n{end}\n", start=start, end=end)
