"""Location subtrees: ancestors of a path, and the SQL condition for a path and below."""

from __future__ import annotations

import sqlalchemy as sa

from collector.views.paths import ancestors_and_self, in_subtree


def test_ancestors_and_self_go_from_the_root_down() -> None:
    assert ancestors_and_self("main/a1/s2") == ["main", "main/a1", "main/a1/s2"]
    assert ancestors_and_self("main") == ["main"]


def test_a_subtree_holds_its_root_and_what_is_below_it_only() -> None:
    table = sa.table("t", sa.column("path", sa.String))
    engine = sa.create_engine("sqlite://")
    rows = ["main", "main/a_1", "main/a_1/s", "main/ab1", "main/a_10", "mainx"]
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (path TEXT)")
        conn.execute(table.insert(), [{"path": p} for p in rows])
        found = conn.execute(
            sa.select(table.c.path).where(in_subtree(table.c.path, "main/a_1")).order_by("path")
        ).scalars()
        assert list(found) == ["main/a_1", "main/a_1/s"]
