"""Book against shelf for one slot: which disagreements alert, and which never do."""

from __future__ import annotations

from decimal import Decimal

from collector.reconcile.findings import AlertType, Clearance, Finding, Severity
from collector.reconcile.shelf import StockSlot, WeightReading, assess, observe, record_count
from collector.sites.bindings import Rules

SLOT = StockSlot("s1", "main/a1", "TEA", device_id="shelf-1", lane="lane-1")
D = Decimal


def reading(n: int, estimated: int | None, *, resolved: bool = True, confidence: float = 0.97):
    return WeightReading(
        f"ev-{n}", resolved, confidence, count_change=None, estimated_count=estimated
    )


def findings(verdicts) -> list[Finding]:
    return [v for v in verdicts if isinstance(v, Finding)]


def run(slot, book, clock, rules, cost=None):
    return assess(slot, D(book), clock.now(), rules, cost)


def test_theft_alerts_shrinkage_once_grace_has_passed(clock, rules) -> None:
    slot = observe(SLOT, reading(1, 8), clock.now())
    slot, verdicts = run(slot, 10, clock, rules)
    assert findings(verdicts) == []
    clock.advance(59)
    slot, verdicts = run(slot, 10, clock, rules)
    assert findings(verdicts) == []
    clock.advance(1)
    _, verdicts = run(slot, 10, clock, rules, cost=D("4.50"))
    (alert,) = findings(verdicts)
    assert alert.key.type is AlertType.SHRINKAGE
    assert (alert.expected, alert.observed, alert.value_at_risk) == (D(10), D(8), D("9.00"))
    assert alert.evidence == ("ev-1",)


def test_pick_followed_by_its_sale_within_grace_raises_nothing(clock, rules) -> None:
    slot, _ = run(observe(SLOT, reading(1, 9), clock.now()), 10, clock, rules)
    clock.advance(45)
    slot, verdicts = run(slot, 9, clock, rules)  # the sale is rung up
    clock.advance(600)
    slot, later = run(slot, 9, clock, rules)
    assert findings(verdicts) == findings(later) == []
    assert slot.mismatch_since is None


def test_sale_without_pick_alerts_unmatched_issue(clock, rules) -> None:
    slot, _ = run(observe(SLOT, reading(1, 10), clock.now()), 10, clock, rules)
    slot, _ = run(slot, 9, clock, rules)
    clock.advance(61)
    _, verdicts = run(slot, 9, clock, rules)
    (alert,) = findings(verdicts)
    assert alert.key.type is AlertType.UNMATCHED_ISSUE
    assert (alert.expected, alert.observed) == (D(9), D(10))


def test_lift_and_return_raises_nothing(clock, rules) -> None:
    slot, _ = run(observe(SLOT, reading(1, 9), clock.now()), 10, clock, rules)
    clock.advance(5)
    slot, _ = run(observe(slot, reading(2, 10), clock.now()), 10, clock, rules)
    clock.advance(120)
    _, verdicts = run(slot, 10, clock, rules)
    assert findings(verdicts) == []


def test_noise_within_tolerance_raises_nothing(clock) -> None:
    rules = Rules(grace_s=60, tolerance_units=D(1))
    slot, _ = run(observe(SLOT, reading(1, 9), clock.now()), 10, clock, rules)
    clock.advance(300)
    _, verdicts = run(slot, 10, clock, rules)
    assert findings(verdicts) == []


def test_low_confidence_reading_widens_tolerance_by_one(clock, rules) -> None:
    unsure = observe(SLOT, reading(1, 9, confidence=0.5), clock.now())
    slot, _ = run(unsure, 10, clock, rules)
    clock.advance(300)
    assert findings(run(slot, 10, clock, rules)[1]) == []
    slot, _ = run(observe(SLOT, reading(2, 8, confidence=0.5), clock.now()), 10, clock, rules)
    clock.advance(300)
    assert [f.key.type for f in findings(run(slot, 10, clock, rules)[1])] == [AlertType.SHRINKAGE]


def test_agreement_again_clears_both_stock_alerts(clock, rules) -> None:
    slot = observe(SLOT, reading(1, 8), clock.now())
    _, verdicts = run(slot, 8, clock, rules)
    cleared = {v.key.type for v in verdicts if isinstance(v, Clearance)}
    assert {AlertType.SHRINKAGE, AlertType.UNMATCHED_ISSUE} <= cleared


def test_direction_change_restarts_the_grace_window(clock, rules) -> None:
    slot, _ = run(observe(SLOT, reading(1, 8), clock.now()), 10, clock, rules)
    clock.advance(50)
    slot, _ = run(observe(slot, reading(2, 12), clock.now()), 10, clock, rules)
    clock.advance(20)
    assert findings(run(slot, 10, clock, rules)[1]) == []


def test_unresolved_changes_raise_sensor_fault_and_no_stock_alert(clock, rules) -> None:
    slot, _ = run(observe(SLOT, reading(1, 10), clock.now()), 10, clock, rules)
    for n in range(2, 5):
        clock.advance(30)
        slot = observe(slot, reading(n, None, resolved=False), clock.now())
        slot, verdicts = run(slot, 10, clock, rules)
    clock.advance(600)
    _, verdicts = run(slot, 7, clock, rules)
    (alert,) = findings(verdicts)
    assert alert.key.type is AlertType.SENSOR_FAULT
    assert alert.severity is Severity.MAJOR
    assert alert.evidence[-3:] == ("ev-2", "ev-3", "ev-4")


def test_two_unresolved_changes_are_not_yet_a_fault(clock, rules) -> None:
    slot = observe(
        observe(SLOT, reading(1, None, resolved=False), clock.now()),
        reading(2, None, resolved=False),
        clock.now(),
    )
    assert findings(run(slot, 10, clock, rules)[1]) == []


def test_relative_change_counts_on_from_the_last_known_count(clock) -> None:
    slot = observe(SLOT, reading(1, 10), clock.now())
    slot = observe(slot, WeightReading("ev-2", True, 0.9, count_change=-3), clock.now())
    assert slot.observed == D(7)


def test_count_sets_the_shelf_figure_with_full_confidence(clock, rules) -> None:
    slot = record_count(SLOT, D(6), "count-1", clock.now())
    assert (slot.observed, slot.confidence) == (D(6), 1.0)


def test_severity_follows_value_at_risk(clock) -> None:
    rules = Rules(grace_s=1, severity_major_value=D(50), severity_critical_value=D(500))
    slot, _ = run(observe(SLOT, reading(1, 0), clock.now()), 10, clock, rules)
    clock.advance(2)
    severities = [
        findings(run(slot, 10, clock, rules, cost=D(c))[1])[0].severity for c in ("1", "5", "50")
    ]
    assert severities == [Severity.MINOR, Severity.MAJOR, Severity.CRITICAL]
