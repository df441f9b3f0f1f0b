"""``collector replenish …``: reorder rules, the suggestion run, approving into orders."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from collector.cli.alerts_commands import EXIT_CONFIG, ByOption, DbOption, ledger, units
from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="replenish",
    no_args_is_help=True,
    help="Reorder rules and suggestions: what to order, why, and into which draft order.",
)
WIDTH = 80


@app.command()
def suggest(
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only list the open suggestions.")
    ] = False,
) -> None:
    """Evaluate every rule, record new suggestions, and list the open ones with why."""
    from collector.purchasing.approval import list_suggestions  # noqa: PLC0415
    from collector.purchasing.history import AverageDailySales  # noqa: PLC0415
    from collector.purchasing.suggest import run_suggestions  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        result = None
        if not no_run:
            result = run_suggestions(conn, AverageDailySales(conn), now=datetime.now(UTC))
        rows = list_suggestions(conn)
    if as_json:
        print_json(_record(r) for r in rows)
        return
    if result is not None:
        typer.echo(
            f"{result.rules} rule(s): {result.triggered} at or below their point, "
            f"{len(result.created)} new suggestion(s), {len(result.auto_ordered)} auto-ordered"
        )
    _table(rows, wide=wide)


def _record(row: Any) -> dict[str, Any]:
    found = dict(row._mapping)
    found.pop("open_rule_id", None)
    return found


def _table(rows: list[Any], *, wide: bool) -> None:
    records = [
        {"id": r.id, "sku": r.sku, "location": r.location, "supplier": r.supplier, "qty": r.qty,
         "projected": r.projected, "point": r.reorder_point, "until": r.snoozed_until}
        for r in rows
    ]  # fmt: skip
    columns = ["id", "sku", "location", "supplier", "qty", "projected", "point", "until"]
    print_table("Open suggestions", records, columns, wide=wide)
    for r in rows:
        reason = f"#{r.id}: {r.reason}"
        typer.echo(reason if wide else textwrap.fill(reason, WIDTH, subsequent_indent="    "))


@app.command()
def order(
    ids: Annotated[list[int] | None, typer.Argument(help="Suggestion ids.")] = None,
    by: ByOption = "cli",
    all_open: Annotated[
        bool, typer.Option("--all", help="Every open suggestion not snoozed.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Approve suggestions: each becomes a line of its supplier's draft order."""
    from collector.purchasing.approval import approve, list_suggestions  # noqa: PLC0415
    from collector.purchasing.orders import order_row  # noqa: PLC0415

    now = datetime.now(UTC)
    with ledger(db, write=True) as conn:
        wanted = list(ids or [])
        if all_open:
            wanted += [
                r.id for r in list_suggestions(conn)
                if r.snoozed_until is None or r.snoozed_until <= now.date()
            ]  # fmt: skip
        if not wanted:
            typer.echo("error: name suggestion ids, or --all", err=True)
            raise typer.Exit(EXIT_CONFIG)
        po_ids = approve(conn, wanted, by=by, now=now)
        numbers = [order_row(conn, po_id).number for po_id in po_ids]
    typer.echo(f"{len(set(wanted))} suggestion(s) ordered on draft {', '.join(numbers)}")


