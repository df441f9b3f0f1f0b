"""Orders, lines and their matches as plain records (for the CLI's ``--json`` and the API)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.purchasing.orders import order_lines, order_row
from collector.purchasing.schema import receipt_matches, suppliers

ZERO = Decimal(0)


def order_detail(conn: sa.Connection, po_id: int) -> dict[str, Any]:
    """An order's head, supplier code, lines with outstanding units and their matches."""
    head = dict(order_row(conn, po_id)._mapping)
    code = conn.execute(sa.select(suppliers.c.code).where(suppliers.c.id == head["supplier_id"]))
    head["supplier"] = code.scalar()
    lines = [dict(row._mapping) for row in order_lines(conn, po_id)]
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if lines:
        query = (
            sa.select(receipt_matches)
            .where(receipt_matches.c.po_line_id.in_([ln["id"] for ln in lines]))
            .order_by(receipt_matches.c.id)
        )
        for match in conn.execute(query):
            found[match.po_line_id].append(dict(match._mapping))
    for line in lines:
        line["outstanding"] = max(
            line["qty_ordered"] - line["qty_received"], 0 * line["qty_ordered"]
        )
        line["matches"] = found[line["id"]]
    head["lines"] = lines
    return head
