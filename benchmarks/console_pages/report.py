"""The console pages run as a Markdown section of ``benchmarks/RESULTS.md``."""

from __future__ import annotations

from benchmarks.console_pages.timing import Row, Run
from benchmarks.results_file import write_section

START, END = "<!-- console-pages:start -->", "<!-- console-pages:end -->"


def render(run: Run) -> str:
    """The table of every page and user, with the baseline and the target verdict."""
    timed = [row for row in run.rows if row.p95_ms is not None]
    worst = max(timed, key=lambda row: row.p95_ms or 0.0, default=None)
    lines = [
        f"{run.backend}, {run.movements:,} movements, {run.requests} requests per page and "
        f"user, {run.started_at:%Y-%m-%d %H:%M} UTC. Baseline `GET /api/v1/health`: "
        f"p50 {run.baseline_p50_ms:.1f} ms, p95 {run.baseline_p95_ms:.1f} ms.",
        "",
        "| page | user | p50 ms | p95 ms | p95 / baseline p95 |",
        "|---|---|---:|---:|---:|",
        *(_line(row, run) for row in run.rows),
        "",
    ]
    if worst is not None and worst.p95_ms is not None:
        verdict = "met" if worst.p95_ms <= run.target_ms else "NOT met"
        lines.append(
            f"Slowest: `{worst.route}` ({worst.user}) p95 {worst.p95_ms:.1f} ms; target "
            f"p95 ≤ {run.target_ms:.0f} ms on every page: {verdict}."
        )
    return "\n".join(lines)


def _line(row: Row, run: Run) -> str:
    if row.p95_ms is None or row.p50_ms is None:
        why = "no sample in this ledger"
        if row.status is not None:
            why = f"not this user's ({row.status})"
        return f"| `{row.route}` | {row.user} | – | – | {why} |"
    ratio = row.p95_ms / run.baseline_p95_ms if run.baseline_p95_ms > 0 else float("inf")
    return f"| `{row.route}` | {row.user} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | {ratio:.1f}× |"


def write(run: Run, table: str) -> None:
    """Replace this backend's section of RESULTS.md with the table."""
    start = START.replace("start", f"{run.backend}:start")
    end = END.replace("end", f"{run.backend}:end")
    block = "\n".join([
        start,
        f"## Console pages: server time on the generated ledger ({run.backend})",
        "",
        "`python -m benchmarks.console_pages [--db URL] --write`: each console page requested "
        "in turn, in process, by an admin and by a client user; server time from the app's "
        "`Server-Timing` header (request in to response headers out, the page rendered whole).",
        "",
        table,
        end,
    ])  # fmt: skip
    write_section(block, start=start, end=end)
