"""``collector dead-letters [list|replay]`` and ``collector parked``: what did not post, and why.

``dead-letters`` alone lists them (as ``dead-letters list``); ``replay ID`` re-submits one
once its cause is fixed, exactly once. ``parked`` lists transactions waiting for stock.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from collector.cli.alerts_commands import ByOption, ledger_session
from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import DbOption, reading
from collector.cli.tables import WideOption, print_table
from collector.domain.book import fmt

app = typer.Typer(
    name="dead-letters",
    invoke_without_command=True,
    help="Messages set aside with the reason; replay one once its cause is fixed.",
)
LimitOption = Annotated[int, typer.Option("--limit", min=0, help="Newest N; 0 = all.")]


@app.callback()
def dead_letters(
    ctx: typer.Context,
    limit: LimitOption = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Messages set aside with the reason, oldest first (``dead-letters list``)."""
    if ctx.invoked_subcommand is None:
        list_dead_letters(limit=limit, db=db, as_json=as_json, wide=wide)


@app.command("list")
def list_dead_letters(
    limit: LimitOption = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Messages set aside with the reason, oldest first; replayed ones say when and by whom."""
    from collector.ledger.queries import dead_letter_rows  # noqa: PLC0415

    with reading(db) as conn:
        records = dead_letter_rows(conn, limit=limit or None)
    if as_json:
        print_json(records)
        return
    columns = ["id", "received_at", "device_id", "seq", "reason", "replayed_at"]
    print_table("Dead letters", records, columns, wide=wide)


@app.command("replay")
def replay(
    letter_id: Annotated[int, typer.Argument(help="The dead letter's id (`dead-letters`).")],
    by: ByOption,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Post a dead letter again once its cause is fixed; exit 1 saying why if it still cannot."""
    from collector.ledger.replay import replay_dead_letter  # noqa: PLC0415

    with ledger_session(db) as session:
        replayed = replay_dead_letter(session, letter_id, by=by)
    lines = [_line(line) for line in replayed.posting.lines]
    if as_json:
        print_json(lines)
        return
    typer.echo(f"dead letter {letter_id} replayed by {by}: event {replayed.event_id} posted")
    for line in lines:
        typer.echo(
            f"  movement {line['id']}: {line['type']} {line['sku']} at {line['location']} "
            f"qty {fmt(line['qty'])} value {line['value']:f}"
        )


def _line(line: Any) -> dict[str, Any]:
    return {
        "id": line.movement_id,
        "event_id": line.event_id,
        "type": line.type.value,
        "sku": line.key.sku,
        "location": line.key.location,
        "owner": line.key.owner,
        "qty": line.qty,
        "unit_cost": line.unit_cost,
        "value": line.value,
        "cogs": line.cogs,
    }


def parked(
    limit: LimitOption = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Transactions waiting for stock that has not been booked yet, in the order they post."""
    from collector.ledger.parking import list_parked  # noqa: PLC0415

    with reading(db) as conn:
        waiting = list_parked(conn, limit=limit or None)
    records = [
        {
            "event_id": p.event_id,
            "type": p.tx.type.value,
            "sku": p.key.sku,
            "location": p.key.location,
            "owner": p.key.owner,
            "qty": p.tx.qty,
            "effective_at": p.effective_at,
            "parked_at": p.parked_at,
            "expires_at": p.expires_at,
            "attempts": p.attempts,
            "reason": p.reason,
        }
        for p in waiting
    ]
    if as_json:
        print_json(records)
        return
    columns = ["event_id", "type", "sku", "location", "qty", "expires_at", "attempts"]
    print_table("Waiting for stock", records, columns, wide=wide)
