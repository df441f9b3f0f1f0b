"""How long the suggestion run takes for many reorder rules (a benchmark, not a test).

    PYTHONPATH=. .venv/bin/python -m benchmarks.replenish_suggest --rules 5000 50000 \
        [--postgres] [--write]

Each size gets a fresh SQLite ledger (and with ``--postgres`` a fresh PostgreSQL database
as well, on the server of ``tests.support.services``) seeded in bulk (this script writes
the seed rows directly, as ``benchmarks.ledger_gen`` does; the run under test only reads
them): one SKU
per rule, each at its own bin under one of 50 aisles, a rule per SKU rooted at the aisle
(a subtree), half of them min/max and half from 28 days of demand history; one in ten
SKUs has a sent order line. Measured in the same run:

- baseline: reading every balance row once (the floor of any run that looks at stock);
- per-rule queries (on hand and on order by two queries per rule, the Odoo-style loop),
  timed over 500 rules and scaled to all of them;
- the run itself, first time (suggestions and ``low_stock`` alerts written) and in the
  steady state (every triggered rule's suggestion open already: nothing new to write),
  twice: without a memo (what ``collector replenish suggest`` does in a fresh process)
  and with the process's ``RunMemo`` kept from run to run (what the sweep and the API
  do: ``collector.purchasing.sweep.remembered_run``), with its CPU time and the number
  of SQL statements it ran.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.results_file import write_section  # noqa: E402
from collector.ledger import schema  # noqa: E402
from collector.ledger.bulk import fast_insert  # noqa: E402
from collector.ledger.engine import open_ledger  # noqa: E402
from collector.purchasing import schema as ps  # noqa: E402
from collector.purchasing.history import AverageDailySales  # noqa: E402
from collector.purchasing.memo import RunMemo  # noqa: E402
from collector.purchasing.suggest import run_suggestions  # noqa: E402
from collector.purchasing.sweep import remembered_run  # noqa: E402
from tests.support.services import fresh_postgres_database  # noqa: E402

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AISLES = 50
HISTORY_DAYS = 28
START, END = "<!-- replenish-suggest:start -->", "<!-- replenish-suggest:end -->"


def seed(engine: sa.Engine, rules: int, rng: random.Random) -> None:
    """Items, places, balances, demand days, a supplier, its terms, rules, sent orders."""
    skus = [f"SKU-{n:06d}" for n in range(rules)]
    bins = [f"wh/a{n % AISLES:02d}/b{n:06d}" for n in range(rules)]
    with engine.begin() as conn:
        conn.execute(schema.owners.insert().values(owner="own", created_at=NOW))
        places: list[tuple[str, str | None, str, int, datetime]] = [("wh", None, "wh", 0, NOW)]
        places += [(f"wh/a{k:02d}", "wh", f"a{k:02d}", 1, NOW) for k in range(AISLES)]
        places += [(b, b.rsplit("/", 1)[0], b.rsplit("/", 1)[1], 2, NOW) for b in bins]
        columns = ("path", "parent_path", "name", "depth", "created_at")
        fast_insert(conn, schema.locations, columns, places)
        fast_insert(conn, schema.items, ("sku", "name", "valuation", "allow_negative",
                    "updated_at"), [(s, s, "fifo", False, NOW) for s in skus])  # fmt: skip
        fast_insert(conn, schema.balances, ("sku", "location", "owner", "qty", "value",
                    "last_movement_id"),
                    [(s, b, "own", Decimal(rng.randint(0, 100)), Decimal(0), 0)
                     for s, b in zip(skus, bins, strict=True)])  # fmt: skip
        _demand(conn, skus[1::2], bins[1::2], rng)
        _purchasing(conn, skus, bins, rng)


def _demand(conn: sa.Connection, skus: list[str], bins: list[str], rng: random.Random) -> None:
    days = [NOW.date() - timedelta(days=n) for n in range(1, HISTORY_DAYS + 1)]
    zero = Decimal(0)
    rows = [
        (day, sku, where, "own", zero, zero, Decimal(rng.randint(0, 8)), zero, zero)
        for sku, where in zip(skus, bins, strict=True)
        for day in days
    ]
    columns = ("day", "sku", "location", "owner", "qty_change", "value_change", "sold_qty",
               "cogs", "revenue")  # fmt: skip
    fast_insert(conn, schema.position_days, columns, rows)


def _purchasing(conn: sa.Connection, skus: list[str], bins: list[str], rng: random.Random) -> None:
    conn.execute(ps.suppliers.insert().values(id=1, code="acme", name="Acme", created_at=NOW))
    fast_insert(conn, ps.supplier_items, ("supplier_id", "sku", "lead_time_days",
                "order_multiple", "min_order_qty", "last_price", "updated_at"),
                [(1, s, rng.randint(3, 14), Decimal(rng.choice((1, 6, 12))), Decimal(12),
                  Decimal("1.5"), NOW) for s in skus])  # fmt: skip
    rows = []
    for n, sku in enumerate(skus):
        demand = n % 2 == 1
        rows.append((n + 1, sku, f"wh/a{n % AISLES:02d}", "own", 1,
                     "demand" if demand else "min_max", Decimal(0 if demand else 20),
                     Decimal(0 if demand else 100), None, Decimal("0.95") if demand else None,
                     HISTORY_DAYS, 14 if demand else 0, Decimal(5), False, NOW))  # fmt: skip
    columns = ("id", "sku", "location", "owner", "supplier_id", "method", "min_qty", "max_qty",
               "multiple", "service_level", "demand_days", "cover_days", "margin_qty",
               "auto_order", "created_at")  # fmt: skip
    fast_insert(conn, ps.reorder_rules, columns, rows)
    conn.execute(ps.purchase_orders.insert().values(
        id=1, number="PO-000001", supplier_id=1, status="sent", created_at=NOW,
        created_by="bench", sent_at=NOW))  # fmt: skip
    lines = [(n + 1, 1, n + 1, skus[i], bins[i], "own", Decimal(24), Decimal(0), Decimal(0))
             for n, i in enumerate(range(0, len(skus), 10))]  # fmt: skip
    fast_insert(conn, ps.po_lines, ("id", "po_id", "line_no", "sku", "location", "owner",
                "qty_ordered", "qty_received", "qty_returned"), lines)  # fmt: skip


def median_s(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls."""
    return medians(action, runs)[0]


