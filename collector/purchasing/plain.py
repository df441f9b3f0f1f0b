"""Rows as the driver's plain tuples, for the suggestion run's reads of tens of thousands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY


def plain_rows(conn: sa.Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` straight from the DBAPI cursor (no ``Row`` objects, no processors).

    Only for columns the driver returns as wanted: integers (micro-units read through
    ``type_coerce(…, BigInteger)``), text, booleans (SQLite: 0/1). The statement still runs
    through SQLAlchemy (its events, its transaction).
    """
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def one_of(
    column: sa.ColumnElement[str], values: Iterable[str], dialect: str
) -> sa.ColumnElement[bool]:
    """``column`` is one of ``values``, as one bound parameter however many there are.

    PostgreSQL: ``= ANY(array)``; SQLite: ``IN (SELECT value FROM json_each(…))``. Either
    walks the column's index once per value (an ``IN`` list of thousands would need
    thousands of parameters, or many statements).
    """
    listed = sorted(set(values))
    if dialect == "postgresql":
        return column == sa.any_(sa.literal(listed, ARRAY(sa.String)))
    each = sa.func.json_each(json.dumps(listed)).table_valued("value")
    return column.in_(sa.select(each.c.value))
