"""The scripted day: receiving, filling shelves, sales, returns, replenishment, three faults.

Every step acts on the simulated floor and the tills, then waits (with a
deadline) until the ledger and the shelves caught up, so the day runs as fast as
the system allows and never relies on a fixed sleep for correctness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue

from collector.alerts.lifecycle import resolve_with_count
from collector.demo.catalog import BY_SKU, OPENING_COUNTS, UNKNOWN_GTIN
from collector.demo.faults import FaultSpec
from collector.demo.snapshot import AlertLine, Snapshot
from collector.demo.stage import Stage
from collector.ledger.session import posting_session

GOODS_IN = "demo/goods-in"
DOCK = "demo/dock-1"
SHRINK = FaultSpec("items taken with no sale (2 × COFFEE-250)", "shrinkage",
                   location="demo/aisle-1/shelf-1", sku="COFFEE-250")  # fmt: skip
MISLABEL = FaultSpec(f"mislabelled case at receiving (GTIN {UNKNOWN_GTIN})", "unknown_code",
                     location=GOODS_IN)  # fmt: skip
DRIFT = FaultSpec("drifting load cell (shelf-2 lane-3, TOOTHPASTE-75)", "sensor_fault",
                  location="demo/aisle-1/shelf-2")  # fmt: skip
FAULTS = (SHRINK, MISLABEL, DRIFT)

DRIFT_GRAMS = 45.0
"""Each creep of the drifting cell: beyond the 25 % tolerance of a toothpaste (125 g), and two
creeps together (90 g) still no whole item, so no count explains them."""
DRIFT_STEPS_MAX = 8
CASES = {"TEA-100": (12, 12), "COFFEE-250": (6,), "SOAP-95": (12,), "SHAMPOO-400": (6,)}
"""Cases received in the morning: units per case, one entry per case."""


@dataclass(frozen=True, slots=True)
class Step:
    """One moment of the day."""

    hour: str
    title: str
    act: Callable[[Stage], None]


def open_books(stage: Stage) -> None:
    """Before opening: the back office books yesterday's closing stock on each lane."""
    for lane in stage.floor.shelf_lanes():
        count = OPENING_COUNTS.get((lane.key.device_id, lane.key.lane), 0)
        if count:
            stage.office.receive(lane.sku, count, lane.location, reference="opening stock")
    stage.tell("back office booked yesterday's closing stock")


def receive_goods(stage: Stage) -> None:
    """The receiving clerk scans each case (GS1-128: GTIN and count); one case is mislabelled."""
    world = stage.floor.world("receiving-1")
    expected: dict[str, int] = {}
    for sku, cases in CASES.items():
        for units in cases:
            world.scan(f"01{BY_SKU[sku].gtin}30{units}", symbology="]C1")
            expected[sku] = expected.get(sku, 0) + units
            stage.tell(f"receiving-1 scanned a case of {units} {sku}")
    world.scan(f"01{UNKNOWN_GTIN}3012", symbology="]C1")
    stage.inject(MISLABEL)

    def received(snapshot: Snapshot) -> bool:
        return all(snapshot.on_hand(sku, GOODS_IN) == n for sku, n in expected.items())

    stage.wait_until("the receipts at goods-in", received)


def replenish(stage: Stage, moves: dict[str, int]) -> None:
    """The back office moves stock from goods-in and a clerk puts it on the shelves."""
    lanes = [stage.floor.lane(sku) for sku in moves]
    for lane in lanes:
        qty = moves[lane.sku]
        stage.office.transfer(lane.sku, qty, GOODS_IN, lane.location)
        stage.floor.world(lane.key.device_id).place(lane.key.lane, qty)
        stage.tell(f"{qty} {lane.sku} moved from goods-in onto {lane.key.device_id}")
    stage.wait_shelves_agree(*lanes)


def ship_through_gate(stage: Stage, sku: str, units: int) -> None:
    """Tagged units are staged at the dock and carried out through the RFID gate (it posts)."""
    gtin = BY_SKU[sku].gtin
    assert gtin is not None
    stage.office.transfer(sku, units, GOODS_IN, DOCK)
    gate = stage.floor.world("gate-1")
    for serial in range(1, units + 1):
        gate.tag_passes(sgtin96(gtin, serial), direction="out")
    stage.tell(f"{units} tagged {sku} carried out through gate-1 to the sister shop")
    stage.wait_until(f"gate-1 to post the {sku} leaving", lambda s: s.on_hand(sku, DOCK) == 0)


def sgtin96(gtin: str, serial: int, *, company_prefix_digits: int = 7) -> str:
    """The SGTIN-96 EPC (hex) a tag of this GTIN and serial carries."""
    epc = SGTIN.from_gtin_plus_serial(gtin, str(serial), company_prefix_digits)
    return epc.hex(binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
                   filter_value=SGTINFilterValue.POS_ITEM)  # fmt: skip


