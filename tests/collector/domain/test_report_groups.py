"""Report lines per group: subtrees of locations, transfers, the total (pure)."""

from __future__ import annotations

from decimal import Decimal

from collector.domain.model import MovementType
from collector.domain.report import cogs_line, location_group, total_line

D = Decimal


def test_a_location_counts_under_its_first_segments() -> None:
    assert location_group("main/aisle-3/shelf-2", 2) == "main/aisle-3"
    assert location_group("main/aisle-3/shelf-2", 9) == "main/aisle-3/shelf-2"
    assert location_group("main/aisle-3/shelf-2", None) == "main/aisle-3/shelf-2"


def test_a_transfer_in_is_stock_a_location_did_not_buy() -> None:
    into = cogs_line(
        "back", beginning_value=D(0),
        value_by_type={MovementType.TRANSFER: D(40), MovementType.SALE: D(-10)},
    )  # fmt: skip
    out = cogs_line("front", beginning_value=D(100), value_by_type={MovementType.TRANSFER: D(-40)})
    assert (into.transfers, into.cogs, into.ending_value) == (D(40), D(10), D(30))
    assert (out.transfers, out.ending_value) == (D(-40), D(60))
    total = total_line([into, out])
    assert (total.group, total.transfers, total.ending_value) == ("*", D(0), D(90))
