"""``collector alerts …``: review discrepancy alerts, acknowledge them, resolve them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import typer
from rich.markup import escape

from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, console, print_table
from collector.errors import CollectorError, ConfigError
from collector.settings import load_settings

if TYPE_CHECKING:
    from collector.ledger.session import PostingSession

app = typer.Typer(
    name="alerts",
    no_args_is_help=True,
    help="Discrepancy alerts: list, show, acknowledge, resolve (with a count or a dismissal).",
)
EXIT_CONFIG = 2
EXIT_REFUSED = 1

DbOption = Annotated[
    str | None, typer.Option("--db", help="Ledger URL (default: COLLECTOR_DB_URL or ./var).")
]
ByOption = Annotated[str, typer.Option("--by", help="Who does it (recorded in the history).")]


class StatusFilter(StrEnum):
    """Which alerts ``list`` shows."""

    ACTIVE = "active"
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ALL = "all"


@contextmanager
def ledger(db: str | None, *, write: bool = False) -> Iterator[sa.Connection]:
    """A connection (a transaction when ``write``) to the migrated ledger; clean exits on errors."""
    from collector.ledger.engine import open_ledger  # noqa: PLC0415 - SQL stack on demand

    try:
        engine = open_ledger(load_settings(db_url=db).db_url)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    try:
        with engine.begin() if write else engine.connect() as conn:
            yield conn
    except CollectorError as err:  # refused actions: the message says why and what to do
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from err
    finally:
        engine.dispose()


@contextmanager
def ledger_session(db: str | None) -> Iterator[PostingSession]:
    """A posting session on the migrated ledger, committed at the end; clean exits on errors.

    What it posts reaches the time series too when ``COLLECTOR_INFLUX_URL`` is set.
    """
    from collector.cli.run_wiring import posting_observers  # noqa: PLC0415
    from collector.clock import SystemClock  # noqa: PLC0415
    from collector.ledger.engine import open_ledger  # noqa: PLC0415 - SQL stack on demand
    from collector.ledger.session import posting_session  # noqa: PLC0415

    try:
        settings = load_settings(db_url=db)
        engine = open_ledger(settings.db_url)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    clock = SystemClock()
    try:
        observers = posting_observers(settings, clock)
        with posting_session(engine, now=clock.now(), observers=observers) as session:
            yield session
    except CollectorError as err:  # refused actions: the message says why and what to do
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_REFUSED) from err
    finally:
        engine.dispose()


def plain(value: Any) -> Any:
    """JSON-friendly form of a column value."""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if value is not None and not isinstance(value, (int, float, str)) else value


def row_record(row: Any) -> dict[str, Any]:
    """A row's columns by name, evidence parsed, internal keys left out (for ``--json``)."""
    found = dict(row._mapping)
    if "evidence" in found:
        found["evidence"] = json.loads(found["evidence"])
    found.pop("active_key", None)
    found.pop("dismissed_key", None)
    return found


def units(text: str | None, flag: str = "--counted") -> Decimal | None:
    """A quantity given on the command line; exit 2 when it is not a number."""
    if text is None:
        return None
    try:
        return Decimal(text)
    except ArithmeticError as err:
        typer.echo(f"error: {flag} {text!r} is not a number of units", err=True)
        raise typer.Exit(EXIT_CONFIG) from err


@app.command("list")
def list_alerts(
    status: Annotated[StatusFilter, typer.Option("--status", help="Which alerts.")] = (
        StatusFilter.ACTIVE
    ),
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Alerts newest first (default: open and acknowledged)."""
    from collector.alerts.store import list_alerts as query  # noqa: PLC0415

    with ledger(db) as conn:
        wanted = None if status in {StatusFilter.ACTIVE, StatusFilter.ALL} else status.value
        rows = query(conn, status=wanted, site=site)
    if status is StatusFilter.ACTIVE:
        rows = [r for r in rows if r.status != "resolved"]
    if as_json:
        print_json(row_record(r) for r in rows)
        return
    print_table("Alerts", [_alert_record(r) for r in rows], ALERT_COLUMNS, wide=wide)


ALERT_COLUMNS = ["id", "status", "severity", "type", "site", "location", "sku", "book", "shelf",
                 "last_seen", "message"]  # fmt: skip


def _alert_record(r: Any) -> dict[str, Any]:
    return {"id": r.id, "status": r.status, "severity": r.severity, "type": r.type,
            "site": r.site, "location": r.location or r.subject, "sku": r.sku,
            "book": r.expected, "shelf": r.observed, "last_seen": r.last_seen_at,
            "message": r.message}  # fmt: skip


@app.command()
def show(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """One alert with its figures, evidence and full history."""
    from collector.alerts.store import history, load  # noqa: PLC0415

    with ledger(db) as conn:
        row, steps = load(conn, alert_id), history(conn, alert_id)
    detail = row_record(row)
    if as_json:
        print_json([detail | {"history": [row_record(s) for s in steps]}])
        return
    out = console(wide=wide)
    for key, value in detail.items():
        if value not in (None, "", []):
            out.print(f"[bold]{escape(key)}[/bold]: {escape(str(plain(value)))}", soft_wrap=wide)
    steps_records = [{"at": s.at, "action": s.action, "by": s.actor, "reason": s.reason}
                     for s in steps]  # fmt: skip
    print_table("History", steps_records, ["at", "action", "by", "reason"], wide=wide)


@app.command()
def ack(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    by: ByOption,
    reason: Annotated[str | None, typer.Option("--reason", help="Optional note.")] = None,
    db: DbOption = None,
) -> None:
    """Acknowledge an open alert: someone is on it."""
    from collector.alerts.store import acknowledge  # noqa: PLC0415

    with ledger(db, write=True) as conn:
        acknowledge(conn, alert_id, by=by, now=datetime.now(UTC), reason=reason)
    typer.echo(f"alert {alert_id} acknowledged by {by}")


@app.command()
def resolve(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    by: ByOption,
    counted: Annotated[
        str | None, typer.Option("--counted", help="Units you counted: the book is adjusted.")
    ] = None,
    dismiss: Annotated[
        str | None, typer.Option("--dismiss", help="Close without adjusting, with the reason.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Resolve with the count you confirmed (posts the adjustment) or dismiss with a reason."""
    if (counted is None) == (dismiss is None):
        typer.echo("error: give exactly one of --counted N or --dismiss REASON", err=True)
        raise typer.Exit(EXIT_CONFIG)
    quantity = units(counted)
    if quantity is not None:
        with ledger_session(db) as session:
            message = _resolve_with_count(session, alert_id, by=by, counted=quantity)
    else:
        assert dismiss is not None
        with ledger(db, write=True) as conn:
            message = _dismiss(conn, alert_id, by=by, reason=dismiss)
    typer.echo(message)


def _resolve_with_count(
    session: PostingSession, alert_id: int, *, by: str, counted: Decimal
) -> str:
    from collector.alerts.lifecycle import resolve_with_count  # noqa: PLC0415

    event_id = resolve_with_count(session, alert_id, by=by, counted=counted)
    posted = f"adjustment {event_id} posted" if event_id else "book already agreed"
    return f"alert {alert_id} resolved by {by}: {posted}"


def _dismiss(conn: sa.Connection, alert_id: int, *, by: str, reason: str) -> str:
    from collector.alerts.store import dismiss as dismiss_alert  # noqa: PLC0415

    dismiss_alert(conn, alert_id, by=by, reason=reason, now=datetime.now(UTC))
    return f"alert {alert_id} dismissed by {by}: {reason}"
