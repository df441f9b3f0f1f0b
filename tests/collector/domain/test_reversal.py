"""Reversals post the opposite movements at the original costs."""

from __future__ import annotations

import uuid

import pytest

from collector.domain.book import Book
from collector.domain.model import Piece, Posting
from collector.domain.reversal import reverse_event
from collector.errors import RejectedEventError
from tests.collector.domain.builders import AVG, T0, d, item, make_book, pos, post, tx


def consumed_pieces(book: Book, posting: Posting) -> dict[int, list[Piece]]:
    """What the storage would load: each outbound line's links with the layers' age and cost."""
    pieces: dict[int, list[Piece]] = {}
    layers = {}
    for position in book.positions.values():
        layers.update({layer.layer_id: layer for layer in position.layers})
    for link in posting.links:
        layer = layers.get(link.layer_id)
        order_key = layer.order_key if layer else link.layer_id
        unit_cost = layer.unit_cost if layer else (link.value / link.qty).quantize(d("0"))
        pieces.setdefault(link.movement_id, []).append(
            Piece(link.qty, link.value, unit_cost, order_key, link.layer_id)
        )
    return pieces


def reverse(book: Book, posting: Posting, consumed=None, already=()) -> Posting:
    return reverse_event(
        book,
        reversal_event_id=uuid.uuid4(),
        effective_at=T0,
        original_event_id=posting.lines[0].event_id,
        original=posting.lines,
        consumed=consumed or {},
        already_reversed=already,
        reason="keyed in twice",
    )


@pytest.fixture
def book():
    book = make_book(item(), item("SKU-A", valuation=AVG))
    post(book, tx("receipt", 10, unit_cost="2.00"))  # layer 1: 10 × 2.00
    post(book, tx("receipt", 10, unit_cost="3.00"))  # layer 2: 10 × 3.00
    return book


def test_reversed_sale_restores_its_layers_at_their_costs_and_ages(book):
    # consumption links survive in the book only while layers are open, so record them now
    layers_before = {x.layer_id: x for x in pos(book).layers}
    sale = post(book, tx("sale", 15))  # 10 × 2.00 + 5 × 3.00 = 35.00
    consumed = {
        sale.lines[0].movement_id: [
            Piece(k.qty, k.value, layers_before[k.layer_id].unit_cost,
                  layers_before[k.layer_id].order_key, k.layer_id)
            for k in sale.links
        ]
    }  # fmt: skip
    back = reverse(book, sale, consumed).lines[0]
    assert (back.qty, back.value, back.cogs) == (d("15"), d("35"), d("-35"))
    assert back.reverses_movement_id == sale.lines[0].movement_id
    assert (pos(book).qty, pos(book).value) == (d("20"), d("50"))
    # the restored 10 × 2.00 is again the oldest stock
    assert post(book, tx("sale", 12)).lines[0].cogs == d("26")  # 10 × 2.00 + 2 × 3.00


def test_reversed_receipt_takes_out_its_own_untouched_layer(book):
    receipt = post(book, tx("receipt", 5, unit_cost="4.00"))
    out = reverse(book, receipt).lines[0]
    assert (out.qty, out.value) == (d("-5"), d("-20"))
    assert (pos(book).qty, pos(book).value) == (d("20"), d("50"))


def test_reversing_a_receipt_whose_stock_was_sold_tells_to_adjust():
    book = make_book(item())
    receipt = post(book, tx("receipt", 5, unit_cost="4.00"))
    post(book, tx("sale", 1))
    with pytest.raises(RejectedEventError, match="partly or fully taken out; post an adjustment"):
        reverse(book, receipt)


def test_an_event_is_reversed_only_once(book):
    receipt = post(book, tx("receipt", 1, unit_cost="1"))
    with pytest.raises(RejectedEventError, match="already been reversed"):
        reverse(book, receipt, already={receipt.lines[0].movement_id})


def test_a_reversal_cannot_itself_be_reversed(book):
    receipt = post(book, tx("receipt", 1, unit_cost="1"))
    undo = reverse(book, receipt)
    with pytest.raises(RejectedEventError, match="itself a reversal"):
        reverse(book, undo)


def test_moving_average_receipt_reversal_removes_exactly_its_value():
    book = make_book(item("SKU-A", valuation=AVG))
    post(book, tx("receipt", 10, sku="SKU-A", unit_cost="2.00"))
    receipt = post(book, tx("receipt", 10, sku="SKU-A", unit_cost="3.00"))
    reverse(book, receipt)
    assert (pos(book, sku="SKU-A").qty, pos(book, sku="SKU-A").value) == (d("10"), d("20"))


def test_reversed_transfer_moves_the_same_layers_back(book):
    moved = post(book, tx("transfer", 12, to_location="back/b1"))
    reverse(book, moved, consumed_pieces(book, moved))
    assert (pos(book).qty, pos(book).value) == (d("20"), d("50"))
    assert (pos(book, "back/b1").qty, pos(book, "back/b1").value) == (0, 0)
    assert post(book, tx("sale", 11)).lines[0].cogs == d("23")  # 10 × 2.00 + 1 × 3.00


def test_reversed_short_sale_takes_back_its_own_shortfall():
    book = make_book(item(allow_negative=True))
    post(book, tx("receipt", 1, unit_cost="1"))
    first = post(book, tx("sale", 2))  # 1 from the layer, 1 short at 1.00
    second = post(book, tx("sale", 3))  # 3 short at 1.00
    consumed = consumed_pieces(book, first) | {
        second.lines[0].movement_id: [Piece(d("3"), d("3"), d("1"), provisional=True)]
    }
    reverse(book, second, consumed)
    assert (pos(book).qty, pos(book).value) == (d("-1"), d("-1"))
    assert [s.movement_id for s in pos(book).shortfalls] == [first.lines[0].movement_id]
    receipt = post(book, tx("receipt", 4, unit_cost="2"))
    assert [ln.applies_to_movement_id for ln in receipt.lines[1:]] == [first.lines[0].movement_id]


def test_reversing_a_short_sale_a_receipt_since_settled_is_refused():
    book = make_book(item(allow_negative=True))
    sale = post(book, tx("sale", 2))
    post(book, tx("receipt", 5, unit_cost="3"))
    consumed = {sale.lines[0].movement_id: [Piece(d("2"), d("0"), d("0"), provisional=True)]}
    with pytest.raises(RejectedEventError, match=r"covered by stock that came in.*post a return"):
        reverse(book, sale, consumed)
