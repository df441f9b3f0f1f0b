"""Sensor events through the real SqlIngestor: postings, readings and alerts in the batch."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts.schema import alerts
from collector.ledger.engine import open_ledger
from collector.sites.bindings import LaneBinding, ReaderBinding
from edge_agent import wire
from tests.collector.reconcile.runtime.support import (
    GTIN,
    LOCATION,
    Rig,
    active,
    add_item,
    journal_sum,
    on_hand,
    site_bindings,
)
from tests.support.services import unique_name

D = Decimal


@pytest.fixture
def rig(tmp_path, clock) -> Iterator[Rig]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_item(engine, "TEA", gtin=GTIN)
    rig = Rig(engine, clock, site_bindings(unique_name("site"), "TEA"))
    rig.tx("receipt", "TEA", 10, unit_cost=D(2))
    yield rig
    engine.dispose()


def scan(mode: str, gtin: str = GTIN, quantity: str = "1") -> wire.BarcodeScanned:
    return wire.BarcodeScanned(
        station="inbound-1", mode=wire.StationMode(mode), raw=gtin, gtin=gtin, quantity=D(quantity)
    )


def test_theft_raises_shrinkage_only_after_the_grace_window(rig: Rig) -> None:
    rig.weight(8, -2)
    assert active(rig.engine, rig.bindings.site_id) == {}
    rig.tick(59)
    assert active(rig.engine, rig.bindings.site_id) == {}
    rig.tick(2)
    alert = active(rig.engine, rig.bindings.site_id)["shrinkage"]
    assert (alert.expected, alert.observed, alert.value_at_risk) == (D(10), D(8), D(4))


def test_pick_then_sale_within_grace_raises_nothing(rig: Rig) -> None:
    rig.weight(9, -1)
    rig.clock.advance(30)
    rig.tx("sale", "TEA", 1)
    rig.tick(120)
    assert active(rig.engine, rig.bindings.site_id) == {}


def test_sale_with_no_pick_raises_unmatched_issue(rig: Rig) -> None:
    rig.weight(10, 0)
    rig.tx("sale", "TEA", 1)
    rig.tick(61)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"unmatched_issue"}


def test_unresolved_weight_changes_raise_sensor_fault_not_stock(rig: Rig) -> None:
    for _ in range(3):
        rig.clock.advance(10)
        rig.weight(None, None, resolved=False)
    rig.tick(300)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"sensor_fault"}


def mixed_rig(rig: Rig) -> Rig:
    """The rig's site plus a mixed lane (no SKU bound) at main/aisle-1/mixed."""
    mixed = LaneBinding(device_id="shelf-2", lane="lane-4", location="main/aisle-1/mixed")
    bindings = site_bindings(unique_name("site"), "TEA")
    bindings = bindings.model_copy(update={"lanes": [*bindings.lanes, mixed]})
    return Rig(rig.engine, rig.clock, bindings, seqs=rig.seqs)


def mixed_change(resolution: str) -> wire.ShelfWeightChanged:
    resolved = resolution == "resolved"
    return wire.ShelfWeightChanged(
        lane="lane-4",
        grams_before=1000.0,
        grams_after=913.0,
        count_changes={"TEA": -1} if resolved else None,
        count_change=-1 if resolved else None,
        resolution=wire.WeightResolution(resolution),
        confidence=0.95 if resolved else 0.3,
    )


def test_unresolved_changes_on_a_mixed_lane_raise_the_lanes_sensor_fault(rig: Rig) -> None:
    rig = mixed_rig(rig)
    first = rig.send("shelf-2", mixed_change("unresolved"))
    rig.send("shelf-2", mixed_change("ambiguous"))  # item-sized: the run ends
    assert "sensor_fault" not in active(rig.engine, rig.bindings.site_id)
    sent = [rig.send("shelf-2", mixed_change("unresolved")) for _ in range(3)]
    alert = active(rig.engine, rig.bindings.site_id)["sensor_fault"]
    assert (alert.location, alert.sku, alert.subject) == (
        "main/aisle-1/mixed",
        "",
        "shelf-2/lane-4",
    )
    assert alert.device_id == "shelf-2"
    assert str(first) not in alert.evidence
    assert all(str(event_id) in alert.evidence for event_id in sent)
    rig.tick(600)
    assert "sensor_fault" in active(rig.engine, rig.bindings.site_id)
    rig.send("shelf-2", mixed_change("resolved"))
    assert "sensor_fault" not in active(rig.engine, rig.bindings.site_id)


def test_receiving_scan_posts_a_receipt_at_the_station(rig: Rig) -> None:
    rig.send("recv-1", scan("receive", quantity="3"))
    assert on_hand(rig.engine, "TEA", "main/goods-in") == D(3)


def test_unknown_gtin_at_receiving_raises_a_labelling_alert(rig: Rig) -> None:
    event_id = rig.send("recv-1", scan("receive", gtin="04012345678901"))
    alert = active(rig.engine, rig.bindings.site_id)["unknown_code"]
    assert alert.sku == "04012345678901"
    assert str(event_id) in alert.evidence
    assert on_hand(rig.engine, "TEA", "main/goods-in") == D(0)


