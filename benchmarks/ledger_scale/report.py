"""The RESULTS.md section ``ledger-scale``: reads, ingest and sizes, big ledgers beside empty."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from benchmarks.ingest_fleet import RunResult
from benchmarks.ledger_scale.reads import Timings
from benchmarks.results_file import write_section as write_marked

MEASURES = (
    ("as_of_sku", "stock of one SKU at a past instant, per location/owner", 20.0),
    ("as_of_sku_journal", "the same, summing the journal (before: no books zone)", None),
    ("site_value_now", "the whole site's stock value now", 1000.0),
    ("month_report", "a month's period report, by SKU", 2000.0),
    ("month_report_journal", "the same, beginning values from the journal (before)", None),
    ("quarter_turnover", "turnover for a quarter, by SKU", 2000.0),
    ("trace_lot", "recall trace of a lot (`collector trace lot`)", 1000.0),
    ("trace_serial", "recall trace of a serial", 1000.0),
)


@dataclass(slots=True)
class LedgerResult:
    """One ledger's figures."""

    label: str
    backend: str
    movements: int
    size_bytes: int
    migrate_s: float
    recall_events: int
    recall_s: float
    reads: Timings
    copy_s: float = 0.0
    ingests: list[RunResult] = field(default_factory=list)
    """One run per ingest round, in round order."""

    @property
    def big(self) -> bool:
        """A generated ledger, not an empty one."""
        return not self.label.endswith("empty")

    @property
    def name(self) -> str:
        """Its column heading."""
        return f"{self.backend}, {self.movements:,} lines" if self.big else self.label


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _cell(result: LedgerResult, key: str) -> str:
    first = result.reads.first.get(key)
    if not first:
        return "—"
    repeat = result.reads.repeat[key]
    return f"{_median(first):,.1f} / {_median(repeat):,.1f} (max {max(first):,.1f})"


def _verdict(results: list[LedgerResult], key: str, target: float | None) -> str:
    if target is None:
        return "—"
    worst = max((_median(r.reads.first.get(key, [])) for r in results if r.big), default=0.0)
    return "met" if worst <= target else f"**missed** ({worst:,.0f} ms)"


def _reads_table(results: list[LedgerResult]) -> list[str]:
    head = "| measure | target | " + " | ".join(r.name for r in results) + " | verdict |"
    rows = [head, "|---|---:|" + "---:|" * len(results) + "---|"]
    for key, text, target in MEASURES:
        target_text = f"≤ {target:,.0f} ms" if target else "—"
        cells = " | ".join(_cell(r, key) for r in results)
        rows.append(f"| {text} | {target_text} | {cells} | {_verdict(results, key, target)} |")
    return rows


