"""``collector report cogs|turnover|abc|journal``: period report, turnover, ABC, the journal.

Both group by item, location (``--depth`` N: the subtree under the first N path
segments), owner or in total, and filter by ``--sku``, ``--location`` (a subtree) and
``--owner``. Periods are whole days: the period report's in ``--tz`` (default: the books'
time zone), turnover's in the books' days (``COLLECTOR_BOOKS_TIMEZONE``), from which the
daily balances are kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import (
    EXIT_CONFIG,
    EXIT_REFUSED,
    DbOption,
    fail,
    reading,
    records_of,
)
from collector.cli.tables import WideOption, print_table
from collector.domain.report import Grouping
from collector.settings import load_settings

app = typer.Typer(
    name="report",
    no_args_is_help=True,
    help="Period reports, turnover, ABC classes and the accounting journal.",
)

FromOption = Annotated[
    str | None,
    typer.Option("--from", help="First day, e.g. 2026-11-01; default: the first with a movement."),
]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, included; default: today.")]
ByOption = Annotated[
    Grouping, typer.Option("--by", help="A line per sku, location, owner, or only the total.")
]
DepthOption = Annotated[
    int | None,
    typer.Option("--depth", min=1, help="With --by location: group under the first N segments."),
]
SkuOption = Annotated[str | None, typer.Option("--sku", help="Only this item.")]
LocationOption = Annotated[
    str | None, typer.Option("--location", help="Only this location and what lies under it.")
]
OwnerOption = Annotated[
    str | None,
    typer.Option(
        "--owner",
        help="Only this owner's stock, on the books or not (without it: the owners on the "
        "warehouse's books, docs/books.md).",
    ),
]

_COGS_COLUMNS = [
    "beginning_value", "purchases", "purchase_returns", "cost_of_sales", "true_ups", "returns",
    "adjustments", "transfers", "cogs", "ending_value", "revenue", "gross_margin",
]  # fmt: skip
_TURNOVER_COLUMNS = [
    "days", "opening_value", "average_value", "closing_value", "cogs", "turnover",
    "days_of_inventory",
]  # fmt: skip

_ABC_COLUMNS = ["sku", "cogs", "share", "cumulative_share", "abc_class"]


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r} is not a date like 2026-11-25", EXIT_CONFIG)


def _zone(name: str | None) -> ZoneInfo:
    if name is None:
        return load_settings().books_tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--tz {name!r} is not an IANA time zone (e.g. Europe/Berlin)", EXIT_CONFIG)


def _first_movement_day(conn: Any, tz: ZoneInfo, *, at_latest: date) -> date:
    """The day (in ``tz``) of the earliest movement, or ``at_latest`` when that is earlier."""
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.ledger.schema import movements  # noqa: PLC0415

    earliest = conn.execute(sa.select(sa.func.min(movements.c.effective_at))).scalar_one()
    return min(earliest.astimezone(tz).date(), at_latest) if earliest else at_latest


def _period(conn: Any, start: str | None, end: str | None, tz: ZoneInfo) -> tuple[date, date]:
    last = _day(end, "--to") if end else datetime.now(UTC).astimezone(tz).date()
    chosen = _day(start, "--from") if start else None
    if chosen is not None and last < chosen:
        to = f"--to {end}" if end else f"--to (default: today, {last})"
        fail(f"{to} is before --from {start}; give a --to on or after it", EXIT_CONFIG)
    return chosen or _first_movement_day(conn, tz, at_latest=last), last


def _query(
    by: Grouping, depth: int | None, sku: str | None, location: str | None, owner: str | None
) -> Any:
    from collector.views.reports import ReportQuery  # noqa: PLC0415

    if depth is not None and by is not Grouping.LOCATION:
        fail("--depth groups locations: give it with --by location", EXIT_CONFIG)
    return ReportQuery(grouping=by, depth=depth, sku=sku, location=location, owner=owner)


def _show(
    title: str, by: Grouping, lines: list[Any], columns: list[str], *, as_json: bool, wide: bool
) -> None:
    """Each line's ``group`` is shown under the grouping's name (``sku``, ``location`` …)."""
    name = "group" if by is Grouping.TOTAL else by.value
    records = [{name: r.pop("group"), **r} for r in records_of(lines)]
    if as_json:
        print_json(records)
    else:
        print_table(title, records, [name, *columns], wide=wide)


@app.command("cogs")
def report_cogs(
    *,
    start: FromOption = None,
    end: ToOption = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone of the days (default: the books').")
    ] = None,
    by: ByOption = Grouping.SKU,
    depth: DepthOption = None,
    sku: SkuOption = None,
    location: LocationOption = None,
    owner: OwnerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """BI, purchases, purchase returns, transfers, COGS (returns and adjustments within) and EI
    per group and in total: BI + P − purchase returns + transfers − COGS = EI."""
    from collector.views.reports import day_bounds, period_report  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    zone = _zone(tz)
    query = _query(by, depth, sku, location, owner)
    with reading(db) as conn:
        first, last = _period(conn, start, end, zone)
        since, until = day_bounds(first, last, zone)
        lines = period_report(conn, Scope.everyone(), start=since, end=until, query=query,
                              books_tz=load_settings(db_url=db).books_tz)  # fmt: skip
    _show(
        f"COGS {first} to {last} ({zone.key})", by, lines, _COGS_COLUMNS, as_json=as_json, wide=wide
    )


@app.command("turnover")
def report_turnover(
    *,
    start: FromOption = None,
    end: ToOption = None,
    by: ByOption = Grouping.SKU,
    depth: DepthOption = None,
    sku: SkuOption = None,
    location: LocationOption = None,
    owner: OwnerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Inventory turnover (COGS ÷ average daily inventory value) and days of inventory
    (days ÷ turnover) per group and in total, over books days."""
    from collector.views.reports import turnover_report  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    zone = load_settings(db_url=db).books_tz
    query = _query(by, depth, sku, location, owner)
    with reading(db) as conn:
        first, last = _period(conn, start, end, zone)
        lines = turnover_report(
            conn, Scope.everyone(), first_day=first, last_day=last, books_tz=zone, query=query
        )
    title = f"Turnover {first} to {last} ({zone.key})"
    _show(title, by, lines, _TURNOVER_COLUMNS, as_json=as_json, wide=wide)


