"""Receipts posted through the ledger fill their order lines in the same transaction."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts.schema import alerts
from collector.errors import LedgerError
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.schema import movements
from collector.purchasing import orders
from collector.purchasing.orders import po_number
from collector.purchasing.schema import po_lines, receipt_matches, supplier_items
from tests.collector.purchasing.conftest import Books
from tests.support.ledger import add_item

D = Decimal


def status(books: Books, po_id: int) -> str:
    with books.engine.connect() as conn:
        return str(orders.order_row(conn, po_id).status)


def received(books: Books, po_id: int) -> list[Decimal]:
    with books.engine.connect() as conn:
        return [row.qty_received for row in orders.order_lines(conn, po_id)]


def on_order(books: Books) -> dict[str, Decimal]:
    with books.engine.connect() as conn:
        return {row.location: row.qty for row in orders.on_order(conn, sku=books.sku)}


def flags(books: Books) -> list[tuple[str, Decimal]]:
    with books.engine.connect() as conn:
        query = (
            sa.select(receipt_matches.c.flag, receipt_matches.c.qty)
            .join(po_lines, po_lines.c.id == receipt_matches.c.po_line_id)
            .where(po_lines.c.sku == books.sku)
            .order_by(receipt_matches.c.id)
        )
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def test_partial_then_full_receipt_moves_the_order_and_empties_on_order(books: Books) -> None:
    po_id = books.order((10, "main/a"))
    assert on_order(books) == {"main/a": D(10)}
    books.post("receipt", 4)
    assert (status(books, po_id), received(books, po_id)) == ("partially_received", [D(4)])
    assert on_order(books) == {"main/a": D(6)}
    books.post("receipt", 6, reference=po_number(po_id))
    assert (status(books, po_id), received(books, po_id)) == ("received", [D(10)])
    assert on_order(books) == {}
    assert flags(books) == [("partial", D(4)), ("complete", D(6))]


def test_an_over_receipt_is_flagged_and_sets_the_last_price(books: Books) -> None:
    po_id = books.order((10, "main/a"))
    books.post("receipt", 13, unit_cost="1.75")
    assert status(books, po_id) == "received"
    assert flags(books) == [("complete", D(10)), ("over", D(3))]
    with books.engine.connect() as conn:
        price = conn.execute(
            sa.select(supplier_items.c.last_price).where(supplier_items.c.sku == books.sku)
        ).scalar()
    assert price == D("1.75")


def test_draft_and_cancelled_orders_are_not_received_against(books: Books) -> None:
    draft = books.order((10, "main/a"), send=False)
    books.post("receipt", 4)
    assert received(books, draft) == [D(0)]
    assert flags(books) == []
    with books.engine.begin() as conn:
        orders.step(conn, draft, orders.PoEvent.CANCEL, now=books.clock.now())
    assert on_order(books) == {}


def test_a_reversed_receipt_takes_its_units_off_the_line(books: Books) -> None:
    po_id = books.order((10, "main/a"))
    event_id = books.post("receipt", 10)
    assert status(books, po_id) == "received"
    reverse_in_ledger(
        books.engine, event_id=event_id, reason="wrong delivery", now=books.clock.now(),
        reversal_event_id=uuid.uuid4(), observers=[_observer(books)],
    )  # fmt: skip
    assert (status(books, po_id), received(books, po_id)) == ("sent", [D(0)])
    assert on_order(books) == {"main/a": D(10)}


def test_a_vendor_return_names_its_order_line(books: Books) -> None:
    po_id = books.order((10, "main/a"))
    books.post("receipt", 10)
    books.post("vendor_return", 2, reference=f"{po_number(po_id)}/1")
    with books.engine.connect() as conn:
        line = orders.order_lines(conn, po_id)[0]
    assert (line.qty_received, line.qty_returned) == (D(10), D(2))
    assert flags(books)[-1] == ("return", D(2))


def test_a_failing_match_rolls_the_receipt_back_with_it(books: Books, monkeypatch) -> None:
    books.order((10, "main/a"))

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("UPDATE po_lines", {}, Exception("disk full"))

    monkeypatch.setattr("collector.purchasing.receiving._add_to_lines", broken)
    with pytest.raises(LedgerError):
        books.post("receipt", 4)
    with books.engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).where(movements.c.sku == books.sku)
        ).scalar()
    assert count == 0
    assert on_order(books) == {"main/a": D(10)}


def _observer(books: Books):
    from collector.purchasing.receiving import PurchasingObserver  # noqa: PLC0415

    return PurchasingObserver(books.clock.now)


def mismatch_alerts(books: Books) -> list[tuple[str, str, str]]:
    with books.engine.connect() as conn:
        query = (
            sa.select(alerts.c.subject, alerts.c.status, alerts.c.severity)
            .where(alerts.c.type == "receipt_mismatch", alerts.c.sku == books.sku)
            .order_by(alerts.c.id)
        )
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def on_hand(books: Books) -> Decimal:
    with books.engine.connect() as conn:
        query = sa.select(sa.func.sum(movements.c.qty)).where(movements.c.sku == books.sku)
        return D(conn.execute(query).scalar() or 0)


def test_a_scanned_po_reference_fills_that_order_not_the_older_one(books: Books) -> None:
    older = books.order((10, "main/a"))
    books.clock.advance(60)
    newer = books.order((5, "main/a"))
    books.post("receipt", 5, reference=f"PO:{po_number(newer)} scan inbound-1 receive")
    assert (received(books, older), received(books, newer)) == ([D(0)], [D(5)])
    assert status(books, newer) == "received"
    assert mismatch_alerts(books) == []


def test_a_receipt_naming_an_unknown_order_posts_and_raises_an_alert(books: Books) -> None:
    po_id = books.order((10, "main/a"))
    books.post("receipt", 3, reference="PO:4500012345 scan inbound-1 receive")
    assert on_hand(books) == D(3)  # the stock is real
    assert received(books, po_id) == [D(0)]  # no line filled by guessing
    with books.engine.connect() as conn:
        flag = conn.execute(
            sa.select(receipt_matches.c.flag, receipt_matches.c.po_line_id)
            .join(movements, movements.c.id == receipt_matches.c.movement_id)
            .where(movements.c.sku == books.sku)
        ).one()
    assert tuple(flag) == ("unmatched", None)
    assert mismatch_alerts(books) == [("PO-4500012345", "open", "minor")]


def test_a_receipt_naming_an_order_without_the_sku_or_a_closed_one_raises_an_alert(
    books: Books,
) -> None:
    done = books.order((2, "main/a"))
    books.post("receipt", 2, reference=po_number(done))
    other = add_item(books.engine)
    with books.engine.begin() as conn:
        elsewhere = orders.create_order(
            conn, books.supplier, [orders.LineIn(other, "main/a", D(4))], by="t",
            now=books.clock.now(),
        )  # fmt: skip
        orders.step(conn, elsewhere, orders.PoEvent.SEND, now=books.clock.now())
    books.post("receipt", 1, reference=po_number(done))  # closed: over-received on it
    books.post("receipt", 1, reference=po_number(elsewhere))  # has no line for the SKU
    assert [subject for subject, _, _ in mismatch_alerts(books)] == [
        po_number(done), po_number(elsewhere),
    ]  # fmt: skip