def _ingest_table(results: list[LedgerResult]) -> list[str]:
    rows = [
        "| ledger | events × rounds | events/s | × empty (per round) | first third /s "
        "| last third /s | last ÷ first (per round) | the same, whole run | p99 ack ms "
        "| verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    empties = {r.backend: r.ingests for r in results if not r.big and r.ingests}
    for r in results:
        if not r.ingests:
            continue
        runs = r.ingests
        theirs = empties.get(r.backend, [])
        paired = [a.rate_per_s / b.rate_per_s for a, b in zip(runs, theirs, strict=False)]
        ratios = paired if r.big and paired else [1.0]
        held = [_thirds(run, "all_sending_") for run in runs]
        whole = [_thirds(run, "") for run in runs]
        ok = _median(held) >= 0.9 and _median(ratios) >= 0.9
        rows.append(
            f"| {r.name} | {runs[0].events:,} × {len(runs)} "
            f"| {_median([run.rate_per_s for run in runs]):,.0f} "
            f"| {_median(ratios):.2f} ({_listed(ratios) if r.big else '—'}) "
            f"| {_median([run.extra['all_sending_first_third_per_s'] for run in runs]):,.0f} "
            f"| {_median([run.extra['all_sending_last_third_per_s'] for run in runs]):,.0f} "
            f"| {_median(held):.2f} ({_listed(held)}) | {_median(whole):.2f} ({_listed(whole)}) "
            f"| {_median([run.p99_ms for run in runs]):,.0f} | {'met' if ok else '**missed**'} |"
        )
    return rows


def _thirds(run: RunResult, prefix: str) -> float:
    """Last third's rate over the first's (``all_sending_``: until the first device is done)."""
    return run.extra[f"{prefix}last_third_per_s"] / run.extra[f"{prefix}first_third_per_s"]


def _listed(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _size_table(results: list[LedgerResult]) -> list[str]:
    rows = [
        "| ledger | journal lines | size | MB per million lines | copy | migrate to head "
        "| recall traffic |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        per_m = r.size_bytes / 1e6 / (r.movements / 1e6) if r.big else float("nan")
        per_m_text = f"{per_m:,.0f}" if r.big else "—"
        rows.append(
            f"| {r.name} | {r.movements:,} | {r.size_bytes / 1e6:,.0f} MB | {per_m_text} "
            f"| {r.copy_s:,.0f} s | {r.migrate_s:,.1f} s "
            f"| {r.recall_events:,} events, {r.recall_s:,.1f} s |"
        )
    return rows


def _marks(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


METHOD = (
    "## The ledger at scale (`benchmarks/ledger_scale`)",
    "",
    "Each generated ledger (`benchmarks/ledger_gen`, section `ledger-gen`) is copied "
    "(PostgreSQL: `CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`), migrated to head, and "
    "gets the same recall traffic as an empty ledger of the same schema measured in the same "
    "run: 4 lot-tracked items × 5 lots (each received, moved to 10 bins, sold 150 times naming "
    "the lot, 10 returns) and 100 serials, posted through `SqlIngestor` (the generator tracks "
    "no lots). One section per backend below, each written by its own run.",
    "",
    "Reads call the product's functions (`views.stock.stock_page`/`stock_totals`, "
    "`views.reports.period_report`/`turnover_report`, `views.trace.trace_lot`/"
    "`trace_serial`), books zone UTC as the generator's. Cells: median ms of *first* "
    "(a new connection, arguments not asked before; server and OS caches not dropped, "
    "other sessions share them) / median of *repeat* (the same call again, warm), "
    "and the slowest first. The verdict takes the median first on the generated ledger.",
    "",
    "Ingest: the shipped `collector run` (20 devices flat out, `benchmarks/ingest_shipped`, "
    "every event checked exactly once afterwards). Each round ingests into a fresh copy of "
    "the generated ledger and into a fresh empty one, the order alternating between "
    "rounds; × empty is the median of the ratios paired within a round, the other cells "
    "medians over rounds. Targets: ≥ 0.9× the empty ledger's rate, and the last third of "
    "the run within 10% of the first. The thirds are of the time while all 20 devices were "
    "still sending (up to the first device's last ack): after that fewer devices are left "
    "and the rate falls with the load generator, not the ledger; the whole run's ratio is "
    "shown beside it.",
    "",
    "Run it: `.venv/bin/python -m benchmarks.ledger_scale --write` (builds nothing: the "
    "generated ledgers must exist, see `ledger-gen`); `--only sqlite` rewrites only the "
    "SQLite section; `--ingest-events N`, `--big-ingest-events N`, `--ingest-rounds N`.",
)


def _backend_section(
    backend: str, results: list[LedgerResult], *, load: tuple[tuple[float, ...], ...],
    started_at: datetime,
) -> str:  # fmt: skip
    before, after = load
    start, end = _marks(f"ledger-scale-{backend}")
    lines = [
        start,
        f"### {BACKEND_TITLES.get(backend, backend)}",
        "",
        f"Measured {started_at:%Y-%m-%d %H:%M} UTC, load average {before[0]:.1f} at the start "
        f"and {after[0]:.1f} at the end (2 cores shared with other sessions).",
        "",
        *_reads_table(results),
        "",
        *_ingest_table(results),
        "",
        *_size_table(results),
        end,
    ]
    return "\n".join(lines) + "\n"


BACKEND_TITLES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def report(
    results: list[LedgerResult], *, load: tuple[tuple[float, ...], tuple[float, ...]],
    started_at: datetime,
) -> dict[str, str]:  # fmt: skip
    """Marker name → its section (markers included): the method, then one per backend measured."""
    start, end = _marks("ledger-scale")
    sections = {"ledger-scale": "\n".join((start, *METHOD, end)) + "\n"}
    for backend in dict.fromkeys(r.backend for r in results):
        mine = [r for r in results if r.backend == backend]
        sections[f"ledger-scale-{backend}"] = _backend_section(
            backend, mine, load=load, started_at=started_at
        )
    return sections


def write_sections(sections: dict[str, str]) -> None:
    """Replace each named section of RESULTS.md, leaving the other backends' alone."""
    for name, text in sections.items():
        start, end = _marks(name)
        write_marked(text, start=start, end=end)
