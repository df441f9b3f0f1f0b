"""A mixed lane's own sensor-fault counter: unresolved changes there name no SKU."""

from __future__ import annotations

from collector.reconcile.findings import AlertType, Clearance, Finding
from collector.reconcile.lanes import LaneFaults, assess_lane, count_change

LANE = LaneFaults("s1", "shelf-2", "lane-4", "main/aisle-1/shelf-2")


def changes(lanes: LaneFaults, *item_sized: bool) -> LaneFaults:
    for n, sized in enumerate(item_sized, start=1):
        lanes = count_change(lanes, item_sized=sized, event_id=f"ev-{n}")
    return lanes


def test_unresolved_changes_in_a_row_raise_a_lane_fault_naming_no_sku(rules) -> None:
    assert isinstance(assess_lane(changes(LANE, False, False), rules), Clearance)
    verdict = assess_lane(changes(LANE, False, False, False), rules)
    assert isinstance(verdict, Finding)
    assert verdict.key.type is AlertType.SENSOR_FAULT
    assert (verdict.key.location, verdict.key.sku) == ("main/aisle-1/shelf-2", "")
    assert verdict.key.subject == "shelf-2/lane-4"
    assert (verdict.device_id, verdict.evidence) == ("shelf-2", ("ev-1", "ev-2", "ev-3"))
    assert "lane lane-4 of shelf-2: 3 weight changes in a row" in verdict.message


def test_an_item_sized_change_ends_the_run(rules) -> None:
    """Resolved or ambiguous between SKU mixes: the load cell reads whole items."""
    lanes = changes(LANE, False, False, True, False, False)
    assert (lanes.unresolved, lanes.evidence) == (2, ("ev-4", "ev-5"))
    assert isinstance(assess_lane(lanes, rules), Clearance)
