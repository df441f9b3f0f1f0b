"""Location subtrees in SQL: a path and everything below it, whatever the path's characters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def in_subtree(column: sa.ColumnElement[Any], path: str) -> sa.ColumnElement[bool]:
    """``column`` is ``path`` or a location below it (``_`` in a path is no LIKE wildcard)."""
    return sa.or_(column == path, column.startswith(path + "/", autoescape=True))


def ancestors_and_self(path: str) -> list[str]:
    """``main/a1/s2`` → ``main``, ``main/a1``, ``main/a1/s2``."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
