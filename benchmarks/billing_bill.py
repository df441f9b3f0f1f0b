"""How long a client's monthly bill takes to compute and to close (a benchmark, not a test).

    PYTHONPATH=. .venv/bin/python -m benchmarks.billing_bill --positions 2000 20000 [--write]

Each size gets a fresh SQLite ledger seeded directly (the run under test only reads): one
client holding ``positions`` positions (a SKU each, 50 per aisle), each with a receipt on
the 1st of November and a sale on 9 other days of the month, so ``position_days`` holds
10 rows and the journal 10 lines per position. The card changes on 16 November and bills
unit-days, location-days, m³-days, receipt lines and picks. Measured in the same run:

- baseline: the period report (COGS and the rest) of the client over the month, one total;
- the open bill (``store.bill_of``: every day's closing stock of every position);
- closing it (the same under the ledger lock, and its lines written).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks.results_file import write_section  # noqa: E402
from collector.billing import store  # noqa: E402
from collector.billing.rates import Charge  # noqa: E402
from collector.billing.schema import bill_lines, bills  # noqa: E402
from collector.ledger import schema  # noqa: E402
from collector.ledger.bulk import fast_insert  # noqa: E402
from collector.ledger.engine import open_ledger  # noqa: E402
from collector.views.reports import ReportQuery, day_bounds, period_report  # noqa: E402
from collector.views.scope import Scope  # noqa: E402

OWNER = "client-a"
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)
SALE_DAYS = (3, 6, 9, 12, 15, 18, 21, 24, 27)
START, END = "<!-- billing-bill:start -->", "<!-- billing-bill:end -->"


def _journal(n: int, sku: str, place: str, event: uuid.UUID) -> list[tuple[object, ...]]:
    lines: list[tuple[object, ...]] = [
        (n * 10, event, "receipt", sku, place, OWNER, Decimal(20), Decimal(1), Decimal(20),
         None, None, T0, T0, False),
    ]  # fmt: skip
    for k, day in enumerate(SALE_DAYS, 1):
        at = T0.replace(day=day)
        lines.append((n * 10 + k, event, "sale", sku, place, OWNER, Decimal(-1), Decimal(1),
                      Decimal(-1), Decimal(1), None, at, at, False))  # fmt: skip
    return lines


def seed(engine: sa.Engine, positions: int) -> None:
    """Items, places, one event, the journal, balances and position_days of the client."""
    skus = [f"SKU-{n:06d}" for n in range(positions)]
    places = [f"wh/a{n // 50:04d}/b{n:06d}" for n in range(positions)]
    event = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(schema.owners.insert().values(owner=OWNER, created_at=T0))
        aisles = sorted({p.rsplit("/", 1)[0] for p in places})
        rows = [("wh", None, "wh", 0, T0)] + [(a, "wh", a[3:], 1, T0) for a in aisles]
        rows += [(p, p.rsplit("/", 1)[0], p.rsplit("/", 1)[1], 2, T0) for p in places]
        fast_insert(conn, schema.locations, ("path", "parent_path", "name", "depth",
                                             "created_at"), rows)  # fmt: skip
        fast_insert(conn, schema.items, ("sku", "name", "valuation", "allow_negative",
                                         "updated_at", "unit_volume_cm3"),
                    [(s, s, "fifo", False, T0, 1000 + n) for n, s in enumerate(skus)])  # fmt: skip
        conn.execute(schema.inbox.insert().values(event_id=event, received_at=T0,
                                                  disposition="applied", payload="{}"))  # fmt: skip
        journal = [ln for n, (s, p) in enumerate(zip(skus, places, strict=True), 1)
                   for ln in _journal(n, s, p, event)]  # fmt: skip
        fast_insert(conn, schema.movements, ("id", "event_id", "type", "sku", "location", "owner",
                    "qty", "unit_cost", "value", "cogs", "revenue", "effective_at",
                    "recorded_at", "provisional"), journal)  # fmt: skip
        fast_insert(conn, schema.balances, ("sku", "location", "owner", "qty", "value",
                    "last_movement_id"),
                    [(s, p, OWNER, Decimal(11), Decimal(11), 1) for s, p in
                     zip(skus, places, strict=True)])  # fmt: skip
        days = [(T0.date(), Decimal(20))] + [(T0.date().replace(day=d), Decimal(-1))
                                             for d in SALE_DAYS]  # fmt: skip
        fast_insert(conn, schema.position_days, ("day", "sku", "location", "owner", "qty_change",
                    "value_change", "sold_qty", "cogs", "revenue"),
                    [(d, s, p, OWNER, q, q, max(-q, Decimal(0)), max(-q, Decimal(0)), Decimal(0))
                     for s, p in zip(skus, places, strict=True) for d, q in days])  # fmt: skip
        rates = {Charge.UNIT_DAYS: Decimal("0.01"), Charge.LOCATION_DAYS: Decimal("0.05"),
                 Charge.M3_DAYS: Decimal("0.40"), Charge.RECEIPT_LINES: Decimal("1.20"),
                 Charge.PICKS: Decimal("0.30")}  # fmt: skip
        store.add_card(conn, OWNER, date(2026, 10, 1), rates, by="bench", now=T0)
        later = {k: v + Decimal("0.01") for k, v in rates.items()}
        store.add_card(conn, OWNER, date(2026, 11, 16), later, by="bench", now=T0)


def _median_s(work: Callable[[], object], runs: int = 3) -> float:
    found = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        found.append(time.perf_counter() - began)
    return statistics.median(found)


def measure(positions: int) -> dict[str, object]:
    """Seed a fresh ledger of ``positions`` and time the baseline, the bill and the close."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_ledger(f"sqlite:///{Path(tmp) / 'ledger.db'}")
        seed(engine, positions)
        start, end = day_bounds(date(2026, 11, 1), date(2026, 11, 30), UTC)

        def report() -> object:
            with engine.connect() as conn:
                return period_report(conn, Scope.everyone(), start=start, end=end,
                                     query=ReportQuery())  # fmt: skip

        def bill() -> store.Bill:
            with engine.connect() as conn:
                return store.bill_of(conn, Scope.everyone(), OWNER, "2026-11", UTC, today=TODAY)

        def close() -> object:
            with engine.begin() as conn:
                conn.execute(bill_lines.delete())  # each run closes the month afresh
                conn.execute(bills.delete())
                closing = datetime(2026, 12, 3, tzinfo=UTC)
                return store.close_bill(conn, OWNER, "2026-11", UTC, now=closing, by="bench")

        base, billed = _median_s(report), _median_s(bill)
        total = bill().total
        closed = _median_s(close)
        engine.dispose()
    return {"positions": positions, "baseline_s": base, "bill_s": billed, "close_s": closed,
            "total": total}  # fmt: skip


def main() -> None:
    """Measure each size; print a table; ``--write`` puts it in benchmarks/RESULTS.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = [measure(n) for n in args.positions]
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines = [
        START, "## Monthly bills (billing)", "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on this 2-core machine with "
        f"`python -m benchmarks.billing_bill`; medians of 3 runs, SQLite, one client, 10 "
        f"journal lines and 10 `position_days` rows per position, a card change mid-month; "
        f"load average {' '.join(load)} at the end.", "",
        "| positions | baseline: period report | open bill | close | bill ÷ baseline |",
        "|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for r in rows:
        ratio = float(r["bill_s"]) / float(r["baseline_s"])  # type: ignore[arg-type]
        lines.append(f"| {r['positions']:,} | {r['baseline_s']:.3f} s | {r['bill_s']:.3f} s | "
                     f"{r['close_s']:.3f} s | {ratio:.1f} |")  # fmt: skip
    lines.append(END)
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(text, start=START, end=END)


if __name__ == "__main__":
    main()
