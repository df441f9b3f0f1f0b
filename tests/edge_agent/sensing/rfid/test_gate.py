"""Gate rules: RSSI floor, presence timeout, de-duplication and direction, with times passed in."""

from __future__ import annotations

import pytest

from edge_agent.sensing.records import TimedEvent
from edge_agent.sensing.rfid.gate import Gate, GateRules, Side, Sighting
from edge_agent.wire import GateDirection, RfidTagSeen

EPC = "3074257BF7194E4000001A85"
OTHER = "E2801160600002040000ABCD"
SIDES = {("uhf", 1): Side.OUTSIDE, ("uhf", 2): Side.INSIDE}


@pytest.fixture
def gate() -> Gate:
    return Gate(
        GateRules(
            gate="dock-1",
            sides=SIDES,
            rssi_floor_dbm=-70.0,
            presence_timeout_s=1.0,
            dedup_window_s=10.0,
            order_margin_s=0.05,
        )
    )


def see(
    gate: Gate, t_s: float, antenna: int, epc: str = EPC, rssi: float | None = -50.0
) -> list[TimedEvent]:
    return gate.observe(Sighting(t_s, epc, "uhf", antenna, rssi))


def tag_of(event: TimedEvent) -> RfidTagSeen:
    """A gate's event data: always a tag seen."""
    assert isinstance(event.data, RfidTagSeen)
    return event.data


def walk(gate: Gate, reads: list[tuple[float, int]], epc: str = EPC) -> list[GateDirection]:
    for t_s, antenna in reads:
        assert see(gate, t_s, antenna, epc) == []
    return [tag_of(e).direction for e in gate.expire(reads[-1][0] + 1.5)]


def test_outside_then_inside_is_in(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.2, 1), (0.4, 2), (0.6, 2)]) == [GateDirection.IN]


def test_inside_then_outside_is_out(gate: Gate) -> None:
    assert walk(gate, [(0.0, 2), (0.3, 1), (0.5, 1)]) == [GateDirection.OUT]


def test_event_carries_gtin_serial_gate_and_strongest_read(gate: Gate) -> None:
    see(gate, 0.0, 1, rssi=-60.0)
    see(gate, 0.4, 2, rssi=-45.0)
    [event] = gate.expire(2.0)
    assert event.t_s == 0.4
    tag = tag_of(event)
    assert tag.gtin == "80614141123458"
    assert tag.serial == "6789"
    assert (tag.gate, tag.antenna, tag.rssi_dbm) == ("dock-1", 2, -45.0)


def test_nothing_emitted_while_tag_is_still_present(gate: Gate) -> None:
    see(gate, 0.0, 1)
    see(gate, 0.5, 2)
    assert gate.expire(1.4) == []
    assert len(gate.expire(1.6)) == 1


def test_seen_by_one_side_only_is_counted_not_reported(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.3, 1)]) == []
    assert gate.counts["one_side_only"] == 1


def test_seen_by_one_side_only_is_unknown_when_configured() -> None:
    gate = Gate(GateRules(gate="dock-1", sides=SIDES, report_one_sided=True))
    assert walk(gate, [(0.0, 2), (0.3, 2)]) == [GateDirection.UNKNOWN]


def test_simultaneous_first_and_last_sightings_are_unknown(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.01, 2), (0.5, 1), (0.52, 2)]) == [GateDirection.UNKNOWN]


def test_turning_back_is_unknown(gate: Gate) -> None:
    # entered from outside, reached the inside antenna, left on the outside again
    assert walk(gate, [(0.0, 1), (0.3, 2), (0.6, 1)]) == [GateDirection.UNKNOWN]


def test_tie_at_entry_decided_by_exit_order(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.02, 2), (0.6, 2)]) == [GateDirection.IN]


def test_reads_below_rssi_floor_are_ignored_and_counted(gate: Gate) -> None:
    see(gate, 0.0, 1, rssi=-80.0)
    see(gate, 0.2, 2, rssi=-50.0)
    assert gate.expire(2.0) == []  # only the inside read counted: one side
    assert gate.counts["below_rssi_floor"] == 1
    assert gate.counts["one_side_only"] == 1


