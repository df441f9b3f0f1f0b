"""``collector billing …``: rate cards, monthly bills (show, close, invoice), item volumes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import sqlalchemy as sa
import typer

from collector.cli.alerts_commands import EXIT_CONFIG, ByOption, DbOption, ledger
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="billing",
    no_args_is_help=True,
    help="Storage and handling billing of 3PL clients: rate cards, monthly bills.",
)
cards_app = typer.Typer(name="cards", no_args_is_help=True, help="Rate cards per client.")
app.add_typer(cards_app)
OwnerArg = Annotated[str, typer.Argument(help="The client (owner).")]
MonthOption = Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")]
RATE_FLAGS = ("unit_days", "location_days", "m3_days", "receipt_lines", "picks", "returns",
              "count_lines")  # fmt: skip


def _rate(text: str, flag: str) -> Decimal:
    try:
        found = Decimal(text)
    except InvalidOperation:
        found = Decimal(-1)
    if not found.is_finite() or found < 0 or found != round(found, 6):
        typer.echo(f"error: --{flag} {text!r}: a rate ≥ 0 with at most 6 decimals", err=True)
        raise typer.Exit(EXIT_CONFIG)
    return found


def _month(text: str) -> str:
    try:
        date.fromisoformat(f"{text}-01")
    except ValueError as err:
        typer.echo(f"error: --month {text!r}: write it as YYYY-MM", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    return text


@contextmanager
def _books(db: str | None, *, write: bool = False) -> Iterator[tuple[sa.Connection, Any]]:
    """The ledger connection and the books' time zone (``COLLECTOR_BOOKS_TIMEZONE``)."""
    from collector.settings import load_settings  # noqa: PLC0415

    zone = load_settings(db_url=db).books_tz
    with ledger(db, write=write) as conn:
        yield conn, zone


def _card_record(card: Any) -> dict[str, Any]:
    from collector.billing.rates import Charge  # noqa: PLC0415

    return {"id": card.id, "owner": card.owner, "effective_from": card.effective_from,
            **{charge.value: card.rate(charge) for charge in Charge}}  # fmt: skip


@cards_app.command("list")
def list_cards(
    owner: Annotated[str | None, typer.Argument(help="Only this client's.")] = None,
    db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False,
) -> None:  # fmt: skip
    """Every rate card (of one client), by client and day."""
    from collector.billing import store  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    with ledger(db) as conn:
        records = [_card_record(c) for c in store.card_list(conn, Scope.everyone(), owner)]
    if as_json:
        print_json(records)
        return
    columns = ["id", "owner", "effective_from", "unit_days", "location_days", "m3_days",
               "receipt_lines", "picks", "returns", "count_lines"]  # fmt: skip
    print_table("Rate cards", records, columns, wide=wide)


