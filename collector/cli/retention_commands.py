"""``collector retention report|prune``: what the growing tables hold, and pruning them.

The retention settings (``COLLECTOR_RETAIN_*``) are the collector's, checked at once with
every problem reported; docs/retention.md says what each prune removes and why every
event is still applied exactly once.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import EXIT_REFUSED, DbOption, fail, settings_or_exit
from collector.cli.tables import WideOption, print_table
from collector.errors import CollectorError

app = typer.Typer(
    name="retention",
    no_args_is_help=True,
    help="What the inbox, dead letters, time-series outbox and other growing tables hold; prune.",
)

SHOWN_COLUMNS = ["table", "rows", "oldest", "size", "delete", "empty", "keeps"]
PRUNED_COLUMNS = ["table", "deleted", "emptied", "points_lost"]

BatchOption = Annotated[
    int | None,
    typer.Option("--batch-rows", min=10, max=50_000,
                 help="Rows per transaction (default: COLLECTOR_RETENTION_BATCH_ROWS)."),
]  # fmt: skip


def _engine(db_url: str) -> Any:
    from collector.ledger.engine import open_ledger  # noqa: PLC0415 - SQL stack on demand

    try:
        return open_ledger(db_url)
    except CollectorError as err:
        fail(str(err), EXIT_REFUSED)


def _report_rows(db: str | None) -> list[dict[str, Any]]:
    from collector.retention.policy import RetentionPolicy  # noqa: PLC0415
    from collector.retention.report import report as table_reports  # noqa: PLC0415

    settings = settings_or_exit(db_url=db)
    engine = _engine(settings.db_url)
    try:
        with engine.connect() as conn:
            found = table_reports(conn, RetentionPolicy.of(settings), datetime.now(UTC))
    finally:
        engine.dispose()
    return [asdict(r) for r in found]


@app.command()
def report(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Per table: rows, the oldest, its size, how long it keeps rows, what a prune removes."""
    rows = _report_rows(db)
    if as_json:
        print_json(rows)
        return
    print_table("Retention", _shown(rows), SHOWN_COLUMNS, wide=wide)


@app.command()
def prune(
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would go (the report's counts).")
    ] = False,
    batch_rows: BatchOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Delete what the retention settings no longer keep, in short batches (safe beside run)."""
    if dry_run:
        rows = _report_rows(db)
        if as_json:
            print_json(rows)
            return
        print_table("Would prune (dry run)", _shown(rows), SHOWN_COLUMNS, wide=wide)
        return
    done = _prune(db, batch_rows)
    if as_json:
        print_json(done)
        return
    print_table("Pruned", done, PRUNED_COLUMNS, wide=wide)


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report as the table shows it: day of the oldest row, size in KiB/MiB/GiB."""
    return [
        {"table": r["table"], "rows": r["rows"],
         "oldest": r["oldest"].date().isoformat() if r["oldest"] else None,
         "size": _size(r["size_bytes"]), "delete": r["would_delete"],
         "empty": r["would_empty"], "keeps": r["kept"]}
        for r in rows
    ]  # fmt: skip


def _size(size_bytes: int | None) -> str | None:
    if size_bytes is None:
        return None
    size = float(size_bytes)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _prune(db: str | None, batch_rows: int | None) -> list[dict[str, Any]]:
    from collector.retention.policy import RetentionPolicy  # noqa: PLC0415
    from collector.retention.prune import PruneRun  # noqa: PLC0415
    from collector.retention.prune import prune as run_prune  # noqa: PLC0415
    from collector.runtime.signals import stop_on_signals  # noqa: PLC0415

    settings = settings_or_exit(db_url=db)
    stop = threading.Event()
    stop_on_signals(stop)
    engine = _engine(settings.db_url)
    run = PruneRun(RetentionPolicy.of(settings), datetime.now(UTC),
                   batch_rows=batch_rows or settings.retention_batch_rows,
                   progress=_progress, stop=stop)  # fmt: skip
    try:
        done = run_prune(engine, run)
    finally:
        engine.dispose()
    if done.points_lost:
        typer.echo(
            f"warning: {done.points_lost} time-series points the writer never delivered were "
            "deleted; `collector influx backfill --from DAY` rebuilds them",
            err=True,
        )
    if done.stopped:
        typer.echo("stopped: run it again to prune the rest", err=True)
    return [
        {"table": table, "deleted": n, "emptied": done.emptied.get(table, 0),
         "points_lost": done.points_lost if table == "timeseries_outbox" else 0}
        for table, n in done.deleted.items()
    ]  # fmt: skip


def _progress(table: str, deleted: int, emptied: int) -> None:
    if deleted or emptied:
        typer.echo(f"{table}: {deleted} deleted, {emptied} emptied", err=True)