def test_read_without_rssi_passes_the_floor(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.3, 2)]) == [GateDirection.IN]
    see(gate, 5.0, 1, epc=OTHER, rssi=None)
    assert gate.counts["below_rssi_floor"] == 0


def test_antenna_outside_the_gate_is_ignored(gate: Gate) -> None:
    see(gate, 0.0, 3)
    assert gate.expire(5.0) == []
    assert gate.counts["antenna_not_in_gate"] == 1


def test_gap_longer_than_presence_timeout_splits_passages(gate: Gate) -> None:
    see(gate, 0.0, 1)
    see(gate, 0.3, 2)
    [first] = see(gate, 30.0, 2)  # the next sighting closes the earlier passage
    assert tag_of(first).direction is GateDirection.IN
    see(gate, 30.4, 1)
    assert [tag_of(e).direction for e in gate.expire(32.0)] == [GateDirection.OUT]


def test_same_direction_again_within_dedup_window_is_suppressed(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.3, 2)]) == [GateDirection.IN]
    # the tag lingers at the edge of the field and is read again 3 s later
    assert walk(gate, [(3.0, 1), (3.3, 2)]) == []
    assert gate.counts["duplicate_suppressed"] == 1


def test_same_direction_after_dedup_window_is_a_new_event(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.3, 2)]) == [GateDirection.IN]
    assert walk(gate, [(20.0, 1), (20.3, 2)]) == [GateDirection.IN]


def test_opposite_direction_inside_dedup_window_is_reported(gate: Gate) -> None:
    assert walk(gate, [(0.0, 1), (0.3, 2)]) == [GateDirection.IN]
    assert walk(gate, [(3.0, 2), (3.3, 1)]) == [GateDirection.OUT]


def test_two_tags_are_tracked_independently(gate: Gate) -> None:
    see(gate, 0.0, 1, EPC)
    see(gate, 0.1, 2, OTHER)
    see(gate, 0.4, 2, EPC)
    see(gate, 0.5, 1, OTHER)
    events = {tag_of(e).epc: tag_of(e).direction for e in gate.expire(3.0)}
    assert events == {EPC: GateDirection.IN, OTHER: GateDirection.OUT}


def test_non_sgtin_epc_has_no_gtin(gate: Gate) -> None:
    see(gate, 0.0, 1, OTHER)
    see(gate, 0.3, 2, OTHER)
    [event] = gate.flush()
    tag = tag_of(event)
    assert (tag.epc, tag.gtin) == (OTHER, None)


def test_presence_reader_reports_once_while_the_tag_stays() -> None:
    gate = Gate(GateRules(gate="desk", presence_timeout_s=0.5, dedup_window_s=2.0))
    first = gate.observe(Sighting(0.0, "67003B51C6", "rdm", 1))
    assert [tag_of(e).direction for e in first] == [GateDirection.PRESENT]
    # RDM6300 repeats the frame every ~0.1 s while the card is on the reader
    assert all(gate.observe(Sighting(0.1 * i, "67003B51C6", "rdm", 1)) == [] for i in range(1, 20))


def test_presence_reader_reports_again_after_removal_and_dedup_window() -> None:
    gate = Gate(GateRules(gate="desk", presence_timeout_s=0.5, dedup_window_s=2.0))
    gate.observe(Sighting(0.0, "67003B51C6", "rdm", 1))
    assert gate.observe(Sighting(1.0, "67003B51C6", "rdm", 1)) == []  # back within 2 s
    assert len(gate.observe(Sighting(5.0, "67003B51C6", "rdm", 1))) == 1


def test_dedup_memory_is_bounded(gate: Gate) -> None:
    for i in range(50):
        see(gate, i * 100.0, 1, epc=f"{i:024X}")
        see(gate, i * 100.0 + 0.3, 2, epc=f"{i:024X}")
    gate.expire(10_000.0)
    assert len(gate._emitted) == 0
