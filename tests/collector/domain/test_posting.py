"""Returns, adjustments, transfers and the negative-stock policy."""

from __future__ import annotations

import uuid

import pytest

from collector.domain.model import MovementType
from collector.errors import RejectedEventError
from tests.collector.domain.builders import AVG, d, item, make_book, pos, post, tx


@pytest.fixture
def fifo_book():
    """SKU-1 (FIFO) with 10 @ 2.00 then 10 @ 3.00 at main/a1."""
    book = make_book(item(), item("SKU-2"))
    post(book, tx("receipt", 10, unit_cost="2.00"))
    post(book, tx("receipt", 10, unit_cost="3.00"))
    return book


def test_return_naming_a_sale_comes_back_at_that_sale_unit_cost(fifo_book):
    sale_a = uuid.uuid4()
    post(fifo_book, tx("sale", 15), event_id=sale_a)  # 35.00 / 15 = 2.333333 per unit
    post(fifo_book, tx("sale", 5))  # 5 × 3.00: unit 3.000000
    back = post(fifo_book, tx("return", 1, returns_event_id=sale_a)).lines[0]
    assert (back.type, back.qty, back.value) == (MovementType.RETURN, d("1"), d("2.333333"))
    assert not back.provisional


def test_return_without_a_named_sale_uses_the_latest_sale_of_that_sku_and_owner(fifo_book):
    post(fifo_book, tx("sale", 15))
    post(fifo_book, tx("sale", 5))  # the latest sale: unit cost 3.00
    back = post(fifo_book, tx("return", 2)).lines[0]
    assert back.value == d("6")


def test_return_with_no_sale_known_uses_the_current_cost_and_is_provisional(fifo_book):
    back = post(fifo_book, tx("return", 1)).lines[0]
    assert back.value == d("2.5")  # 50.00 on hand / 20 units
    assert back.provisional


def test_return_naming_a_sale_of_another_sku_is_rejected(fifo_book):
    other = uuid.uuid4()
    post(fifo_book, tx("receipt", 1, sku="SKU-2", unit_cost="1"))
    post(fifo_book, tx("sale", 1, sku="SKU-2"), event_id=other)
    with pytest.raises(RejectedEventError, match="names sale"):
        post(fifo_book, tx("return", 1, returns_event_id=other))


def test_sale_beyond_stock_is_rejected_when_the_item_forbids_negative_stock():
    book = make_book(item())
    post(book, tx("receipt", 3, unit_cost="1"))
    before = pos(book)
    with pytest.raises(RejectedEventError) as caught:
        post(book, tx("sale", 5))
    assert str(caught.value) == (
        "sale of 5 SKU-1 at main/a1 exceeds on-hand 3 and SKU-1 forbids negative stock"
    )
    assert pos(book) == before
    assert book.ids.next_movement_id == 2  # the rejected posting gave its id back


def test_unknown_sku_is_rejected_with_what_to_do():
    with pytest.raises(RejectedEventError, match=r"unknown SKU 'NOPE'.*items import"):
        post(make_book(), tx("receipt", 1, sku="NOPE", unit_cost="1"))


def test_allowed_negative_stock_is_costed_provisionally_then_trued_up():
    book = make_book(item(allow_negative=True))
    post(book, tx("receipt", 3, unit_cost="2.00"))  # 3 × 2.00 = 6.00
    sale = post(book, tx("sale", 5)).lines[0]
    # 3 from the layer (6.00) + 2 short at the last known cost 2.00 (4.00)
    assert (sale.cogs, sale.provisional) == (d("10"), True)
    assert (pos(book).qty, pos(book).value) == (d("-2"), d("-4"))
    receipt = post(book, tx("receipt", 4, unit_cost="2.50"))  # 4 × 2.50 = 10.00
    # the first 2 units fill the hole: booked at −4.00, really 5.00 → true-up 1.00 of COGS
    true_up = receipt.lines[1]
    assert (true_up.type, true_up.qty, true_up.value, true_up.cogs) == (
        MovementType.TRUE_UP,
        0,
        d("-1"),
        d("1"),
    )
    assert (pos(book).qty, pos(book).value) == (d("2"), d("5"))  # 2 × 2.50


def test_allowed_negative_stock_without_any_known_cost_is_costed_at_zero():
    book = make_book(item(valuation=AVG, allow_negative=True))
    sale = post(book, tx("sale", 2)).lines[0]
    assert (sale.value, sale.provisional) == (0, True)


def test_positive_adjustment_is_valued_at_the_position_unit_cost(fifo_book):
    line = post(fifo_book, tx("adjustment", 2)).lines[0]
    assert line.value == d("5")  # 2 × (50.00 / 20)
    assert line.cogs is None


def test_positive_adjustment_of_an_empty_position_uses_the_item_last_cost(fifo_book):
    line = post(fifo_book, tx("adjustment", 1, location="main/b9")).lines[0]
    assert line.value == d("3")  # the item's latest receipt cost


def test_negative_adjustment_consumes_like_a_sale_but_is_no_sale(fifo_book):
    line = post(fifo_book, tx("adjustment", -12)).lines[0]
    assert (line.type, line.qty, line.value, line.cogs) == (
        MovementType.ADJUSTMENT,
        d("-12"),
        d("-26"),  # 10 × 2.00 + 2 × 3.00
        None,
    )


def test_negative_adjustment_beyond_stock_names_the_adjustment():
    book = make_book(item())
    with pytest.raises(RejectedEventError, match=r"^adjustment of -1 SKU-1 at main/a1 exceeds"):
        post(book, tx("adjustment", -1))


def test_fifo_transfer_recreates_the_same_layers_and_ages_at_the_destination(fifo_book):
    moved = post(fifo_book, tx("transfer", 12, to_location="back/b1"))
    out, into = moved.lines
    assert (out.qty, out.value, into.qty, into.value) == (d("-12"), d("-26"), d("12"), d("26"))
    post(fifo_book, tx("receipt", 1, location="back/b1", unit_cost="9"))  # newer than both
    sale = post(fifo_book, tx("sale", 11, location="back/b1")).lines[0]
    assert sale.cogs == d("23")  # 10 × 2.00 + 1 × 3.00: the transferred layers are older
    assert (pos(fifo_book).qty, pos(fifo_book).value) == (d("8"), d("24"))


def test_moving_average_transfer_moves_the_average_value():
    book = make_book(item(valuation=AVG))
    post(book, tx("receipt", 4, unit_cost="2.50"))
    post(book, tx("transfer", 1, to_location="back/b1"))
    assert pos(book, "back/b1").value == d("2.5")
    assert pos(book).value == d("7.5")


def test_transfer_beyond_stock_is_rejected_under_the_policy():
    book = make_book(item())
    with pytest.raises(RejectedEventError, match=r"^transfer of 1 SKU-1 at main/a1 exceeds"):
        post(book, tx("transfer", 1, to_location="back/b1"))


def test_owners_keep_separate_positions(fifo_book):
    post(fifo_book, tx("receipt", 1, owner="client-a", unit_cost="7"))
    assert pos(fifo_book, owner="client-a").value == d("7")
    with pytest.raises(RejectedEventError, match=r"\(owner client-a\) exceeds on-hand 1"):
        post(fifo_book, tx("sale", 2, owner="client-a"))


def test_amounts_beyond_the_ledger_range_are_rejected_not_rounded():
    book = make_book(item())
    expected = r"value 999999999998000000000001\.000000 is beyond"
    with pytest.raises(RejectedEventError, match=expected):
        post(book, tx("receipt", "999999999999", unit_cost="999999999999"))
