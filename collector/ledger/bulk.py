"""Fast bulk INSERT for the hot ledger tables: rows as tuples straight to the driver.

SQLAlchemy's executemany builds a parameter dict per row and calls two or three
processors per value; at several rows per event that was a quarter of ingest
time. Here each column gets one converter chosen once from its type, and the
driver receives tuples (SQLite) or dicts (PostgreSQL's named parameters).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from collector.domain.money import SCALE_DIGITS
from collector.ledger.types import Micro, UtcDateTime

CHUNK = 500
"""Rows per IN (…) list: far below SQLite's and PostgreSQL's bound-parameter limits."""
_T = TypeVar("_T")


def chunks(values: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """Split values into lists of at most ``size``."""
    batch: list[_T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_Converter = Callable[[Any], Any] | None
_MICRO = 10**SCALE_DIGITS
_SQLITE_INSTANT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def _micro(value: Decimal | None) -> int | None:
    if value is None:
        return None
    scaled = value * _MICRO
    micro_units = int(scaled)
    if micro_units != scaled:
        raise ValueError(f"{value} has more than {SCALE_DIGITS} decimals")
    return micro_units


def _sqlite_instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value.isoformat()}: instants must carry a zone")
    if offset:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff" without the zone: SQLAlchemy's SQLite layout, in UTC;
    # formatted from the fields, as isoformat would also ask the tzinfo again (≈30% slower)
    return _SQLITE_INSTANT % (
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond,
    )  # fmt: skip


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: instants must carry a zone")
    return value


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _sqlite_flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converter(kind: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> _Converter:
    """One function turning a Python value (or None) into what the driver stores."""
    is_sqlite = dialect.name == "sqlite"
    if isinstance(kind, Micro):
        return _micro
    if isinstance(kind, UtcDateTime):
        return _sqlite_instant if is_sqlite else _aware
    if isinstance(kind, sa.Uuid):
        return _uuid_hex if is_sqlite else None
    if isinstance(kind, sa.Boolean):
        return _sqlite_flag if is_sqlite else None
    return None


@lru_cache(maxsize=64)
def _prepared(
    dialect: sa.Dialect,
    statement: sa.Executable,
    params: tuple[tuple[str, sa.types.TypeEngine[Any]], ...],
) -> tuple[str, tuple[int, ...] | None, tuple[_Converter, ...]]:
    names = [name for name, _ in params]
    keys = names if isinstance(statement, sa.Insert) else None
    assert isinstance(statement, sa.ClauseElement)  # statements are Core DML, all compilable
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    assert isinstance(compiled, SQLCompiler)
    order = None
    if compiled.positional:
        order = tuple(names.index(name) for name in compiled.positiontup or ())
    converters = tuple(_converter(kind, dialect) for _, kind in params)
    return str(compiled), order, converters


def fast_execute(
    conn: sa.Connection,
    statement: sa.Executable,
    params: tuple[tuple[str, sa.types.TypeEngine[Any]], ...],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Run ``statement`` once per row (one executemany); rows hold values in ``params`` order.

    ``statement`` must be a long-lived object (it keys the compiled-SQL cache).
    """
    if not rows:
        return
    sql, order, converters = _prepared(conn.dialect, statement, params)
    columns = [
        list(values) if convert is None else _convert_column(convert, values)
        for convert, values in zip(converters, zip(*rows, strict=True), strict=True)
    ]
    if order is not None:
        conn.exec_driver_sql(sql, list(zip(*(columns[i] for i in order), strict=True)))
        return
    names = [name for name, _ in params]
    conn.exec_driver_sql(
        sql, [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    )


def _convert_column(convert: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """Convert a column's values; a value repeated row after row (a batch's recorded_at,
    the two lines of a transfer) is converted once."""
    result: list[Any] = []
    last_in: Any = object()
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, convert(value)
        result.append(last_out)
    return result


@lru_cache(maxsize=64)
def _insert(
    table: sa.Table, columns: tuple[str, ...]
) -> tuple[sa.Insert, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]]:
    return table.insert(), tuple((name, table.c[name].type) for name in columns)


def fast_insert(
    conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows given as tuples in ``columns`` order, in one executemany."""
    if rows:
        statement, params = _insert(table, columns)
        fast_execute(conn, statement, params, rows)
