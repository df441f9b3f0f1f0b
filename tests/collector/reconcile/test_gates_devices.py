"""Gate exits against the book's outbound units; silent devices; sequence gaps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from collector.reconcile.devices import (
    DeviceLiveness,
    SeqGaps,
    UnheardDevice,
    assess_gaps,
    assess_silence,
    assess_unheard,
)
from collector.reconcile.findings import AlertType, Clearance, Finding
from collector.reconcile.gates import GateExit, match_exits


def exit_at(n: int, at) -> GateExit:
    return GateExit(n, "s1", "main/dock-1", "TEA", f"EPC{n}", f"ev-{n}", "gate-1", at)


def test_exit_covered_by_a_sale_is_matched_without_alert(clock, rules) -> None:
    exits = [exit_at(1, clock.now())]
    result = match_exits(exits, Decimal(1), clock.advance(600), rules)
    assert result.matched == (1,)
    assert all(isinstance(v, Clearance) for v in result.verdicts)


def test_exit_without_shipment_alerts_after_grace(clock, rules) -> None:
    exits = [exit_at(1, clock.now()), exit_at(2, clock.now())]
    assert match_exits(exits, Decimal(1), clock.advance(30), rules).verdicts[0].__class__ is (
        Clearance
    )
    result = match_exits(exits, Decimal(1), clock.advance(31), rules, unit_cost=Decimal(3))
    (finding,) = result.verdicts
    assert isinstance(finding, Finding)
    assert finding.key.type is AlertType.GATE_EXIT_UNMATCHED
    assert (finding.observed, finding.value_at_risk) == (Decimal(1), Decimal(3))
    assert finding.evidence == ("ev-2",)
    assert result.matched == (1,)


def test_silent_device_alerts_past_its_intervals_and_clears_when_heard(clock, rules) -> None:
    device = DeviceLiveness("s1", "shelf-1", clock.now(), interval_s=10)
    assert isinstance(assess_silence(device, clock.advance(30), rules), Clearance)
    verdict = assess_silence(device, clock.advance(1), rules)
    assert isinstance(verdict, Finding)
    assert verdict.key.type is AlertType.DEVICE_SILENT
    assert verdict.key.subject == "shelf-1"


def test_never_heard_device_alerts_silent_after_its_intervals_from_watch_start(
    clock, rules
) -> None:
    device = UnheardDevice("s1", "shelf-9", clock.now(), interval_s=10)
    assert assess_unheard(device, clock.advance(30), rules) is None
    verdict = assess_unheard(device, clock.advance(1), rules)
    assert isinstance(verdict, Finding)
    assert (verdict.key.type, verdict.key.subject) == (AlertType.DEVICE_SILENT, "shelf-9")
    assert verdict.device_id == "shelf-9"
    assert "never heard from in the 31 s" in verdict.message
    assert "bindings.yaml" in verdict.message


def test_sequence_gap_alerts_after_gap_alert_after_s_not_grace(clock, rules) -> None:
    assert (rules.gap_alert_after_s, rules.grace_s) == (30, 60)
    stream = SeqGaps("s1", "shelf-1", 1, ((5, 7),), first_seen_at=clock.now())
    assert assess_gaps(stream, clock.now() + timedelta(seconds=29), rules) is None
    verdict = assess_gaps(stream, clock.advance(30), rules)
    assert isinstance(verdict, Finding)
    assert verdict.device_id == "shelf-1"
    assert "device shelf-1 epoch 1: 3 event(s) missing (seq 5-7)" in verdict.message


def test_closed_gap_clears(clock, rules) -> None:
    stream = SeqGaps("s1", "shelf-1", 1, (), first_seen_at=None)
    assert isinstance(assess_gaps(stream, clock.now(), rules), Clearance)
