"""Lots, serials and expiry in the posting rules, hand-worked (docs/lots.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from collector.domain.book import Book
from collector.domain.model import IssuePolicy, PositionKey, Posting, Tracking
from collector.domain.posting import post_transaction
from collector.domain.reversal import reverse_event
from collector.errors import RejectedEventError
from tests.collector.domain.builders import AVG, FIFO, d, item, make_book, pos, tx

KEY = PositionKey("SKU-1", "main/a1", "own")
JUNE = datetime(2026, 6, 1, tzinfo=UTC)


def post_at(book: Book, transaction, when: datetime = JUNE) -> Posting:  # type: ignore[no-untyped-def]
    """Post at a chosen instant (expiry rules read the effective date)."""
    return post_transaction(book, event_id=uuid.uuid4(), effective_at=when, tx=transaction)


def receive(book: Book, lot: str, qty: int, expiry: date | None, cost: str = "1") -> Posting:
    """A receipt of one lot."""
    return post_at(book, tx("receipt", qty, unit_cost=cost, lot=lot, expiry=expiry))


def fefo_book(valuation=FIFO, **kw) -> Book:  # type: ignore[no-untyped-def]
    """A lot-tracked FEFO item with three lots, received in an order unlike their expiry."""
    book = make_book(
        item(valuation=valuation, tracking=Tracking.LOT, issue_policy=IssuePolicy.FEFO, **kw)
    )
    receive(book, "L-LATE", 5, date(2026, 12, 31), "1")
    receive(book, "L-SOON", 4, date(2026, 7, 15), "2")
    receive(book, "L-MID", 3, date(2026, 9, 1), "3")
    return book


@pytest.mark.parametrize("valuation", [FIFO, AVG])
def test_fefo_takes_the_soonest_expiring_lot_first(valuation) -> None:  # type: ignore[no-untyped-def]
    book = fefo_book(valuation)
    posting = post_at(book, tx("sale", 6))
    # 4 of L-SOON (July), then 2 of L-MID (September); L-LATE, received first, stays whole
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-SOON", -4), ("L-MID", -2)]
    assert book.lot_stock[KEY] == {"L-LATE": 5, "L-MID": 1}
    assert posting.lines[0].lot is None  # two lots: the per-lot moves say which
    assert pos(book).qty == d("6")


def test_fifo_policy_takes_the_first_received_lot() -> None:
    book = make_book(item(tracking=Tracking.LOT))
    receive(book, "L-A", 2, date(2027, 1, 1))
    receive(book, "L-B", 2, date(2026, 7, 1))
    posting = post_at(book, tx("sale", 1))
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-A", -1)]
    assert posting.lines[0].lot == "L-A"


def test_a_sale_naming_a_lot_takes_that_lot() -> None:
    book = fefo_book()
    posting = post_at(book, tx("sale", 2, lot="L-LATE"))
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-LATE", -2)]
    assert posting.lines[0].lot == "L-LATE"
    assert book.lot_stock[KEY]["L-LATE"] == 3


def test_a_sale_naming_a_lot_without_enough_is_refused() -> None:
    book = fefo_book()
    with pytest.raises(RejectedEventError, match="names lot L-MID, which has 3 there"):
        post_at(book, tx("sale", 4, lot="L-MID"))
    assert book.lot_stock[KEY]["L-MID"] == 3  # unchanged


def test_a_lot_tracked_receipt_without_a_lot_is_refused() -> None:
    book = make_book(item(tracking=Tracking.LOT))
    with pytest.raises(RejectedEventError, match="lot-tracked and the transaction names no lot"):
        post_at(book, tx("receipt", 3, unit_cost="1"))
    assert pos(book).qty == 0
    assert KEY not in book.lot_stock


def test_expired_stock_is_blocked_from_sale() -> None:
    book = fefo_book()
    august = datetime(2026, 8, 1, tzinfo=UTC)  # L-SOON (July 15) has expired
    with pytest.raises(RejectedEventError, match=r"expired on 2026-07-15.*does not allow"):
        post_at(book, tx("sale", 1, lot="L-SOON"), august)
    with pytest.raises(RejectedEventError, match=r"only 8 are in lots it may take.*4 more"):
        post_at(book, tx("sale", 10), august)
    posting = post_at(book, tx("sale", 4), august)  # unnamed: skips the expired lot
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-MID", -3), ("L-LATE", -1)]


def test_expired_stock_sells_when_the_item_allows_it_and_writes_off_always() -> None:
    august = datetime(2026, 8, 1, tzinfo=UTC)
    allowed = fefo_book(sell_expired=True)
    posting = post_at(allowed, tx("sale", 1), august)
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-SOON", -1)]
    blocked = fefo_book()
    write_off = post_at(blocked, tx("adjustment", -4, lot="L-SOON"), august)
    assert [(m.code, m.qty) for m in write_off.lot_moves] == [("L-SOON", -4)]


def test_the_expiry_day_itself_still_sells() -> None:
    book = fefo_book()
    posting = post_at(book, tx("sale", 1), datetime(2026, 7, 15, 18, tzinfo=UTC))
    assert posting.lot_moves[0].code == "L-SOON"


def test_a_transfer_carries_the_lots_it_took() -> None:
    book = fefo_book()
    posting = post_at(book, tx("transfer", 5, to_location="main/b2"))
    there = PositionKey("SKU-1", "main/b2", "own")
    assert book.lot_stock[there] == {"L-SOON": 4, "L-MID": 1}
    assert [(m.key.location, m.code, m.qty) for m in posting.lot_moves] == [
        ("main/a1", "L-SOON", -4), ("main/a1", "L-MID", -1),
        ("main/b2", "L-SOON", 4), ("main/b2", "L-MID", 1),
    ]  # fmt: skip


def test_a_receipt_with_another_expiry_for_a_known_lot_is_refused() -> None:
    book = fefo_book()
    with pytest.raises(RejectedEventError, match="expires on 2026-07-15 by its first receipt"):
        receive(book, "L-SOON", 1, date(2026, 7, 16))
    receive(book, "L-SOON", 1, None)  # no expiry on the label: the lot's own
    assert book.lot_stock[KEY]["L-SOON"] == 5


def test_serials_are_one_unit_each() -> None:
    book = make_book(item(tracking=Tracking.SERIAL))
    posting = post_at(book, tx("receipt", 1, unit_cost="9", serial="SN-1", lot="L-9"))
    assert (posting.lines[0].serial, posting.lines[0].lot) == ("SN-1", "L-9")
    with pytest.raises(RejectedEventError, match="serial SN-1 is already in stock"):
        post_at(book, tx("receipt", 1, unit_cost="9", serial="SN-1"))
    with pytest.raises(RejectedEventError, match="names one unit"):
        post_at(book, tx("receipt", 2, unit_cost="9", serial="SN-2"))
    with pytest.raises(RejectedEventError, match="serial-tracked and the transaction names no"):
        post_at(book, tx("receipt", 1, unit_cost="9"))
    sale = post_at(book, tx("sale", 1))
    assert sale.lines[0].serial == "SN-1"
    assert book.lot_stock[KEY] == {}


def test_untracked_items_post_as_before() -> None:
    book = make_book(item())
    posting = post_at(book, tx("receipt", 2, unit_cost="1", lot="L-1"))
    assert posting.lot_moves == ()
    assert posting.lines[0].lot is None
    assert book.lot_stock == {}


def test_a_short_sale_of_an_item_allowing_negative_stock_takes_what_lots_hold() -> None:
    book = make_book(item(tracking=Tracking.LOT, allow_negative=True))
    receive(book, "L-A", 2, None)
    posting = post_at(book, tx("sale", 5))
    assert [(m.code, m.qty) for m in posting.lot_moves] == [("L-A", -2)]
    assert pos(book).qty == Decimal(-3)


def reverse(book: Book, posting: Posting) -> Posting:
    """Reverse a posting with the lots its lines moved, as the ledger loads them."""
    moved: dict[int, list[tuple[str, Decimal]]] = {}
    for move in posting.lot_moves:
        moved.setdefault(move.movement_id, []).append((move.code, move.qty))
    return reverse_event(
        book,
        reversal_event_id=uuid.uuid4(),
        effective_at=JUNE,
        original_event_id=posting.lines[0].event_id,
        original=posting.lines,
        consumed={},
        already_reversed=(),
        reason="keyed in twice",
        lots_moved=moved,
    )


def test_reversing_a_fefo_sale_puts_its_units_back_under_their_lots() -> None:
    book = fefo_book()
    sale = post_at(book, tx("sale", 6))
    reversal = reverse(book, sale)
    assert sorted((m.code, m.qty) for m in reversal.lot_moves) == [("L-MID", 2), ("L-SOON", 4)]
    assert book.lot_stock[KEY] == {"L-LATE": 5, "L-SOON": 4, "L-MID": 3}
    assert pos(book).qty == d("12")


def test_reversing_a_receipt_takes_its_lot_out_again() -> None:
    book = make_book(item(tracking=Tracking.LOT))
    receive(book, "L-A", 2, None)
    second = receive(book, "L-B", 3, None)
    reversal = reverse(book, second)
    assert [(m.code, m.qty) for m in reversal.lot_moves] == [("L-B", -3)]
    assert reversal.lines[0].lot == "L-B"
    assert book.lot_stock[KEY] == {"L-A": 2}


def test_reversing_a_receipt_whose_lot_has_moved_on_is_refused() -> None:
    book = make_book(item(valuation=AVG, tracking=Tracking.LOT))  # no layer to refuse first
    receipt = receive(book, "L-A", 2, None)
    receive(book, "L-B", 3, None)
    post_at(book, tx("sale", 2, lot="L-A"))
    with pytest.raises(RejectedEventError, match="lot L-A has 0 left there of the 2"):
        reverse(book, receipt)
    assert book.lot_stock[KEY] == {"L-B": 3}


def test_reversing_a_transfer_moves_each_lot_back() -> None:
    book = fefo_book()
    transfer = post_at(book, tx("transfer", 5, to_location="main/b1"))
    there = PositionKey("SKU-1", "main/b1", "own")
    assert book.lot_stock[there] == {"L-SOON": 4, "L-MID": 1}
    reverse(book, transfer)
    assert book.lot_stock[there] == {}
    assert book.lot_stock[KEY] == {"L-LATE": 5, "L-SOON": 4, "L-MID": 3}


def test_reversing_the_sale_of_a_serial_puts_that_unit_back() -> None:
    book = make_book(item(tracking=Tracking.SERIAL))
    post_at(book, tx("receipt", 1, unit_cost="9", serial="SN-1"))
    sale = post_at(book, tx("sale", 1))
    reversal = reverse(book, sale)
    assert reversal.lines[0].serial == "SN-1"
    assert book.lot_stock[KEY] == {"SN-1": 1}