def medians(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (this process's) of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _rolled_back(engine: sa.Engine, memo: RunMemo | None = None) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as conn:
            trans = conn.begin()
            if memo is None:
                result = run_suggestions(conn, AverageDailySales(conn), now=NOW)
            else:
                result = remembered_run(conn, memo, now=NOW)
            trans.rollback()
            return result

    return run


def statements(engine: sa.Engine, action: Callable[[], object]) -> int:
    """How many SQL statements ``action`` sends (SQLAlchemy's cursor events)."""
    count = 0

    def seen(*_args: object) -> None:
        nonlocal count
        count += 1

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    return count


def _baseline(engine: sa.Engine) -> Callable[[], object]:
    def read() -> object:
        with engine.connect() as conn:
            return conn.execute(sa.select(schema.balances)).all()

    return read


def _per_rule(engine: sa.Engine, sample: int) -> Callable[[], object]:
    b, p = schema.balances.c, ps.po_lines.c

    def loop() -> object:
        with engine.connect() as conn:
            for n in range(sample):
                sku, aisle = f"SKU-{n:06d}", f"wh/a{n % AISLES:02d}"
                conn.execute(sa.select(sa.func.sum(b.qty)).where(
                    b.sku == sku, b.location.like(aisle + "/%"))).scalar()  # fmt: skip
                conn.execute(sa.select(sa.func.sum(p.qty_ordered - p.qty_received)).where(
                    p.sku == sku, p.location.like(aisle + "/%"))).scalar()  # fmt: skip
        return None

    return loop


def measure(rules: int, runs: int, *, postgres: bool = False) -> dict[str, float]:
    """Every figure for one number of rules (seconds) on a fresh SQLite or PostgreSQL ledger."""
    with contextlib.ExitStack() as stack:
        if postgres:
            url = stack.enter_context(fresh_postgres_database())
        else:
            url = f"sqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'l.db'}"
        engine = open_ledger(url)
        stack.callback(engine.dispose)
        seed(engine, rules, random.Random(rules))
        if postgres:
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
        return _figures(engine, rules, runs)
    raise AssertionError("unreachable")


def _figures(engine: sa.Engine, rules: int, runs: int) -> dict[str, float]:
    sample = min(500, rules)
    figures = {
        "baseline_s": median_s(_baseline(engine), runs),
        "per_rule_s": median_s(_per_rule(engine, sample), runs) * rules / sample,
        "first_s": median_s(_rolled_back(engine), runs),
    }
    with engine.begin() as conn:
        first = run_suggestions(conn, AverageDailySales(conn), now=NOW)
    figures["cold_s"], figures["cold_cpu_s"] = medians(_rolled_back(engine), runs)
    memo = RunMemo()
    warm = _rolled_back(engine, memo)
    warm()  # the sweep's first pass fills the memo
    figures["steady_s"], figures["steady_cpu_s"] = medians(warm, runs)
    figures["statements"] = statements(engine, warm)
    figures["triggered"] = first.triggered
    figures["alerts"] = len(first.alerts_changed)
    return figures


def report(results: dict[str, dict[int, dict[str, float]]], runs: int, load: str) -> str:
    """The RESULTS.md section."""
    lines = [
        START, "## Replenishment suggestions (reorder rules)", "",
        f"Measured {date.today().isoformat()} on this 2-core machine (shared: load average "
        f"{load} at the end) with `python -m benchmarks.replenish_suggest --postgres`; "
        f"medians of {runs} runs, half min/max and half demand rules (28 days of history "
        "each), rules rooted at aisles (subtrees), one SKU in ten on order. *Steady*: every "
        "triggered rule has its open suggestion, nothing to write; *no memo*: a fresh "
        "process (`collector replenish suggest`); *sweep*: the process's `RunMemo` kept "
        "between runs (`collector run`'s sweep, `POST /suggestions/run`), with its CPU "
        "time and SQL statements.", "",
        "| db | rules | triggered | baseline: read balances | per-rule queries (scaled) "
        "| run, first (writes) | steady, no memo | steady, sweep | sweep CPU | statements |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for db, sizes in results.items():
        for rules, f in sizes.items():
            lines.append(
                f"| {db} | {rules:,} | {int(f['triggered']):,} | {f['baseline_s']:.3f} s "
                f"| {f['per_rule_s']:.2f} s | {f['first_s']:.2f} s | {f['cold_s']:.2f} s "
                f"| {f['steady_s']:.2f} s | {f['steady_cpu_s']:.2f} s | {int(f['statements'])} |"
            )
    lines += [
        "",
        "Target: 50,000 rules in ≤ 1 s (steady state). The first run also writes a "
        "suggestion and opens a `low_stock` alert per triggered rule.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and (``--write``) record in RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replenish_suggest")
    parser.add_argument("--rules", type=int, nargs="+", default=[5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    results = {"SQLite": {n: measure(n, args.runs) for n in args.rules}}
    if args.postgres:
        results["PostgreSQL"] = {n: measure(n, args.runs, postgres=True) for n in args.rules}
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    text = report(results, args.runs, load)
    print(text)
    if args.write:
        write_section(text, start=START, end=END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
