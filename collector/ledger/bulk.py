"""Fast bulk INSERT for the hot ledger tables: rows as tuples straight to the driver.

SQLAlchemy's executemany builds a parameter dict per row and calls two or three
processors per value; at several rows per event that was a quarter of ingest
time. Here each column gets one converter chosen once from its type, and the
driver receives tuples (SQLite) or dicts (PostgreSQL's named parameters).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from collector.domain.money import SCALE_DIGITS
from collector.ledger.types import Micro, UtcDateTime

_Converter = Callable[[Any], Any] | None
_MICRO = 10**SCALE_DIGITS


def _micro(value: Decimal) -> int:
    scaled = value * _MICRO
    micro_units = int(scaled)
    if micro_units != scaled:
        raise ValueError(f"{value} has more than {SCALE_DIGITS} decimals")
    return micro_units


def _sqlite_instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: instants must carry a zone")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: instants must carry a zone")
    return value


def _uuid_hex(value: uuid.UUID) -> str:
    return value.hex


def _converter(column: sa.Column[Any], dialect: sa.Dialect) -> _Converter:
    """One function turning a Python value into what the driver stores for this column."""
    kind = column.type
    is_sqlite = dialect.name == "sqlite"
    if isinstance(kind, Micro):
        return _micro
    if isinstance(kind, UtcDateTime):
        return _sqlite_instant if is_sqlite else _aware
    if isinstance(kind, sa.Uuid):
        return _uuid_hex if is_sqlite else None
    if isinstance(kind, sa.Boolean):
        return int if is_sqlite else None
    return None


@lru_cache(maxsize=64)
def _prepared(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]
) -> tuple[str, bool, tuple[_Converter, ...]]:
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional and tuple(compiled.positiontup or ()) != columns:
        raise RuntimeError(f"unexpected parameter order for {table.name}")
    converters = tuple(_converter(table.c[name], dialect) for name in columns)
    return str(compiled), bool(compiled.positional), converters


def fast_insert(
    conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows given as tuples in ``columns`` order, in one executemany."""
    if not rows:
        return
    sql, positional, converters = _prepared(conn.dialect, table, columns)
    pairs = tuple(enumerate(converters))
    converted = [
        tuple(
            row[i] if convert is None or row[i] is None else convert(row[i]) for i, convert in pairs
        )
        for row in rows
    ]
    if positional:
        conn.exec_driver_sql(sql, converted)  # type: ignore[arg-type]
    else:
        conn.exec_driver_sql(sql, [dict(zip(columns, row, strict=True)) for row in converted])