@cards_app.command("add")
def add_card(  # noqa: PLR0917 - one option per rate
    owner: OwnerArg,
    effective_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    by: ByOption,
    unit_days: Annotated[str, typer.Option("--unit-day", help="Per unit-day.")] = "0",
    location_days: Annotated[str, typer.Option("--location-day", help="Per location-day.")] = "0",
    m3_days: Annotated[str, typer.Option("--m3-day", help="Per cubic-metre-day.")] = "0",
    receipt_lines: Annotated[str, typer.Option("--receipt-line", help="Per receipt line.")] = "0",
    picks: Annotated[str, typer.Option("--pick", help="Per pick (sale line).")] = "0",
    returns: Annotated[str, typer.Option("--return", help="Per return line.")] = "0",
    count_lines: Annotated[str, typer.Option("--count-line", help="Per count line.")] = "0",
    db: DbOption = None,
) -> None:
    """Add a client's rate card from a day on (closed months keep their cards)."""
    from collector.billing import store  # noqa: PLC0415
    from collector.billing.rates import Charge  # noqa: PLC0415

    given = dict(zip(RATE_FLAGS, (unit_days, location_days, m3_days, receipt_lines, picks,
                                  returns, count_lines), strict=True))  # fmt: skip
    rates = {Charge(name): _rate(text, name.replace("_", "-")) for name, text in given.items()}
    try:
        first = date.fromisoformat(effective_from)
    except ValueError as err:
        typer.echo(f"error: --from {effective_from!r}: write it as YYYY-MM-DD", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    with ledger(db, write=True) as conn:
        card = store.add_card(conn, owner, first, rates, by=by, now=datetime.now(UTC))
    typer.echo(f"card {card.id} for {owner} from {first.isoformat()}")


@app.command("bill")
def show_bill(  # noqa: PLR0917 - typer passes the options by name
    owner: OwnerArg, month: MonthOption, db: DbOption = None, as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the lines as CSV.")] = False,
    wide: WideOption = False,
) -> None:  # fmt: skip
    """A client's bill of a month: open (computed now), closed or invoiced."""
    from collector.billing import store  # noqa: PLC0415
    from collector.billing.export import bill_csv, bill_record  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    with _books(db) as (conn, zone):
        today = datetime.now(UTC).astimezone(zone).date()
        bill = store.bill_of(conn, Scope.everyone(), owner, _month(month), zone, today=today)
    if as_json:
        print_json([bill_record(bill)])
        return
    if as_csv:
        typer.echo(bill_csv(bill), nl=False)
        return
    _print_bill(bill_record(bill), wide=wide)


def _print_bill(record: dict[str, Any], *, wide: bool) -> None:
    title = f"{record['owner']} {record['month']} ({record['status']}): total {record['total']}"
    columns = ["charge", "first_day", "last_day", "quantity", "rate", "amount", "original_day"]
    print_table(title, record["lines"], columns, wide=wide)
    for note in record["notes"]:
        typer.echo(f"note: {note}")


@app.command("bills")
def list_bills(
    owner: Annotated[str | None, typer.Argument(help="Only this client's.")] = None,
    db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False,
) -> None:  # fmt: skip
    """Bills newest month first: closed, invoiced, and the open months since the last close."""
    from collector.billing import store  # noqa: PLC0415
    from collector.domain.money import q6  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    with _books(db) as (conn, zone):
        today = datetime.now(UTC).astimezone(zone).date()
        found = store.list_bills(conn, Scope.everyone(), zone, today=today, owner=owner)
    records = [{"owner": b.owner, "month": b.month, "status": b.status, "total": q6(b.total),
                "closed_at": b.closed_at, "invoice_ref": b.invoice_ref} for b in found]  # fmt: skip
    if as_json:
        print_json(records)
        return
    columns = ["owner", "month", "status", "total", "closed_at", "invoice_ref"]
    print_table("Bills", records, columns, wide=wide)


@app.command("close")
def close_bill(owner: OwnerArg, month: MonthOption, by: ByOption, db: DbOption = None) -> None:
    """Close a month's bill: its lines are stored as they are and never change after."""
    from collector.billing import store  # noqa: PLC0415

    with _books(db, write=True) as (conn, zone):
        bill = store.close_bill(conn, owner, _month(month), zone, now=datetime.now(UTC), by=by)
    typer.echo(f"bill of {owner} for {month} closed: {len(bill.lines)} line(s), total "
               f"{bill.total}")  # fmt: skip


@app.command("invoice")
def invoice_bill(
    owner: OwnerArg, month: MonthOption, by: ByOption,
    reference: Annotated[str, typer.Option("--reference", help="The invoice's number.")],
    db: DbOption = None,
) -> None:  # fmt: skip
    """Mark a closed bill invoiced with the invoice's reference."""
    from collector.billing import store  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        store.invoice_bill(conn, owner, _month(month), reference, now=datetime.now(UTC), by=by)
    typer.echo(f"bill of {owner} for {month} invoiced as {reference}")


@app.command("volume")
def set_volume(
    sku: Annotated[str, typer.Argument(help="The item.")],
    cm3: Annotated[int, typer.Argument(help="One unit's volume in whole cubic centimetres.")],
    db: DbOption = None,
) -> None:
    """Set an item's unit volume (storage billed per m³-day uses it)."""
    from collector.billing import store  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        store.set_volume(conn, sku, cm3)
    typer.echo(f"{sku}: {cm3} cm³ a unit")