@app.command()
def snooze(
    suggestion: Annotated[int, typer.Argument(help="Suggestion id.")],
    until: Annotated[str, typer.Option("--until", help="Day it may be ordered (YYYY-MM-DD).")],
    db: DbOption = None,
) -> None:
    """Keep a suggestion open but out of ordering until a day."""
    from collector.purchasing.approval import snooze as snooze_it  # noqa: PLC0415

    try:
        day = date.fromisoformat(until)
    except ValueError as err:
        typer.echo(f"error: --until {until!r} is not a day (YYYY-MM-DD)", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    with ledger(db, write=True) as conn:
        snooze_it(conn, suggestion, until=day, now=datetime.now(UTC))
    typer.echo(f"suggestion {suggestion} snoozed until {day}")


@app.command()
def dismiss(
    suggestion: Annotated[int, typer.Argument(help="Suggestion id.")],
    by: ByOption = "cli",
    db: DbOption = None,
) -> None:
    """Close a suggestion unordered (the next run suggests again if still low)."""
    from collector.purchasing.approval import dismiss as dismiss_it  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        dismiss_it(conn, suggestion, by=by, now=datetime.now(UTC))
    typer.echo(f"suggestion {suggestion} dismissed")


@app.command("rule")
def add_rule(  # noqa: PLR0917 - one option per term
    sku: Annotated[str, typer.Option("--sku")],
    location: Annotated[str, typer.Option("--location", help="Root of the subtree.")],
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code.")],
    min_qty: Annotated[str, typer.Option("--min", help="Reorder point (min/max).")] = "0",
    max_qty: Annotated[str, typer.Option("--max", help="Order up to.")] = "0",
    multiple: Annotated[str | None, typer.Option("--multiple", help="Pack size.")] = None,
    demand: Annotated[bool, typer.Option("--demand", help="Point from demand.")] = False,
    service_level: Annotated[str, typer.Option("--service-level")] = "0.95",
    demand_days: Annotated[int, typer.Option("--demand-days", help="History.")] = 28,
    cover_days: Annotated[int, typer.Option("--cover-days", help="Order-up-to days.")] = 14,
    margin: Annotated[str, typer.Option("--margin", help="low_stock clears above.")] = "0",
    owner: Annotated[str, typer.Option("--owner")] = "own",
    auto: Annotated[bool, typer.Option("--auto", help="Order automatically.")] = False,
    db: DbOption = None,
) -> None:
    """Add a reorder rule: min/max, or (--demand) a reorder point from demand."""
    from collector.purchasing.orders import supplier_id  # noqa: PLC0415
    from collector.purchasing.reorder import RuleMethod  # noqa: PLC0415
    from collector.purchasing.rules import RuleIn, create_rule  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        rule = RuleIn(
            sku, location.lower(), supplier_id(conn, supplier),
            RuleMethod.DEMAND if demand else RuleMethod.MIN_MAX, owner, _d(min_qty, "--min"),
            _d(max_qty, "--max"), units(multiple, "--multiple"),
            _d(service_level, "--service-level") if demand else None, demand_days,
            cover_days if demand else 0, _d(margin, "--margin"), auto,
        )  # fmt: skip
        rule_id = create_rule(conn, rule, now=datetime.now(UTC))
    typer.echo(f"rule {rule_id}: {sku} at {location} from {supplier}")


def _d(text: str, flag: str) -> Decimal:
    found = units(text, flag)
    assert found is not None
    return found


@app.command("rules")
def list_rules(db: DbOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Every reorder rule with its supplier's terms."""
    from collector.purchasing.rules import load_rules  # noqa: PLC0415

    with ledger(db) as conn:
        rules = load_rules(conn)
    if as_json:
        print_json(_rule_record(r) for r in rules)
        return
    records = [
        {"id": r.id, "sku": r.sku, "location": r.location, "supplier": r.supplier,
         "method": r.terms.method.value, "min": r.terms.min_qty, "max": r.terms.max_qty,
         "lead_days": r.terms.lead_time_days}
        for r in rules
    ]  # fmt: skip
    columns = ["id", "sku", "location", "supplier", "method", "min", "max", "lead_days"]
    print_table("Reorder rules", records, columns, wide=wide)


def _rule_record(rule: Any) -> dict[str, Any]:
    t = rule.terms
    return {
        "id": rule.id, "sku": rule.sku, "location": rule.location, "owner": rule.owner,
        "supplier": rule.supplier, "method": t.method.value, "min_qty": t.min_qty,
        "max_qty": t.max_qty, "multiple": t.multiple, "min_order_qty": t.min_order_qty,
        "lead_time_days": t.lead_time_days, "service_level": t.service_level,
        "demand_days": rule.demand_days, "cover_days": t.cover_days,
        "margin_qty": rule.margin_qty, "auto_order": rule.auto_order,
    }  # fmt: skip
