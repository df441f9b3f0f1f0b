"""Vendor returns send stock back to the supplier at the cost it came in with."""

from __future__ import annotations

import uuid

import pytest

from collector.domain.model import MovementType
from collector.domain.report import cogs_line
from collector.errors import InsufficientStockError, RejectedEventError
from tests.collector.domain.builders import AVG, d, item, make_book, pos, post, tx


@pytest.fixture
def received():
    """SKU-1 (FIFO): 10 @ 2.00, then the named receipt of 10 @ 3.00."""
    book = make_book(item(), item("SKU-A", valuation=AVG))
    post(book, tx("receipt", 10, unit_cost="2.00"))
    receipt = uuid.uuid4()
    post(book, tx("receipt", 10, unit_cost="3.00"), event_id=receipt)
    return book, receipt


def test_vendor_return_naming_a_receipt_leaves_from_that_receipt_layer(received):
    book, receipt = received
    line = post(book, tx("vendor_return", 4, returns_event_id=receipt)).lines[0]
    assert (line.type, line.qty, line.value, line.cogs) == (
        MovementType.VENDOR_RETURN,
        d("-4"),
        d("-12"),  # 4 × 3.00, although the 2.00 layer is older
        None,
    )
    assert line.applies_to_movement_id is not None
    assert (pos(book).qty, pos(book).value) == (d("16"), d("38"))


def test_vendor_return_naming_no_receipt_leaves_fifo(received):
    book, _ = received
    line = post(book, tx("vendor_return", 4)).lines[0]
    assert line.value == d("-8")


def test_vendor_return_of_more_than_the_receipt_has_left_is_refused(received):
    book, receipt = received
    post(book, tx("sale", 15))  # 10 × 2.00 and 5 of the receipt's layer
    post(book, tx("receipt", 10, unit_cost="4.00"))  # 15 on hand, 5 of them the receipt's
    with pytest.raises(RejectedEventError, match=r"only 5 of its units are still in stock"):
        post(book, tx("vendor_return", 6, returns_event_id=receipt))


def test_vendor_return_beyond_stock_is_refused_even_where_negative_stock_is_allowed():
    book = make_book(item(allow_negative=True))
    post(book, tx("receipt", 1, unit_cost="1"))
    with pytest.raises(InsufficientStockError, match=r"vendor return of 2 .* exceeds on-hand 1"):
        post(book, tx("vendor_return", 2))


def test_vendor_return_naming_a_receipt_of_another_position_is_refused(received):
    book, receipt = received
    post(book, tx("transfer", 20, to_location="back/b1"))
    with pytest.raises(RejectedEventError, match=r"which received SKU-1 at main/a1"):
        post(book, tx("vendor_return", 1, location="back/b1", returns_event_id=receipt))


def test_moving_average_vendor_return_leaves_at_the_receipt_unit_cost():
    book = make_book(item(valuation=AVG))
    post(book, tx("receipt", 10, unit_cost="1"))
    receipt = uuid.uuid4()
    post(book, tx("receipt", 10, unit_cost="3"), event_id=receipt)  # average 2.00
    line = post(book, tx("vendor_return", 5, returns_event_id=receipt)).lines[0]
    assert line.value == d("-15")
    assert (pos(book).qty, pos(book).value) == (d("15"), d("25"))


def test_the_period_report_shows_purchase_returns_apart_from_cogs():
    line = cogs_line(
        "SKU-1",
        beginning_value=d("100"),
        value_by_type={
            MovementType.RECEIPT: d("30"),
            MovementType.VENDOR_RETURN: d("-12"),
            MovementType.SALE: d("-20"),
        },
    )
    assert (line.purchase_returns, line.cogs, line.ending_value) == (d("12"), d("20"), d("98"))
    assert line.beginning_value + line.purchases - line.purchase_returns - line.cogs == (
        line.ending_value
    )
