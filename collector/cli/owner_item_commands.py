"""``collector items add`` (an item of the shared or an owner's catalogue) and
``collector ownership-change`` (stock in place passing from one owner to another)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer

from collector.cli.ledger_commands import (
    EXIT_CONFIG,
    EXIT_REFUSED,
    DbOption,
    _engine,
    _observers,
    fail,
    items_app,
)
from collector.errors import CollectorError


@items_app.command("add")
def add_item(  # noqa: PLR0917 - typer passes the options by name
    code: Annotated[str, typer.Argument(help="The SKU; with --owner, the owner's own code.")],
    name: Annotated[str, typer.Option("--name", help="What it is called.")],
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="The client whose catalogue it is in (SKU owner:code)."),
    ] = None,
    gtin: Annotated[str | None, typer.Option("--gtin", help="Its GTIN (per owner).")] = None,
    valuation: Annotated[str, typer.Option("--valuation", help="fifo or average.")] = "fifo",
    tracking: Annotated[str, typer.Option("--tracking", help="none, lot or serial.")] = "none",
    db: DbOption = None,
) -> None:
    """Add one item; with ``--owner`` to that owner's catalogue, its code and GTIN its own."""
    from pydantic import ValidationError  # noqa: PLC0415

    from collector.ingest.decode import summarize  # noqa: PLC0415
    from collector.ledger.catalog import ItemRow, create_item  # noqa: PLC0415
    from collector.ledger.item_codes import create_owner_item  # noqa: PLC0415

    try:
        fields = {"sku": code, "name": name, "gtin": gtin, "valuation": valuation}
        row = ItemRow.model_validate({**fields, "tracking": tracking})
    except ValidationError as err:
        fail(f"item {code}: {summarize(err)}", EXIT_CONFIG)
    engine = _engine(db)
    now = datetime.now(UTC)
    try:
        if owner is None:
            create_item(engine, row, now=now)
            sku = row.sku
        else:
            sku = create_owner_item(engine, _owner(owner), row, now=now)
    except CollectorError as err:
        fail(str(err), EXIT_REFUSED)
    finally:
        engine.dispose()
    typer.echo(f"item {sku} created" + (f" in owner {owner}'s catalogue" if owner else ""))


def _owner(owner: str) -> str:
    from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

    from edge_agent.wire import OwnerId  # noqa: PLC0415

    try:
        return TypeAdapter(OwnerId).validate_python(owner)
    except ValidationError:
        fail(f"{owner!r} is not an owner id (letters, digits, . _ -)", EXIT_CONFIG)


def ownership_change(  # noqa: PLR0917 - typer passes the options by name
    sku: Annotated[str, typer.Argument(help="The item (SKU of the shared catalogue).")],
    qty: Annotated[Decimal, typer.Argument(help="Units that change owner.")],
    location: Annotated[str, typer.Option("--location", help="Where the stock is.")],
    from_owner: Annotated[str, typer.Option("--from", help="The seller.")],
    to_owner: Annotated[str, typer.Option("--to", help="The buyer (own: the warehouse).")],
    unit_price: Annotated[
        Decimal | None,
        typer.Option("--unit-price", help="--to own only: what the warehouse pays per unit."),
    ] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="The lot to hand over.")] = None,
    serial: Annotated[str | None, typer.Option("--serial", help="The serial.")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="A note.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who (default cli:<login>).")] = None,
    db: DbOption = None,
) -> None:
    """Stock in place passes to another owner in one transaction, at cost (docs/owner-items.md)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from collector.ingest.decode import summarize  # noqa: PLC0415
    from collector.ledger.ownership import change_ownership  # noqa: PLC0415
    from edge_agent.wire import StockTransaction  # noqa: PLC0415

    fields = {"sku": sku, "qty": qty, "location": location, "owner": from_owner,
              "to_owner": to_owner, "unit_price": unit_price, "lot": lot, "serial": serial,
              "reference": reference}  # fmt: skip
    try:
        tx = StockTransaction.model_validate({"type": "ownership_change", **fields})
    except ValidationError as err:
        fail(f"ownership change: {summarize(err)}", EXIT_CONFIG)
    engine = _engine(db)
    try:
        posting = change_ownership(
            engine, tx, now=datetime.now(UTC), by=by or f"cli:{getpass.getuser()}",
            observers=_observers(db),
        )  # fmt: skip
    except CollectorError as err:
        fail(str(err), EXIT_REFUSED)
    finally:
        engine.dispose()
    for line in posting.lines:
        typer.echo(
            f"movement {line.movement_id}: {line.type.value} {line.key.label()} "
            f"qty {line.qty:f} value {line.value:f}"
        )
