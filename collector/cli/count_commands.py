"""``collector count …``: cycle counts whose variances become reason-coded adjustments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from collector.cli.alerts_commands import (
    ByOption,
    DbOption,
    ledger,
    ledger_session,
    plain,
    row_record,
    units,
)
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="count",
    no_args_is_help=True,
    help="Cycle counts: start one under a location, record what you count, close it.",
)


@app.command()
def start(
    location: Annotated[str, typer.Option("--location", help="Location prefix to count.")],
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Open a count: the book of every position under the prefix is remembered."""
    from collector.reconcile.runtime import counts  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        count_id = counts.start(conn, prefix=location.lower(), by=by, now=datetime.now(UTC))
        lines = counts.lines(conn, count_id)
    typer.echo(f"cycle count {count_id} started under {location}: {len(lines)} position(s)")
    for line in lines:
        typer.echo(f"  {line.location}  {line.sku}  (owner {line.owner})")


@app.command()
def record(
    *,
    count_id: Annotated[int, typer.Option("--count", help="Count id from `count start`.")],
    sku: Annotated[str, typer.Option("--sku", help="Item counted.")],
    location: Annotated[str, typer.Option("--location", help="Where it was counted.")],
    counted: Annotated[str, typer.Option("--counted", help="Units counted.")],
    by: ByOption,
    owner: Annotated[str, typer.Option("--owner", help="Whose stock (3PL).")] = "own",
    accept_moved: Annotated[
        bool, typer.Option("--accept-moved", help="Post even though stock moved since the start.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Record a count and post its variance (flagged, not posted, if stock moved meanwhile)."""
    from collector.domain.model import PositionKey  # noqa: PLC0415
    from collector.reconcile.runtime import counts  # noqa: PLC0415

    quantity = units(counted)
    assert quantity is not None
    key = PositionKey(sku, location.lower(), owner)
    with ledger_session(db) as session:
        result = counts.record(
            session, count_id, key, counted=quantity, by=by, accept_moved=accept_moved
        )
    _report(result, sku=sku, location=location)


def _report(result: Any, *, sku: str, location: str) -> None:
    if result.moved_during_count and result.adjustment_event_id is None and result.variance:
        typer.echo(
            f"FLAGGED: {sku} at {location} moved during the count (book now "
            f"{plain(result.book)}); recount, or record again with --accept-moved"
        )
        raise typer.Exit(1)
    done = f"adjustment {result.adjustment_event_id}" if result.adjustment_event_id else "no change"
    typer.echo(
        f"{sku} at {location}: counted {plain(result.counted)}, book {plain(result.book)}, "
        f"variance {plain(result.variance)}: {done}"
    )


@app.command()
def close(
    count_id: Annotated[int, typer.Argument(help="Count id.")],
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Post the variances of scanned counts not yet posted, and close the count."""
    from collector.reconcile.runtime import counts  # noqa: PLC0415

    with ledger_session(db) as session:
        results = counts.close(session, count_id, by=by)
    for r in results:
        state = "FLAGGED (moved during count)" if r.moved_during_count else "posted"
        typer.echo(f"  {r.key.location}  {r.key.sku}: variance {plain(r.variance)} {state}")
    typer.echo(f"cycle count {count_id} closed by {by}")


@app.command()
def show(
    count_id: Annotated[int, typer.Argument(help="Count id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """A count's positions: book at start, counted, moved, adjustment."""
    from collector.reconcile.runtime import counts  # noqa: PLC0415

    with ledger(db) as conn:
        head, lines = counts.load(conn, count_id), counts.lines(conn, count_id)
    if as_json:
        print_json([row_record(head) | {"lines": [row_record(r) for r in lines]}])
        return
    records = [
        {"location": r.location, "sku": r.sku, "owner": r.owner, "book_at_start": r.book_at_start,
         "counted": r.counted, "moved": "yes" if r.moved_during_count else "",
         "adjustment": r.adjustment_event_id}
        for r in lines
    ]  # fmt: skip
    columns = ["location", "sku", "owner", "book_at_start", "counted", "moved", "adjustment"]
    title = f"count {head.id} of {head.location_prefix}: {head.status}"
    print_table(title, records, columns, wide=wide)