@app.command("abc")
def report_abc(
    *,
    start: FromOption = None,
    end: ToOption = None,
    location: LocationOption = None,
    owner: OwnerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """ABC classes of the items by COGS over books days: A while the items before one hold
    under 80 % of the COGS, B under 95 %, C the rest."""
    from collector.views.reports import abc_report  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    zone = load_settings(db_url=db).books_tz
    query = _query(Grouping.SKU, None, None, location, owner)
    with reading(db) as conn:
        first, last = _period(conn, start, end, zone)
        lines = abc_report(
            conn, Scope.everyone(), first_day=first, last_day=last, books_tz=zone, query=query
        )
    records = records_of(lines)
    if as_json:
        print_json(records)
    else:
        print_table(f"ABC by COGS {first} to {last} ({zone.key})", records, _ABC_COLUMNS, wide=wide)


_JOURNAL_COLUMNS = ["date", "journal", "account", "account_name", "debit", "credit", "owner",
                    "memo"]  # fmt: skip


@app.command("journal")
def report_journal(
    *,
    start: FromOption = None,
    end: ToOption = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this owner's journal (on the books).")
    ] = None,
    per: Annotated[
        str, typer.Option("--per", help="day: a journal per owner and day; period: one each.")
    ] = "day",
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV in the layout of docs/books.md, for importing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """The accounting journal of the period per owner on the books, in cents: inventory,
    GRNI, purchase returns, COGS, shrinkage, count variances; debits = credits per journal."""
    from collector.domain.journal import journal_csv  # noqa: PLC0415
    from collector.views.journal import JournalQuery, OffBooksError, journal_report  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    if per not in ("day", "period"):
        fail(f"--per {per!r}: day or period", EXIT_CONFIG)
    if as_csv and as_json:
        fail("--csv or --json, not both", EXIT_CONFIG)
    settings = load_settings(db_url=db)
    zone = settings.books_tz
    with reading(db) as conn:
        first, last = _period(conn, start, end, zone)
        query = JournalQuery(first, last, owner=owner, per_day=per == "day")
        try:
            found = journal_report(
                conn, Scope.everyone(), query, books_tz=zone, chart=settings.chart_of_accounts()
            )
        except OffBooksError as err:
            fail(str(err), EXIT_REFUSED)
    if as_csv:
        typer.echo(journal_csv(found.lines), nl=False)
        return
    records = [{"date": r.pop("day"), **r} for r in records_of(found.lines)]
    if as_json:
        print_json(records)
    else:
        print_table(f"Journal {first} to {last} ({zone.key})", records, _JOURNAL_COLUMNS, wide=wide)
