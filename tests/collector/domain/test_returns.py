"""Customer returns come back at their exact share of what the sale cost in the end."""

from __future__ import annotations

import uuid

import pytest

from collector.domain.model import MovementType
from collector.domain.report import cogs_line
from collector.errors import RejectedEventError
from tests.collector.domain.builders import AVG, d, item, make_book, pos, post, tx


def test_return_after_a_true_up_comes_back_at_the_sale_final_cost():
    book = make_book(item(allow_negative=True))
    sale = uuid.uuid4()
    post(book, tx("sale", 4, unit_price="10"), event_id=sale)  # no stock, no cost known: 0
    post(book, tx("receipt", 10, unit_cost="2.50"))  # fills the hole: true-up 4 × 2.50
    back = post(book, tx("return", 4, returns_event_id=sale)).lines[0]
    assert (back.value, back.provisional) == (d("10"), False)
    assert pos(book).value == d("25")  # 10 × 2.50 on the shelf again, not 15.00


def test_the_true_up_line_names_the_sale_it_settles():
    book = make_book(item(allow_negative=True))
    sold = post(book, tx("sale", 2)).lines[0]
    receipt = post(book, tx("receipt", 5, unit_cost="3"))
    true_up = receipt.lines[1]
    assert (true_up.type, true_up.applies_to_movement_id) == (
        MovementType.TRUE_UP,
        sold.movement_id,
    )


def test_a_hole_of_two_sales_is_settled_oldest_first_each_at_its_own_provisional_cost():
    book = make_book(item(allow_negative=True))
    post(book, tx("receipt", 1, unit_cost="1"))
    post(book, tx("sale", 1))  # the last known cost is now 1.00
    first = post(book, tx("sale", 2)).lines[0]  # 2 short at 1.00
    post(book, tx("receipt", 1, unit_cost="4"))  # fills 1 of the first sale's 2 units
    second = post(book, tx("sale", 1)).lines[0]  # short again at the last cost, 4.00
    receipt = post(book, tx("receipt", 5, unit_cost="2"))
    ups = [(ln.applies_to_movement_id, ln.cogs) for ln in receipt.lines[1:]]
    assert ups == [(first.movement_id, d("1")), (second.movement_id, d("-2"))]
    assert (pos(book).qty, pos(book).value) == (d("3"), d("6"))


def test_partial_returns_take_their_exact_share_and_all_of_them_the_whole_value():
    book = make_book(item())
    post(book, tx("receipt", 5, unit_cost="2"))
    post(book, tx("receipt", 10, unit_cost="1"))  # a sale of 15 that costs 20.00
    sale = uuid.uuid4()
    post(book, tx("sale", 15), event_id=sale)
    parts = [post(book, tx("return", 3, returns_event_id=sale)).lines[0].value for _ in "abcde"]
    assert parts[0] == d("4")  # 20.00 × 3/15, not 3 × 1.333333 = 3.999999
    assert sum(parts) == d("20")


def test_returns_in_uneven_parts_give_back_exactly_the_sale_value():
    book = make_book(item())
    post(book, tx("receipt", 3, unit_cost="1"))  # 3.00 for 3 units: 1/3 does not divide
    post(book, tx("receipt", 4, unit_cost="0.333333"))
    sale = uuid.uuid4()
    sold = post(book, tx("sale", 7), event_id=sale).lines[0]
    values = [
        post(book, tx("return", qty, returns_event_id=sale)).lines[0].value for qty in (1, 2, 4)
    ]
    assert sum(values) == sold.cogs


def test_return_of_more_than_the_named_sale_has_left_is_refused():
    book = make_book(item())
    post(book, tx("receipt", 5, unit_cost="1"))
    sale = uuid.uuid4()
    post(book, tx("sale", 3), event_id=sale)
    post(book, tx("return", 2, returns_event_id=sale))
    with pytest.raises(RejectedEventError, match=r"sold 3 and has 1 not yet returned"):
        post(book, tx("return", 2, returns_event_id=sale))


def test_return_without_a_named_sale_takes_the_latest_sale_exact_share():
    book = make_book(item(valuation=AVG))
    post(book, tx("receipt", 3, unit_cost="1"))
    post(book, tx("receipt", 4, unit_cost="0.5"))  # 5.00 for 7 units
    post(book, tx("sale", 7))
    back = post(book, tx("return", 1)).lines[0]
    assert back.value == d("0.714286")  # 5.00 × 1/7, half-even


def test_gross_margin_counts_the_true_up_of_a_priced_sale():
    line = cogs_line(
        "SKU-1",
        beginning_value=d("0"),
        value_by_type={
            MovementType.SALE: d("0"),
            MovementType.TRUE_UP: d("-10"),
            MovementType.RECEIPT: d("25"),
        },
        revenue=d("40"),
        priced_cost_of_sales=d("10"),  # cost 0 provisional + 10 true-up of that sale
    )
    assert (line.cogs, line.gross_margin, line.ending_value) == (d("10"), d("30"), d("15"))
