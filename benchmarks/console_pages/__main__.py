"""Server time of every console page on the generated 1,000,000-movement ledger (not a test).

    .venv/bin/python -m benchmarks.console_pages --write
    .venv/bin/python -m benchmarks.console_pages \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_api_ledger_1m --write
    .venv/bin/python -m benchmarks.console_pages --quick     # 100k ledger, few requests

Each page is requested in turn (in process, one at a time) by an admin and by a client
user, and its server time read from the ``Server-Timing`` header the app sets (request in
to response headers out, the page rendered whole). The baseline is ``GET /api/v1/health``
of the same app in the same run. Target (issue 13): every page p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.console_pages.report import render, write  # noqa: E402
from benchmarks.console_pages.timing import measure  # noqa: E402
from collector.logs import configure_logging  # noqa: E402


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.console_pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--db", help="none for the SQLite cache, or postgresql+psycopg://…/NAME "
        "(the run works on a copy, NAME_api_run)")  # fmt: skip
    add("--movements", type=int, help="ledger size (default 1,000,000; --quick 100,000)")
    add("--requests", type=int, help="timed requests per page and user (default 40; --quick 8)")
    add("--quick", action="store_true", help="a small smoke run (not for RESULTS.md)")
    add("--write", action="store_true", help="record the run in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick and args.write:
        parser.error("--write records full runs, not --quick")
    args.movements = args.movements or (100_000 if args.quick else 1_000_000)
    args.requests = args.requests or (8 if args.quick else 40)
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, and with ``--write`` record it."""
    args = _arguments(argv)
    configure_logging(level="WARNING")  # the table, not every posting, on the terminal
    with tempfile.TemporaryDirectory(prefix="console-pages-") as workdir:
        run = measure(args.movements, args.db, Path(workdir), requests=args.requests)
    table = render(run)
    print(table)
    if args.write:
        write(run, table)
    slow = [row for row in run.rows if row.p95_ms is not None and row.p95_ms > run.target_ms]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
