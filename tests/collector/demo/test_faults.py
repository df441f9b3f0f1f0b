"""Matching injected faults with the alerts that caught them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.demo.faults import FaultSpec, Injected, catches, unexpected
from collector.demo.snapshot import AlertLine

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
SHRINK = FaultSpec("coffee gone", "shrinkage", location="demo/aisle-1/shelf-1", sku="COFFEE-250")


def alert(type_: str, sku: str = "COFFEE-250", *, after_s: float = 8.0, id_: int = 1) -> AlertLine:
    return AlertLine(id_, type_, "open", "demo/aisle-1/shelf-1", sku, None, "…",
                     T0 + timedelta(seconds=after_s))  # fmt: skip


def test_a_fault_is_caught_by_the_alert_of_its_type_place_and_sku() -> None:
    [catch] = catches([Injected(SHRINK, T0)], [alert("unmatched_issue"), alert("shrinkage")])
    assert catch.caught
    assert catch.alert is not None
    assert catch.alert.type == "shrinkage"
    assert catch.latency_s == 8.0


def test_an_alert_for_another_sku_does_not_count() -> None:
    [catch] = catches([Injected(SHRINK, T0)], [alert("shrinkage", sku="TEA-100")])
    assert not catch.caught
    assert catch.latency_s is None


def test_alerts_no_fault_explains_are_false_alarms() -> None:
    false = alert("unmatched_issue", sku="TEA-100", id_=2)
    assert unexpected([Injected(SHRINK, T0)], [alert("shrinkage"), false]) == [false]
