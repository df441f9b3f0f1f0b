"""``collector owners list|set``: owners of stock and whether each is on the warehouse's books.

``set OWNER --off-books`` makes a 3PL client's goods its own: tracked in quantity (and in
value at the cost it gives) but no part of the warehouse's inventory value, purchases or
COGS (docs/books.md). An owner not seen yet is created, so a client can be off the books
from its first receipt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from collector.cli.alerts_commands import DbOption, ledger
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="owners",
    no_args_is_help=True,
    help="Owners of stock: list them, say whether one's stock is on the warehouse's books.",
)

_COLUMNS = ["owner", "on_books", "movements", "created_at"]


def _records(found: list[Any]) -> list[dict[str, Any]]:
    return [
        {"owner": o.owner, "on_books": o.on_books, "movements": o.movements,
         "created_at": o.created_at}
        for o in found
    ]  # fmt: skip


@app.command("list")
def list_owners(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Every owner: whether its stock is on the warehouse's books, how many lines it has."""
    from collector.ledger.owners import list_owners as read  # noqa: PLC0415

    with ledger(db) as conn:
        records = _records(read(conn))
    if as_json:
        print_json(records)
        return
    print_table("Owners", records, _COLUMNS, wide=wide)


@app.command("set")
def set_owner(
    owner: Annotated[str, typer.Argument(help="The owner, as transactions name it.")],
    on_books: Annotated[
        bool,
        typer.Option(
            "--on-books/--off-books",
            help="Whether its stock is the warehouse's (--off-books: a client's consigned goods).",
        ),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether OWNER's stock is on the warehouse's books; every report reads it when it runs."""
    from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

    from collector.ledger.owners import set_on_books  # noqa: PLC0415
    from edge_agent.wire import OwnerId  # noqa: PLC0415

    try:
        TypeAdapter(OwnerId).validate_python(owner)
    except ValidationError:
        typer.echo(f"error: {owner!r} is not an owner name (letters, digits, _ . -)", err=True)
        raise typer.Exit(2) from None
    with ledger(db, write=True) as conn:
        view = set_on_books(conn, owner, on_books=on_books, now=datetime.now(UTC))
    if as_json:
        print_json(_records([view]))
        return
    books = "on the warehouse's books" if view.on_books else "off the warehouse's books"
    typer.echo(f"owner {view.owner}: {books}")
    if view.movements:
        typer.echo(f"note: {view.owner} has {view.movements} journal lines; every report over "
                   "them (past periods too) now counts them this way", err=True)  # fmt: skip
