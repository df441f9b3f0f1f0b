"""The end-of-day checks: each way the demo can fail is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from collector.demo.faults import FaultSpec, Injected
from collector.demo.snapshot import AlertLine, Snapshot
from collector.demo.summary import Figures, LaneTruth, average_value, check

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
SPEC = FaultSpec("coffee gone", "shrinkage", location="demo/aisle-1/shelf-1", sku="COFFEE-250")
DAY = Figures(Decimal("50"), Decimal("100"), Decimal("150"), Decimal("200"), None)
CAUGHT = AlertLine(1, "shrinkage", "resolved", "demo/aisle-1/shelf-1", "COFFEE-250", None, "…",
                   T0 + timedelta(seconds=9))  # fmt: skip


def lane(physical: int, ledger: str) -> LaneTruth:
    return LaneTruth("shelf-1", "lane-2", "COFFEE-250", "demo/aisle-1/shelf-1", physical,
                     Decimal(ledger))  # fmt: skip


def run(alerts: list[AlertLine], lanes: list[LaneTruth], dead: list[dict[str, object]]):
    snapshot = Snapshot(positions=[], movements=[], alerts=alerts, dead_letters=dead)
    return check(snapshot, injected=[Injected(SPEC, T0)], lanes=lanes, day=DAY,
                 bad_scan_device="receiving-1")  # fmt: skip


def test_a_day_with_the_fault_caught_and_the_shelves_equal_to_the_book_passes() -> None:
    summary = run([CAUGHT], [lane(9, "9.000000")], [{"device_id": "receiving-1"}])
    assert summary.passed, summary.failures


def test_a_missed_fault_fails() -> None:
    assert run([], [lane(9, "9")], []).failures == ["fault not caught: coffee gone"]


def test_a_lane_whose_book_differs_from_the_shelf_fails_naming_both_figures() -> None:
    [failure] = run([CAUGHT], [lane(9, "11")], []).failures
    assert failure == "COFFEE-250 at demo/aisle-1/shelf-1 (shelf-1 lane-2): ledger 11, shelf 9"


def test_a_false_alarm_fails() -> None:
    false = AlertLine(2, "unmatched_issue", "open", "demo/aisle-1/shelf-2", "SOAP-95", None,
                      "shelf shows more", T0)  # fmt: skip
    [failure] = run([CAUGHT, false], [lane(9, "9")], []).failures
    assert failure.startswith("false alarm: unmatched_issue demo/aisle-1/shelf-2 SOAP-95")


def test_a_dead_letter_from_any_other_device_fails() -> None:
    dead: list[dict[str, object]] = [{"device_id": "pos-1", "reason": "bad json"}]
    assert run([CAUGHT], [lane(9, "9")], dead).failures == ["dead letter: pos-1: bad json"]


def test_more_than_the_one_bad_scan_in_dead_letters_fails() -> None:
    dead: list[dict[str, object]] = [{"device_id": "receiving-1", "reason": "r"}] * 2
    assert len(run([CAUGHT], [lane(9, "9")], dead).failures) == 2


def test_turnover_is_cogs_over_the_average_inventory_value() -> None:
    assert average_value([Decimal("100"), Decimal("200"), Decimal("300")]) == Decimal("200.00")
    assert DAY.turnover == Decimal("0.2500")
    assert Figures(Decimal(5), Decimal(0), Decimal(0), Decimal(0), None).turnover == 0
