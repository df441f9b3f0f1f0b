"""The summary printed after a build, and the ``ledger-gen`` section of ``benchmarks/RESULTS.md``.

The section keeps one table row (and one mix line) per database and size: a run
rewrites its own row and keeps the others', so the SQLite and PostgreSQL builds,
run separately, share the section.
"""

from __future__ import annotations

from benchmarks import results_file
from benchmarks.ingest_report import machine
from benchmarks.ledger_gen.generate import Figures

START, END = "<!-- ledger-gen:start -->", "<!-- ledger-gen:end -->"
TITLE = "## Generated ledgers (`benchmarks/ledger_gen`)"
_HEADER = (
    "| ledger | journal lines | events | generate | load | total | of it: indexes + FKs "
    "| checks + ingestor | size | MB per M lines | measured (load avg start/end) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
)


def label(figures: Figures) -> str:
    """The row's first cell: database and size asked for, with the seed."""
    p = figures.params
    return f"{figures.database}, {p['movements']:,} (seed {p['seed']})"


def table_row(figures: Figures) -> str:
    """One row of the section's table."""
    detail = figures.load_detail
    rebuild = detail.get("indexes_s", 0.0) + detail.get("foreign_keys_s", 0.0)
    rate = figures.lines / figures.generate_s if figures.generate_s else 0.0
    load_rate = figures.lines / figures.load_s if figures.load_s else 0.0
    low, high = figures.load_average
    return (
        f"| {label(figures)} | {figures.lines:,} | {figures.events:,} "
        f"| {figures.generate_s:,.0f} s ({rate:,.0f}/s) | {figures.load_s:,.0f} s "
        f"({load_rate:,.0f}/s) | {figures.total_s:,.0f} s | {rebuild:,.0f} s "
        f"| {figures.check_s + figures.prove_s:,.1f} s | {figures.size_bytes / 1e6:,.0f} MB "
        f"| {figures.mb_per_million:,.0f} | {figures.measured_at} ({low:.1f}/{high:.1f}) |"
    )


def mix_line(figures: Figures) -> str:
    """The journal's make-up for one ledger, as a bullet line."""
    kinds = ("sale", "receipt", "transfer", "return", "adjustment", "true_up", "vendor_return")
    shares = ", ".join(
        f"{kind} {100 * figures.mix.get(kind, 0) / figures.lines:.1f}%" for kind in kinds
    )
    p, mix, notes = figures.params, figures.mix, figures.notes
    return (
        f"- {label(figures)}: {shares}; {mix.get('return naming its sale', 0):,} returns "
        f"name their sale, {mix.get('vendor_return naming its receipt', 0):,} vendor returns "
        f"their receipt, {mix.get('provisional', 0):,} provisional lines, "
        f"{notes.get('lost sales', 0):,} sales lost to empty shelves; {p['skus']:,} SKUs, "
        f"{p['locations']} locations, {p['owners']} owners, {p['days']} days from {p['start']}."
    )


def summary(figures: Figures) -> str:
    """What a build prints when it is done."""
    f, detail = figures, figures.load_detail
    rebuilt = ", ".join(f"{name.removesuffix('_s')} {secs:,.1f} s" for name, secs in detail.items())
    return "\n".join(
        (
            f"generated {f.lines:,} journal lines ({f.events:,} events) in {f.generate_s:,.1f} s "
            f"({f.lines / f.generate_s:,.0f} lines/s)",
            f"loader busy {f.load_s:,.1f} s ({f.lines / f.load_s:,.0f} lines/s; of it {rebuilt})",
            f"{f.total_s:,.1f} s from an empty database to a checked ledger "
            f"(invariants {f.check_s:,.1f} s, ingestor proof {f.prove_s:,.1f} s)",
            f"size {f.size_bytes / 1e6:,.0f} MB: {f.mb_per_million:,.0f} MB per million lines",
            mix_line(f),
        )
    )


def write_results(figures: Figures) -> None:
    """Rewrite this ledger's row and mix line of the section, keeping the others."""
    current = results_file.RESULTS.read_text() if results_file.RESULTS.exists() else ""
    section = current.partition(START)[2].partition(END)[0] if START in current else ""
    rows, mixes = _kept(section, label(figures))
    rows[label(figures)], mixes[label(figures)] = table_row(figures), mix_line(figures)
    block = [
        START,
        TITLE,
        "",
        f"Measured on {machine()} with `python -m benchmarks.ledger_gen` (the date and",
        "load average of each build are in its row; other sessions may share the machine).",
        "Every movement is posted by the domain's own `post_transaction` on an in-memory",
        "book, then the rows are bulk-loaded (SQLite: `executemany` in a few transactions,",
        "WAL, `synchronous=OFF`; PostgreSQL: `COPY`), with the big tables' indexes and",
        "foreign keys dropped and rebuilt. The loader is a second process, so loading",
        "overlaps generating and *total* (empty database to checked ledger) is less than",
        "their sum. *Checks* are the ledger's invariants in SQL, then five events posted",
        "through the real `SqlIngestor` and compared with what the domain predicts.",
        "",
        *_HEADER,
        *(rows[key] for key in sorted(rows)),
        "",
        "Make-up of each journal:",
        "",
        *(mixes[key] for key in sorted(mixes)),
        "",
        "Run it: `.venv/bin/python -m benchmarks.ledger_gen --movements 1000000 --write` (SQLite,",
        "kept in `var/bench-ledgers/`), or with `--db postgresql+psycopg://…/NAME`; other",
        "benchmarks call `benchmarks.ledger_gen.ensure_ledger(movements=…, seed=…)`.",
        END,
    ]
    results_file.write_section("\n".join(block), start=START, end=END)


def _kept(section: str, replaced: str) -> tuple[dict[str, str], dict[str, str]]:
    """Rows and mix lines of other ledgers already in the section, by label."""
    rows: dict[str, str] = {}
    mixes: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith(("| ledger ", "|---")):
            key = line[2:].split(" | ", 1)[0]
            rows[key] = line
        elif line.startswith("- ") and ": " in line:
            mixes[line[2:].split(": ", 1)[0]] = line
    rows.pop(replaced, None)
    mixes.pop(replaced, None)
    return rows, mixes