def sell(stage: Stage, picks: dict[str, int]) -> None:
    """Customers pick from the shelves and pay at the till."""
    lanes = [stage.floor.lane(sku) for sku in picks]
    for lane in lanes:
        stage.floor.world(lane.key.device_id).take(lane.key.lane, picks[lane.sku])
        sale = stage.till.sell(lane.sku, picks[lane.sku], lane.location)
        stage.sales.setdefault(lane.sku, sale)
        stage.tell(f"pos-1 sold {picks[lane.sku]} {lane.sku}")
    stage.wait_shelves_agree(*lanes)


def lift_and_sell(stage: Stage) -> None:
    """A customer weighs a honey jar in hand and puts it back; others buy tea and soap."""
    honey = stage.floor.lane("HONEY-500")
    stage.floor.world(honey.key.device_id).lift_and_return(honey.key.lane, 640.0)
    stage.tell("a customer lifted a HONEY-500 and put it back (no event)")
    sell(stage, {"TEA-100": 1, "SOAP-95": 2})


def shrinkage(stage: Stage) -> None:
    """Two coffees leave the shelf unpaid; the alert is raised, ops count and fix the book."""
    lane = stage.floor.lane("COFFEE-250")
    stage.floor.world(lane.key.device_id).take(lane.key.lane, 2)
    stage.inject(SHRINK)
    snapshot = stage.wait_until("the shrinkage alert", lambda s: _active(s, SHRINK) is not None)
    alert = _active(snapshot, SHRINK)
    assert alert is not None
    counted = stage.true_count(lane)
    with posting_session(stage.engine, now=stage.clock.now()) as session:
        resolve_with_count(session, alert.id, by="demo-ops", counted=Decimal(counted))
    stage.tell(f"ops counted {counted} COFFEE-250 and resolved alert {alert.id}")


def returns(stage: Stage) -> None:
    """Customers bring back a tea and a soap; they go back onto the shelf."""
    lanes = [stage.floor.lane(sku) for sku in ("TEA-100", "SOAP-95")]
    for lane in lanes:
        sale = stage.sales[lane.sku]
        stage.till.give_back(lane.sku, 1, lane.location, sale)
        stage.floor.world(lane.key.device_id).place(lane.key.lane, 1)
        stage.tell(f"pos-1 took back 1 {lane.sku}")
    stage.wait_shelves_agree(*lanes)


def drift(stage: Stage) -> None:
    """The toothpaste lane's load cell creeps in steps no item explains, until it is flagged.

    Each step waits until the lane reported it (unresolved), so two creeps never
    merge into one change that a whole item would explain.
    """
    lane = stage.floor.lane("TOOTHPASTE-75")
    key = (lane.key.device_id, lane.key.lane)
    stage.inject(DRIFT)
    for step in range(1, DRIFT_STEPS_MAX + 1):
        before = stage.read().unresolved.get(key, 0)
        stage.floor.drift(lane.key, DRIFT_GRAMS, over_s=0.5)
        snapshot = stage.wait_until(
            f"{lane.key.device_id} {lane.key.lane} to report creep {step}",
            _creep_reported(key, before),
        )
        if _active(snapshot, DRIFT) is not None:
            stage.tell(f"{lane.key.device_id} {lane.key.lane} flagged as a faulty sensor")
            return
    stage.tell("the drifting cell was never flagged")


def _creep_reported(key: tuple[str, str], before: int) -> Callable[[Snapshot], bool]:
    """True once the lane counted one more unexplained change, or the fault alert is open."""
    return lambda s: s.unresolved.get(key, 0) > before or _active(s, DRIFT) is not None


def _active(snapshot: Snapshot, spec: FaultSpec) -> AlertLine | None:
    return next((a for a in snapshot.alerts if spec.matches(a)), None)


def the_day() -> tuple[Step, ...]:
    """The day in order."""
    return (
        Step("07:00", "goods in: the receiving clerk scans the cases", receive_goods),
        Step("08:00", "shelves filled from goods-in",
             lambda s: replenish(s, {"TEA-100": 8, "COFFEE-250": 4, "SOAP-95": 10,
                                     "SHAMPOO-400": 4})),
        Step("09:00", "two soaps leave for the sister shop through the dock gate",
             lambda s: ship_through_gate(s, "SOAP-95", 2)),
        Step("10:00", "morning sales",
             lambda s: sell(s, {"TEA-100": 2, "COFFEE-250": 1, "SUGAR-1K": 1, "HONEY-500": 1,
                                "SOAP-95": 3, "SHAMPOO-400": 1, "TOOTHPASTE-75": 2})),
        Step("11:00", "a lift and put back; more sales", lift_and_sell),
        Step("13:00", "two coffees leave unpaid", shrinkage),
        Step("15:00", "returns desk", returns),
        Step("16:00", "a load cell starts drifting", drift),
        Step("17:00", "afternoon replenishment",
             lambda s: replenish(s, {"TEA-100": 6, "COFFEE-250": 2})),
        Step("18:00", "evening sales",
             lambda s: sell(s, {"TEA-100": 3, "SHAMPOO-400": 2, "SUGAR-1K": 1})),
    )  # fmt: skip
