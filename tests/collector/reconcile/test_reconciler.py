"""The pure Reconciler: one tick over a snapshot, with per-location rules and a fake clock."""

from __future__ import annotations

from decimal import Decimal

from collector.reconcile.devices import DeviceLiveness
from collector.reconcile.findings import AlertType, Finding
from collector.reconcile.gates import GateExit
from collector.reconcile.reconciler import ExitGroup, Reconciler, SlotView, Snapshot
from collector.reconcile.shelf import StockSlot
from collector.sites.bindings import Rules

D = Decimal


def reconciler(grace_by_location: dict[str, float]) -> Reconciler:
    return Reconciler(rules_for=lambda _site, loc: Rules(grace_s=grace_by_location.get(loc, 60)))


def raised(result) -> set[tuple[AlertType, str]]:
    return {(v.key.type, v.key.location) for v in result.verdicts if isinstance(v, Finding)}


def test_grace_windows_expire_with_time_not_events(clock) -> None:
    slot = StockSlot("s", "fast", "A", observed=D(8), mismatch_since=clock.now(), mismatch_sign=-1)
    slow = StockSlot("s", "slow", "A", observed=D(8), mismatch_since=clock.now(), mismatch_sign=-1)
    snapshot = Snapshot(slots=(SlotView(slot, D(10)), SlotView(slow, D(10))))
    tick = reconciler({"fast": 5, "slow": 600}).tick
    assert raised(tick(snapshot, clock.advance(4))) == set()
    assert raised(tick(snapshot, clock.advance(1))) == {(AlertType.SHRINKAGE, "fast")}


def test_one_tick_covers_slots_exits_and_devices(clock) -> None:
    seen = clock.now()
    snapshot = Snapshot(
        slots=(SlotView(StockSlot("s", "a", "A", observed=D(3)), D(3)),),
        exits=(ExitGroup((GateExit(7, "s", "dock", "A", "EPC", "ev", "g", seen),), D(0)),),
        devices=(DeviceLiveness("s", "shelf-1", seen, interval_s=1),),
    )
    result = reconciler({}).tick(snapshot, clock.advance(61))
    assert raised(result) == {
        (AlertType.GATE_EXIT_UNMATCHED, "dock"),
        (AlertType.DEVICE_SILENT, ""),
    }
    assert result.slots[0].mismatch_since is None
    assert result.matched_exits == ()
