"""What owners off the books and the journal cost on a generated ledger (not a test).

    PYTHONPATH=. .venv/bin/python -m benchmarks.books_journal --movements 200000 [--write]

A copy of the generated SQLite ledger (``benchmarks.ledger_gen``: ``own`` and two 3PL
clients over 365 days) is read over its last 30 books days. Measured in the same run,
medians of ``--repeat`` runs:

- baseline: the period report per SKU with every owner on the books (as before);
- the same report with one client off the books (``books_scope`` narrows it to the
  owners on the books);
- the journal of the 30 days per owner and day, and per period; then a check that every
  journal balances and each owner's accounts match its period report line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.ledger_gen.cache import ensure_ledger  # noqa: E402
from benchmarks.results_file import write_section  # noqa: E402
from collector.domain.journal import Account, ChartOfAccounts, account_totals, cents  # noqa: E402
from collector.domain.money import ZERO  # noqa: E402
from collector.ledger.engine import open_ledger  # noqa: E402
from collector.ledger.owners import set_on_books  # noqa: E402
from collector.ledger.schema import movements, owners  # noqa: E402
from collector.views.journal import JournalQuery, JournalReport, journal_report  # noqa: E402
from collector.views.reports import day_bounds, period_report  # noqa: E402
from collector.views.scope import Scope  # noqa: E402

START, END = "<!-- books-journal:start -->", "<!-- books-journal:end -->"
DAYS = 30
NOTE = (
    "The report with an owner off the books reads the same range of the journal with one more c"
    "ondition on its rows, so its difference from the baseline is noise at this load; the journ"
    "al sums per owner (and per day: one range query each), not per SKU. After the timings the "
    "run checks every journal balances and matches its owner's period report line."
)


def median_s(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` runs, after one warm-up."""
    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(url: str, repeat: int) -> dict[str, float]:
    """The four timings (seconds) on the ledger at ``url``."""
    engine = open_ledger(url)
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(movements.c.effective_at))).scalar_one()
        names = sorted(conn.execute(sa.select(owners.c.owner)).scalars())
    last_day = last.astimezone(UTC).date()
    first_day = last_day - timedelta(days=DAYS - 1)
    start, end = day_bounds(first_day, last_day, UTC)

    def report() -> object:
        with engine.connect() as conn:
            return period_report(conn, Scope.everyone(), start=start, end=end)

    def journal(per_day: bool) -> Callable[[], object]:
        def run() -> object:
            with engine.connect() as conn:
                query = JournalQuery(first_day, last_day, per_day=per_day)
                return journal_report(
                    conn, Scope.everyone(), query, books_tz=UTC, chart=ChartOfAccounts()
                )

        return run

    found = {"baseline": median_s(report, repeat)}
    client = next(n for n in names if n != "own")
    with engine.begin() as conn:
        set_on_books(conn, client, on_books=False, now=datetime.now(UTC))
    found["off_books"] = median_s(report, repeat)
    found["journal_per_day"] = median_s(journal(True), repeat)
    found["journal_per_period"] = median_s(journal(False), repeat)
    check(journal(True)())  # type: ignore[arg-type]
    engine.dispose()
    return found


def check(found: JournalReport) -> None:
    """Each journal balances; per owner, inventory moves by cents(EI) − cents(BI) and the
    P&L accounts by the report's COGS to the cent (an AssertionError says which not)."""
    chart = ChartOfAccounts().codes
    per_journal: dict[str, Decimal] = {}
    for x in found.lines:
        per_journal[x.journal] = per_journal.get(x.journal, ZERO) + x.debit - x.credit
    assert set(per_journal.values()) <= {ZERO}, "a journal does not balance"
    for owner, line in found.report.items():
        totals = account_totals(x for x in found.lines if x.owner == owner)
        inventory = cents(line.ending_value) - cents(line.beginning_value)
        assert totals.get(chart[Account.INVENTORY], ZERO) == inventory, owner
        costs = sum((totals.get(chart[a], ZERO) for a in
                     (Account.COGS, Account.SHRINKAGE, Account.COUNT_VARIANCE)), ZERO)  # fmt: skip
        assert abs(costs - line.cogs) < Decimal("0.015"), (owner, costs, line.cogs)
    print(f"checked: {len(per_journal)} journals balance and match the period report")


def main() -> None:
    """Generate (or reuse) the ledger, measure on a copy, print and optionally record."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movements", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    ledger = ensure_ledger(args.movements, progress=False)
    assert ledger.path is not None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ledger.db"
        shutil.copy(ledger.path, copy)
        found = measure(f"sqlite:///{copy}", args.repeat)
    load = os.getloadavg()
    base = found["baseline"]
    lines = [
        START,
        f"## Owners off the books and the journal ({args.movements:,} movements, SQLite, "
        f"last {DAYS} days, median of {args.repeat})",
        "",
        "| run | s | × baseline |",
        "|---|---|---|",
        *(f"| {name} | {secs:.3f} | {secs / base:.2f} |" for name, secs in found.items()),
        "",
        f"Load average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, "
        "shared). `python -m benchmarks.books_journal`.",
        "",
        NOTE,
        END,
    ]
    block = "\n".join(lines) + "\n"
    print(block)
    if args.write:
        write_section(block, start=START, end=END)


if __name__ == "__main__":
    main()
