"""Generate a large, realistic ledger fast (or take it from the cache); not a test.

    .venv/bin/python -m benchmarks.ledger_gen --movements 1000000 --db sqlite:///var/ledger-1m.db
    .venv/bin/python -m benchmarks.ledger_gen --movements 10000000 \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/ledger_10m --write

Without ``--db`` the SQLite ledger stays in the cache (``--cache-dir``) and its path is
printed. ``--write`` records the build in ``benchmarks/RESULTS.md`` (its own section).
Other benchmarks call ``benchmarks.ledger_gen.ensure_ledger`` instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402

from benchmarks.ledger_gen.cache import DEFAULT_CACHE_DIR, ensure_ledger  # noqa: E402
from benchmarks.ledger_gen.params import GenParams  # noqa: E402
from benchmarks.ledger_gen.report import summary, write_results  # noqa: E402


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    defaults = GenParams()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ledger_gen",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--movements", type=int, default=defaults.movements, help="journal lines to generate")
    add("--db", help="sqlite:///PATH (gets a copy of the cached file) or "
        "postgresql+psycopg://…/NAME (created, or reused when it holds this ledger)")  # fmt: skip
    add("--seed", type=int, default=defaults.seed)
    add("--skus", type=int, default=defaults.skus)
    add("--locations", type=int, default=defaults.locations, help="leaf locations (bins)")
    add("--owners", type=int, default=defaults.owners, help="own and N-1 3PL clients")
    add("--days", type=int, default=defaults.days)
    add("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    add("--force", action="store_true", help="generate again even when cached")
    add("--inline", action="store_true", help="load in this process, not a second one")
    add("--pg-dump", action="store_true", help="also keep a pg_dump -Fc of a PostgreSQL ledger")
    add("--write", action="store_true", help="record the build in benchmarks/RESULTS.md")
    add("--quiet", action="store_true", help="no progress lines")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Ensure the ledger, print where it is and what the build measured."""
    args = _arguments(argv)
    # the ingestor's per-batch info line is noise here; warnings still show
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    ledger = ensure_ledger(
        args.movements, seed=args.seed, skus=args.skus, locations=args.locations,
        owners=args.owners, days=args.days, db_url=args.db, cache_dir=args.cache_dir,
        force=args.force, pipelined=not args.inline, progress=not args.quiet,
        pg_dump=args.pg_dump,
    )  # fmt: skip
    state = "reused from the cache" if ledger.reused else "generated"
    print(f"{ledger.url} ({state}, key {ledger.key})")
    print(summary(ledger.figures))
    if args.write:
        if ledger.reused:
            print("not written to RESULTS.md: nothing was measured (use --force)", file=sys.stderr)
            return 1
        write_results(ledger.figures)
        print("written to benchmarks/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
