"""Receipt matching, worked by hand: partial, complete, over-receipts, references, scope."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from collector.purchasing.matching import (
    Allocation,
    MatchFlag,
    OpenLine,
    Receipt,
    apply_allocations,
    match_receipt,
    mismatch,
    parse_reference,
    scanned_reference,
)

D = Decimal
DAY1 = datetime(2026, 3, 1, tzinfo=UTC)
DAY2 = datetime(2026, 3, 2, tzinfo=UTC)


def line(line_id: int, number: str, qty: int, *, received: int = 0, at=DAY1, **kw) -> OpenLine:
    fields = {"sku": "SKU-A", "location": "main/a", "owner": "own", "line_no": 1, **kw}
    return OpenLine(
        line_id, fields["line_no"], number, at, fields["sku"], fields["location"],
        fields["owner"], D(qty), D(received), kw.get("is_open", True),
    )  # fmt: skip


def receipt(qty: int, reference: str | None = None, **kw) -> Receipt:
    fields = {"sku": "SKU-A", "location": "main/a", "owner": "own", **kw}
    return Receipt(fields["sku"], fields["location"], fields["owner"], D(qty), reference)


LINES = [line(2, "PO-000002", 5, at=DAY2), line(1, "PO-000001", 10, at=DAY1)]


def test_without_a_reference_the_oldest_order_fills_first_then_the_next_partially() -> None:
    # 12 units: PO-1 wants 10 (filled), PO-2 wants 5 (2 of them come)
    assert match_receipt(receipt(12), LINES) == (
        Allocation(1, D(10), MatchFlag.COMPLETE),
        Allocation(2, D(2), MatchFlag.PARTIAL),
    )


def test_a_short_receipt_is_a_partial_of_the_oldest_line() -> None:
    assert match_receipt(receipt(4), LINES) == (Allocation(1, D(4), MatchFlag.PARTIAL),)


def test_more_than_every_open_line_wants_is_an_over_receipt_on_the_last() -> None:
    # 10 + 5 = 15 outstanding; 18 came: 3 over, on the newest line
    assert match_receipt(receipt(18), LINES) == (
        Allocation(1, D(10), MatchFlag.COMPLETE),
        Allocation(2, D(5), MatchFlag.COMPLETE),
        Allocation(2, D(3), MatchFlag.OVER),
    )


def test_a_reference_picks_its_order_even_when_an_older_one_is_open() -> None:
    # PO-2 wants 5, 7 came naming it: 5 complete, 2 over; PO-1 is left alone
    assert match_receipt(receipt(7, "po-000002"), LINES) == (
        Allocation(2, D(5), MatchFlag.COMPLETE),
        Allocation(2, D(2), MatchFlag.OVER),
    )


def test_a_reference_to_a_line_picks_that_line() -> None:
    lines = [line(1, "PO-000001", 10), line(3, "PO-000001", 4, line_no=2)]
    assert match_receipt(receipt(4, "PO-000001/2"), lines) == (
        Allocation(3, D(4), MatchFlag.COMPLETE),
    )


def test_a_reference_to_a_received_order_is_all_over_receipt() -> None:
    done = [line(1, "PO-000001", 10, received=10, is_open=False)]
    assert match_receipt(receipt(3, "PO-000001"), done) == (Allocation(1, D(3), MatchFlag.OVER),)
    # without the reference it is a receipt from no order at all
    assert match_receipt(receipt(3), done) == ()


def test_a_reference_to_an_order_without_the_sku_is_flagged_unmatched() -> None:
    assert match_receipt(receipt(3, "PO-000009"), LINES) == (
        Allocation(None, D(3), MatchFlag.UNMATCHED),
    )


def test_a_receipt_from_no_order_matches_nothing() -> None:
    assert match_receipt(receipt(3, "delivery note 17"), []) == ()
    assert match_receipt(receipt(3, sku="SKU-B"), LINES) == ()


def test_owner_and_location_must_fit_the_line() -> None:
    assert match_receipt(receipt(3, owner="client-a"), LINES) == ()
    assert match_receipt(receipt(3, location="main/b"), LINES) == ()
    assert match_receipt(receipt(3, location="main/ab"), LINES) == ()  # not below main/a
    below = match_receipt(receipt(3, location="main/a/bin-2"), LINES)
    assert below == (Allocation(1, D(3), MatchFlag.PARTIAL),)


def test_receipts_of_one_batch_see_each_other() -> None:
    lines = [line(1, "PO-000001", 10)]
    first = match_receipt(receipt(6), lines)
    assert first == (Allocation(1, D(6), MatchFlag.PARTIAL),)
    lines = apply_allocations(lines, first)
    assert lines[0].outstanding == D(4)
    # the second 6: 4 complete the line and 2 are over
    assert match_receipt(receipt(6, "PO-000001"), lines) == (
        Allocation(1, D(4), MatchFlag.COMPLETE),
        Allocation(1, D(2), MatchFlag.OVER),
    )


def test_references_are_parsed_strictly() -> None:
    assert parse_reference("PO-000012") == ("PO-000012", None)
    assert parse_reference(" po-12/3 ") == ("PO-12", 3)
    assert parse_reference("invoice PO-12") is None
    assert parse_reference(None) is None


def test_a_scanned_po_reference_names_its_order_with_a_note_after_it() -> None:
    assert parse_reference("PO:PO-000012 scan inbound-1 receive") == ("PO-000012", None)
    assert parse_reference("po:12") == ("PO-000012", None)
    assert parse_reference("PO:PO-000012/2") == ("PO-000012", 2)
    # any other scanned text still names an order (one that does not exist)
    assert parse_reference("PO:4500012345-X scan s receive") == ("4500012345-X", None)


def test_a_scanned_reference_picks_its_order_though_an_older_one_has_the_sku_open() -> None:
    scanned = receipt(4, scanned_reference("PO-000002", "scan inbound-1 receive"))
    assert match_receipt(scanned, LINES) == (Allocation(2, D(4), MatchFlag.PARTIAL),)


def test_an_unknown_scanned_order_is_unmatched_and_a_mismatch() -> None:
    scanned = receipt(3, scanned_reference("4500012345"))
    allocations = match_receipt(scanned, LINES)
    assert allocations == (Allocation(None, D(3), MatchFlag.UNMATCHED),)
    found = mismatch(scanned, None, allocations)
    assert found is not None
    assert found.number == "PO-4500012345"
    assert "which is no purchase order" in found.message
    assert "the stock is posted" in found.message


def test_an_open_order_without_the_sku_is_a_mismatch() -> None:
    named = receipt(3, "PO-000009")
    found = mismatch(named, "sent", match_receipt(named, LINES))
    assert found is not None
    assert "has no line for SKU-A of own at or above main/a" in found.message


def test_a_closed_or_cancelled_order_is_a_mismatch() -> None:
    done = [line(1, "PO-000001", 10, received=10, is_open=False)]
    named = receipt(3, "PO-000001")
    received = mismatch(named, "received", match_receipt(named, done))
    cancelled = mismatch(named, "cancelled", ())
    assert received is not None
    assert "already received (closed)" in received.message
    assert cancelled is not None
    assert "is cancelled, not open for receipts" in cancelled.message


def test_a_fitting_or_unnamed_receipt_is_no_mismatch() -> None:
    named = receipt(7, "PO-000002")
    assert mismatch(named, "sent", match_receipt(named, LINES)) is None  # over: the flag says so
    assert mismatch(receipt(3), None, ()) is None
