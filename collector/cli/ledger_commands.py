"""Ledger commands: ``items import``, ``stock``, ``movements``, ``reverse``.
Every one takes ``--db`` and migrates the database to head on open; ``--json``
prints a JSON array of objects whose fields docs/ledger.md documents (decimals as strings).
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.tables import WideOption, print_table
from collector.errors import CollectorError, ConfigError
from collector.settings import CollectorSettings, load_settings
from edge_agent.wire import new_event_id

EXIT_REFUSED = 1
EXIT_CONFIG = 2

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Ledger URL (default: COLLECTOR_DB_URL or sqlite:///var/ledger.db)."),
]

items_app = typer.Typer(name="items", no_args_is_help=True, help="The item catalogue.")


def register(app: typer.Typer) -> None:
    """Add the ledger commands to the root ``collector`` app."""
    app.add_typer(items_app)
    app.command("stock")(stock)
    app.command("movements")(movements)
    app.command("reverse")(reverse)


def _engine(db: str | None) -> Any:
    from collector.ledger.engine import open_ledger  # noqa: PLC0415 - SQL stack on demand

    try:
        return open_ledger(load_settings(db_url=db).db_url)
    except ConfigError as err:
        fail(str(err), EXIT_CONFIG)
    except CollectorError as err:
        fail(str(err), EXIT_REFUSED)


@contextmanager
def reading(db: str | None) -> Iterator[Any]:
    """A connection to the migrated ledger; database errors end the command with exit 1."""
    import sqlalchemy as sa  # noqa: PLC0415

    engine = _engine(db)
    try:
        with engine.connect() as conn:
            yield conn
    except sa.exc.SQLAlchemyError as err:
        fail(f"reading the ledger failed: {err}", EXIT_REFUSED)
    finally:
        engine.dispose()


def settings_or_exit(**overrides: Any) -> CollectorSettings:
    """The collector's settings, or ``error: …`` and exit 2 when they are wrong."""
    try:
        return load_settings(**overrides)
    except ConfigError as err:
        fail(str(err), EXIT_CONFIG)


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on stderr and end the command with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def records_of(rows: list[Any]) -> list[dict[str, Any]]:
    """Dataclass or mapping rows as dictionaries, for ``--json`` and tables."""
    return [asdict(r) if is_dataclass(r) else dict(r) for r in rows]  # type: ignore[arg-type]


@items_app.command("import")
def import_items(
    file: Annotated[
        Path, typer.Argument(help="CSV: sku,name,gtin,unit_weight_g,valuation,allow_negative")
    ],
    db: DbOption = None,
) -> None:
    """Create or update items from a CSV file; every bad row is reported and nothing imported."""
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.ledger.catalog import CatalogError, import_items, parse_items_csv  # noqa: PLC0415

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"cannot read {file}: {err}", EXIT_REFUSED)
    engine = _engine(db)
    try:
        result = import_items(engine, parse_items_csv(text), now=datetime.now(UTC))
    except CatalogError as err:
        fail(f"{file}: {err}", EXIT_REFUSED)
    except sa.exc.SQLAlchemyError as err:
        fail(f"{file}: the ledger refused the import: {err}", EXIT_REFUSED)
    finally:
        engine.dispose()
    typer.echo(f"{file}: {result.created} items created, {result.updated} updated")


def stock(
    *,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Only this location and those below it.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """On hand, stock value and average unit cost per (sku, location, owner)."""
    from collector.ledger.queries import stock as read_stock  # noqa: PLC0415

    with reading(db) as conn:
        records = records_of(read_stock(conn, sku=sku, location_prefix=location, owner=owner))
    if as_json:
        print_json(records)
        return
    columns = ["sku", "location", "owner", "qty", "value", "avg_unit_cost"]
    print_table("Stock on hand", records, columns, wide=wide)


def movements(
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Newest N lines; 0 = all.")] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """The movement journal in posting order."""
    from collector.ledger.queries import movement_rows  # noqa: PLC0415

    with reading(db) as conn:
        records = movement_rows(conn, sku=sku, limit=limit or None)
    if as_json:
        print_json(records)
        return
    columns = ["id", "effective_at", "type", "sku", "location", "owner", "qty", "value", "cogs"]
    print_table("Movements", records, columns, wide=wide)


def _observers(db: str | None) -> list[Any]:
    """What commits with a posting outside ``collector run``: the InfluxDB outbox when set."""
    from collector.cli.run_wiring import posting_observers  # noqa: PLC0415
    from collector.clock import SystemClock  # noqa: PLC0415

    return posting_observers(load_settings(db_url=db), SystemClock())


def _journal_lines(engine: Any, movement_ids: list[int]) -> list[dict[str, Any]]:
    """These movements as ``collector movements --json`` shows them, in posting order."""
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.ledger.queries import MOVEMENT_FIELDS  # noqa: PLC0415
    from collector.ledger.schema import movements as journal  # noqa: PLC0415

    query = (
        sa.select(*(journal.c[name] for name in MOVEMENT_FIELDS))
        .where(journal.c.id.in_(movement_ids))
        .order_by(journal.c.id)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def reverse(
    event_id: Annotated[str, typer.Argument(help="The event id whose movements to reverse.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept on the reversal lines).")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who reverses it (default: cli:<login name>).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Post the opposite of an event's movements at their original costs (append-only journal)."""
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.ledger.reversing import reverse_in_ledger  # noqa: PLC0415

    try:
        target = uuid.UUID(event_id)
    except ValueError:
        fail(f"{event_id!r} is not an event id (a UUID)", EXIT_CONFIG)
    if not reason.strip() or len(reason) > 200:
        fail("--reason must say why, in 1 to 200 characters", EXIT_CONFIG)
    engine = _engine(db)
    try:
        posting = reverse_in_ledger(
            engine,
            event_id=target,
            reason=reason.strip(),
            now=datetime.now(UTC),
            reversal_event_id=new_event_id(),
            observers=_observers(db),
            by=by or f"cli:{getpass.getuser()}",
        )
        if as_json:
            print_json(_journal_lines(engine, [line.movement_id for line in posting.lines]))
            return
    except CollectorError as err:
        fail(str(err), EXIT_REFUSED)
    except sa.exc.SQLAlchemyError as err:
        fail(f"the reversal was posted, but reading its lines back failed: {err}", EXIT_REFUSED)
    finally:
        engine.dispose()
    for line in posting.lines:
        typer.echo(
            f"movement {line.movement_id}: {line.type.value} {line.key.label()} "
            f"qty {line.qty:f} value {line.value:f} (reverses {line.reverses_movement_id})"
        )
