"""``collector po …``: suppliers, their items, and purchase orders (create, send, receive)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from collector.cli.alerts_commands import (
    EXIT_CONFIG,
    ByOption,
    DbOption,
    ledger,
    row_record,
    units,
)
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="po",
    no_args_is_help=True,
    help="Purchase orders: draft → sent → partially received → received, or cancelled.",
)
OrderArg = Annotated[str, typer.Argument(help="Order number (PO-000042) or id.")]


@app.command("supplier")
def add_supplier(
    code: Annotated[str, typer.Argument(help="Short code receipts and rules name it by.")],
    name: Annotated[str, typer.Argument(help="The supplier's name.")],
    db: DbOption = None,
) -> None:
    """Add a supplier."""
    from collector.purchasing import orders  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        supplier = orders.create_supplier(conn, code=code, name=name, now=datetime.now(UTC))
    typer.echo(f"supplier {code} added (id {supplier})")


@app.command("suppliers")
def list_suppliers(
    db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False
) -> None:
    """Every supplier."""
    from collector.purchasing import orders  # noqa: PLC0415

    with ledger(db) as conn:
        rows = orders.list_suppliers(conn)
    if as_json:
        print_json(row_record(r) for r in rows)
        return
    print_table("Suppliers", [row_record(r) for r in rows], ["id", "code", "name"], wide=wide)


@app.command("item")
def supplier_item(  # noqa: PLR0917 - one option per term
    supplier: Annotated[str, typer.Argument(help="Supplier code.")],
    sku: Annotated[str, typer.Argument(help="Item.")],
    lead_days: Annotated[int, typer.Option("--lead-days", help="Lead time in days.")],
    multiple: Annotated[str, typer.Option("--multiple", help="Pack size.")] = "1",
    moq: Annotated[str, typer.Option("--moq", help="Minimum order quantity.")] = "0",
    price: Annotated[str | None, typer.Option("--price", help="Last price paid.")] = None,
    db: DbOption = None,
) -> None:
    """Set what a supplier asks for an item: lead time, pack size, MOQ, price."""
    from collector.purchasing import orders  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        orders.set_supplier_item(
            conn, orders.supplier_id(conn, supplier), sku, lead_time_days=lead_days,
            order_multiple=_units(multiple, "--multiple"), min_order_qty=_units(moq, "--moq"),
            last_price=units(price, "--price"), now=datetime.now(UTC),
        )  # fmt: skip
    typer.echo(f"{supplier} supplies {sku}: {lead_days} days, packs of {multiple}, MOQ {moq}")


def _units(text: str, flag: str) -> Decimal:
    found = units(text, flag)
    assert found is not None
    return found


def _line(text: str) -> Any:
    from collector.purchasing.orders import LineIn  # noqa: PLC0415

    parts = text.split(":")
    if len(parts) not in {3, 4}:
        typer.echo(f"error: --line {text!r}: write SKU:LOCATION:QTY[:OWNER]", err=True)
        raise typer.Exit(EXIT_CONFIG)
    owner = parts[3] if len(parts) == 4 else "own"
    return LineIn(parts[0], parts[1].lower(), _units(parts[2], "--line"), owner)


@app.command()
def create(
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code.")],
    line: Annotated[list[str], typer.Option("--line", help="SKU:LOCATION:QTY[:OWNER], repeat.")],
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Create a draft order."""
    from collector.purchasing import orders  # noqa: PLC0415

    lines = [_line(text) for text in line]
    with ledger(db, write=True) as conn:
        po_id = orders.create_order(
            conn, orders.supplier_id(conn, supplier), lines, by=by, now=datetime.now(UTC)
        )
    typer.echo(f"{orders.po_number(po_id)} drafted for {supplier}: {len(lines)} line(s)")


@app.command("list")
def list_orders(
    status: Annotated[str | None, typer.Option("--status", help="Only this state.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Orders newest first."""
    from collector.purchasing import orders  # noqa: PLC0415
    from collector.purchasing.states import PoStatus  # noqa: PLC0415

    wanted = _status(status, PoStatus) if status else None
    with ledger(db) as conn:
        rows = orders.list_orders(conn, status=wanted)
    if as_json:
        print_json(row_record(r) for r in rows)
        return
    columns = ["number", "supplier", "status", "lines", "created_at", "sent_at"]
    print_table("Purchase orders", [row_record(r) for r in rows], columns, wide=wide)


def _status(text: str, enum: Any) -> Any:
    try:
        return enum(text)
    except ValueError as err:
        choices = ", ".join(s.value for s in enum)
        typer.echo(f"error: --status {text!r}: one of {choices}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err


@app.command()
def show(
    order: OrderArg, db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False
) -> None:
    """An order and its lines."""
    _show(order, db, as_json=as_json, matches=False, wide=wide)


@app.command("receive-status")
def receive_status(
    order: OrderArg, db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False
) -> None:
    """What came in against each line: ordered, received, outstanding, and the flags."""
    _show(order, db, as_json=as_json, matches=True, wide=wide)


def _show(order: str, db: str | None, *, as_json: bool, matches: bool, wide: bool) -> None:
    from collector.purchasing.views import order_detail  # noqa: PLC0415

    with ledger(db) as conn:
        from collector.purchasing import orders  # noqa: PLC0415

        detail = order_detail(conn, orders.order_id(conn, order))
    if as_json:
        print_json([detail])
        return
    head = detail
    title = f"{head['number']}  {head['supplier']}  {head['status']}  by {head['created_by']}"
    records = [
        {"line": ln["line_no"], "sku": ln["sku"], "location": ln["location"],
         "owner": ln["owner"], "ordered": ln["qty_ordered"], "received": ln["qty_received"],
         "open": ln["outstanding"],
         "flags": ",".join(sorted({m["flag"] for m in ln["matches"]})) if matches else None}
        for ln in head["lines"]
    ]  # fmt: skip
    columns = ["line", "sku", "location", "owner", "ordered", "received", "open"]
    print_table(title, records, [*columns, "flags"] if matches else columns, wide=wide)


def _step(order: str, event_name: str, db: str | None) -> None:
    from collector.purchasing import orders  # noqa: PLC0415
    from collector.purchasing.states import PoEvent  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        po_id = orders.order_id(conn, order)
        after = orders.step(conn, po_id, PoEvent(event_name), now=datetime.now(UTC))
        number = orders.order_row(conn, po_id).number
    typer.echo(f"{number} is {after.value}")


@app.command()
def send(order: OrderArg, db: DbOption = None) -> None:
    """Send a draft: its lines are on order from now on."""
    _step(order, "send", db)


@app.command()
def cancel(order: OrderArg, db: DbOption = None) -> None:
    """Cancel a draft or a sent order nothing has been received against."""
    _step(order, "cancel", db)


@app.command()
def close(order: OrderArg, db: DbOption = None) -> None:
    """Close a partially received order short: the rest is no longer on order."""
    _step(order, "close_short", db)