def test_pick_scan_beyond_stock_becomes_a_rejected_posting_alert(rig: Rig) -> None:
    rig.send("recv-1", scan("pick", quantity="5"))
    assert set(active(rig.engine, rig.bindings.site_id)) == {"rejected_posting"}


def test_weight_change_at_a_post_location_posts_the_issue(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 6, location="main/stockroom", unit_cost=D(2))
    rig.weight(4, -2, lane="lane-9")
    assert on_hand(rig.engine, "TEA", "main/stockroom") == D(4)
    rig.tick(120)
    assert active(rig.engine, rig.bindings.site_id) == {}


def tag(gate: str, direction: str, epc: str = "3074257BF7194E4000001A85") -> wire.RfidTagSeen:
    return wire.RfidTagSeen(epc=epc, gtin=GTIN, gate=gate, direction=wire.GateDirection(direction))


def test_tag_out_of_the_gate_with_no_shipment_alerts_after_grace(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 2, location="main/dock-1", unit_cost=D(2))
    rig.send("gate-1", tag("dock-1", "out"))
    rig.tick(30)
    assert active(rig.engine, rig.bindings.site_id) == {}
    rig.tick(31)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"gate_exit_unmatched"}


def test_tag_out_covered_by_a_sale_raises_nothing(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 2, location="main/dock-1", unit_cost=D(2))
    rig.send("gate-1", tag("dock-1", "out"))
    rig.tx("sale", "TEA", 1, location="main/dock-1")
    rig.tick(120)
    assert active(rig.engine, rig.bindings.site_id) == {}


def test_tag_out_at_a_post_gate_transfers_the_unit(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 2, location="main/dock-2", unit_cost=D(2))
    rig.send("gate-2", tag("dock-2", "out"))
    assert (on_hand(rig.engine, "TEA", "main/dock-2"), on_hand(rig.engine, "TEA", "main/yard")) == (
        D(1),
        D(1),
    )
    rig.tick(120)
    assert active(rig.engine, rig.bindings.site_id) == {}


def test_unknown_tag_raises_a_labelling_alert(rig: Rig) -> None:
    data = wire.RfidTagSeen(epc="DEADBEEF00", gate="dock-1", direction=wire.GateDirection.OUT)
    rig.send("gate-1", data)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"unknown_code"}


def test_silent_device_alerts_and_clears_when_heard_again(rig: Rig) -> None:
    rig = Rig(
        rig.engine, rig.clock, site_bindings(unique_name("site"), "TEA", heartbeat_interval_s=10)
    )
    rig.weight(10, 0)
    rig.tick(31)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"device_silent"}
    rig.weight(10, 0)
    rig.tick(1)
    assert active(rig.engine, rig.bindings.site_id) == {}


def silent_devices(rig: Rig) -> dict[str, str]:
    """Active device_silent alerts of the rig's site: device → message."""
    query = sa.select(alerts.c.subject, alerts.c.message).where(
        alerts.c.site == rig.bindings.site_id,
        alerts.c.type == "device_silent",
        alerts.c.active_key.is_not(None),
    )
    with rig.engine.connect() as conn:
        return {row.subject: row.message for row in conn.execute(query)}


def heartbeat() -> wire.DeviceHeartbeat:
    return wire.DeviceHeartbeat(uptime_s=5, interval_s=10, software_version="1", outbox_depth=0)


def test_a_bound_device_never_heard_from_alerts_silent_after_the_period(rig: Rig) -> None:
    """A mistyped device id or a Pi that never came up: timed from when watching began."""
    rig = Rig(
        rig.engine, rig.clock, site_bindings(unique_name("site"), "TEA", heartbeat_interval_s=10)
    )
    rig.tick(0)  # the collector starts watching: no device heard from yet
    rig.clock.advance(20)
    for device in ("shelf-1", "recv-1", "gate-2"):  # all but gate-1 come up
        rig.send(device, heartbeat())
    rig.tick(10)
    assert silent_devices(rig) == {}
    rig.tick(1)
    silent = silent_devices(rig)
    assert list(silent) == ["gate-1"]
    assert "never heard from in the 31 s since the collector started watching" in silent["gate-1"]
    rig.send("gate-1", heartbeat())
    rig.tick(1)
    assert "gate-1" not in silent_devices(rig)


def test_a_never_heard_alert_survives_a_collector_restart(rig: Rig) -> None:
    rig = Rig(
        rig.engine, rig.clock, site_bindings(unique_name("site"), "TEA", heartbeat_interval_s=10)
    )
    rig.tick(0)
    rig.tick(31)
    assert "gate-1" in silent_devices(rig)
    restarted = Rig(rig.engine, rig.clock, rig.bindings)  # a new ticker watches afresh
    restarted.tick(1)
    assert "gate-1" in silent_devices(rig), "a restart is no news from the device"


