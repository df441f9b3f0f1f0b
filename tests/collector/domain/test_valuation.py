"""FIFO and moving-average COGS against hand-worked examples."""

from __future__ import annotations

from collector.domain.model import MovementType
from tests.collector.domain.builders import AVG, d, item, make_book, pos, post, tx


def test_fifo_sale_consumes_oldest_layers_first():
    book = make_book(item())
    post(book, tx("receipt", 10, unit_cost="2.00"))  # layer 1: 10 × 2.00 = 20.00
    post(book, tx("receipt", 10, unit_cost="3.00"))  # layer 2: 10 × 3.00 = 30.00
    sale = post(book, tx("sale", 15))
    # 10 from layer 1 (20.00) + 5 from layer 2 (5 × 3.00 = 15.00) = 35.00
    (line,) = sale.lines
    assert line.cogs == d("35")
    assert line.value == d("-35")
    assert line.unit_cost == d("2.333333")  # 35 / 15
    assert [(k.qty, k.value) for k in sale.links] == [(d("10"), d("20")), (d("5"), d("15"))]
    after = pos(book)
    assert (after.qty, after.value) == (d("5"), d("15"))  # 5 left of layer 2
    assert [(layer.qty, layer.unit_cost) for layer in after.layers] == [(d("5"), d("3"))]


def test_fifo_partial_layer_value_is_prorated_and_the_rest_kept_exactly():
    book = make_book(item())
    post(book, tx("receipt", 3, unit_cost="0.333333"))  # 3 × 0.333333 = 0.999999
    first = post(book, tx("sale", 1)).lines[0]  # 0.999999 × 1/3 = 0.333333
    second = post(book, tx("sale", 2)).lines[0]  # the last 2 take all that is left
    assert first.cogs == d("0.333333")
    assert second.cogs == d("0.666666")
    assert pos(book).value == 0


def test_moving_average_sale_costs_at_the_running_average():
    book = make_book(item(valuation=AVG))
    post(book, tx("receipt", 10, unit_cost="2.00"))  # 10 units worth 20.00
    post(book, tx("receipt", 10, unit_cost="3.00"))  # 20 units worth 50.00, avg 2.50
    sale = post(book, tx("sale", 15)).lines[0]
    assert sale.cogs == d("37.5")  # 50.00 × 15 / 20
    assert (pos(book).qty, pos(book).value) == (d("5"), d("12.5"))
    assert sale.type is MovementType.SALE


def test_moving_average_rounds_each_sale_and_the_last_takes_the_rest():
    book = make_book(item(valuation=AVG))
    post(book, tx("receipt", 1, unit_cost="1.00"))
    post(book, tx("receipt", 2, unit_cost="0.50"))  # 3 units worth 2.00
    costs = [post(book, tx("sale", 1)).lines[0].cogs for _ in range(3)]
    # 2.00 × 1/3 = 0.666667; 1.333333 × 1/2 = 0.6666665 → 0.666666 (half even);
    # the last unit takes all that remains: 0.666667
    assert costs == [d("0.666667"), d("0.666666"), d("0.666667")]
    assert sum(costs) == d("2")
    assert (pos(book).qty, pos(book).value) == (0, 0)


def test_sale_revenue_is_quantity_times_price():
    book = make_book(item())
    post(book, tx("receipt", 4, unit_cost="1"))
    sale = post(book, tx("sale", 3, unit_price="2.50")).lines[0]
    assert sale.revenue == d("7.5")


def test_receipt_updates_the_item_last_known_cost():
    book = make_book(item())
    post(book, tx("receipt", 1, unit_cost="4.25"))
    assert book.items["SKU-1"].last_unit_cost == d("4.25")