def test_count_scan_differing_from_the_book_raises_the_stock_alert_at_once(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 5, location="main/goods-in", unit_cost=D(2))
    rig.send("recv-1", scan("count", quantity="4"))
    alert = active(rig.engine, rig.bindings.site_id)["shrinkage"]
    assert (alert.expected, alert.observed, alert.location) == (D(5), D(4), "main/goods-in")
    rig.send("recv-1", scan("count", quantity="4"))
    rig.tick(600)
    assert set(active(rig.engine, rig.bindings.site_id)) == {"shrinkage"}, "no flapping"


def test_count_scan_agreeing_with_the_book_raises_nothing(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 5, location="main/goods-in", unit_cost=D(2))
    rig.send("recv-1", scan("count", quantity="5"))
    rig.tick(600)
    assert active(rig.engine, rig.bindings.site_id) == {}


def test_sensor_postings_and_later_batches_keep_journal_and_balance_equal(rig: Rig) -> None:
    rig.tx("receipt", "TEA", 6, location="main/stockroom", unit_cost=D(2))
    rig.weight(4, -2, lane="lane-9")  # the observer posts the issue
    rig.tx("sale", "TEA", 1, location="main/stockroom")  # the ingestor's cache must see it
    rig.weight(3, -1, lane="lane-9")
    assert on_hand(rig.engine, "TEA", "main/stockroom") == D(2)
    assert journal_sum(rig.engine, "TEA", "main/stockroom") == D(2)


def test_sequence_gap_alerts_after_30_s_and_clears_when_filled(rig: Rig) -> None:
    rig.seqs["shelf-1"] = 1  # the shelf's seq 1 never arrives
    rig.weight(10, 0)
    rig.tick(1)  # the ticker first sees the gap; the 30 s (gap_alert_after_s) count from here
    rig.tick(29)
    assert "sequence_gap" not in active(rig.engine, rig.bindings.site_id)
    rig.tick(1)
    alert = active(rig.engine, rig.bindings.site_id)["sequence_gap"]
    assert "seq 1" in alert.message
    rig.seqs["shelf-1"] = 0
    rig.weight(10, 0)
    rig.tick(1)
    assert "sequence_gap" not in active(rig.engine, rig.bindings.site_id)


def test_a_new_hole_further_on_does_not_restart_an_old_holes_clock(rig: Rig) -> None:
    rig.seqs["shelf-1"] = 1  # seq 1 never arrives
    rig.weight(10, 0)  # seq 2
    rig.tick(1)
    rig.tick(20)
    rig.seqs["shelf-1"] += 1  # seq 3 never arrives either: the set of gaps changes
    rig.weight(10, 0)  # seq 4
    rig.tick(10)
    alert = active(rig.engine, rig.bindings.site_id)["sequence_gap"]
    assert "2 event(s) missing (seq 1, 3)" in alert.message


def test_a_scan_the_ledger_cannot_hold_becomes_an_alert_not_a_stalled_batch(rig: Rig) -> None:
    rig.send("recv-1", scan("pick", quantity="0.0000001"))  # 7 decimals: beyond the ledger
    assert set(active(rig.engine, rig.bindings.site_id)) == {"rejected_posting"}
    rig.tx("sale", "TEA", 1)  # the pipeline goes on
    assert on_hand(rig.engine, "TEA", LOCATION) == D(9)


def test_a_count_scan_the_ledger_cannot_hold_becomes_an_alert(rig: Rig) -> None:
    rig.send("recv-1", scan("count", quantity="0.0000001"))
    assert set(active(rig.engine, rig.bindings.site_id)) == {"rejected_posting"}


def presence_rig(rig: Rig, window_s: float = 120) -> Rig:
    bindings = site_bindings(unique_name("site"), "TEA").model_copy(
        update={
            "readers": [
                ReaderBinding(
                    device_id="rack-1", reader="rack", location="main/rack", window_s=window_s
                )
            ]
        }
    )
    return Rig(rig.engine, rig.clock, bindings, seqs=rig.seqs)


def test_rfid_units_present_match_the_book_raise_nothing(rig: Rig) -> None:
    rig = presence_rig(rig)
    rig.tx("receipt", "TEA", 2, location="main/rack", unit_cost=D(2))
    for epc in ("E0000001", "E0000002"):
        rig.send("rack-1", tag("rack", "present", epc=epc))
    rig.tick(60)
    assert active(rig.engine, rig.bindings.site_id) == {}


def test_rfid_tag_no_longer_reported_becomes_shrinkage(rig: Rig) -> None:
    rig = presence_rig(rig, window_s=30)
    rig.tx("receipt", "TEA", 2, location="main/rack", unit_cost=D(2))
    rig.send("rack-1", tag("rack", "present", epc="E0000001"))
    rig.send("rack-1", tag("rack", "present", epc="E0000002"))
    for _ in range(5):  # the reader keeps reporting only the first tag; E2 ages out at 40 s
        rig.clock.advance(20)
        rig.send("rack-1", tag("rack", "present", epc="E0000001"))
    rig.tick(1)  # 61 s after the count first fell to 1
    alert = active(rig.engine, rig.bindings.site_id)["shrinkage"]
    assert (alert.expected, alert.observed, alert.location) == (D(2), D(1), "main/rack")
