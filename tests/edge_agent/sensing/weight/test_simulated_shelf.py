"""End to end on simulated hardware: HX711 driver on mock pins, then the weight pipeline.

This is the ``--simulate`` path: a four-lane shelf on one shared clock pin, read
in lockstep at 10 Hz of virtual time, with items scripted on and off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge_agent.drivers.hx711 import HX711
from edge_agent.drivers.hx711_sim import SimulatedHX711Factory, simulated_shelf
from edge_agent.drivers.load_cell_sim import CellFaults, Interaction, ScriptedLoad
from edge_agent.sensing.weight.lane import LaneEvent
from edge_agent.sensing.weight.settings import LaneSettings
from edge_agent.sensing.weight.shelf import ShelfPipeline

from .conftest import make_lane

CLOCK_PIN = 6
DATA_PINS = {"a": 5, "b": 13, "c": 19, "d": 26}


@pytest.fixture
def lanes() -> list[LaneSettings]:
    """Four lanes with different unit weights and calibrations."""
    return [
        make_lane(lane=name, sku=f"SKU-{name}", unit_grams=unit, calibration=cal)
        for name, unit, cal in (
            ("a", 100.0, {"zero_raw_counts": -50_000, "counts_per_gram": 430.0}),
            ("b", 35.0, {"zero_raw_counts": 12_000, "counts_per_gram": 410.0}),
            ("c", 250.0, {"zero_raw_counts": 0, "counts_per_gram": -445.0}),
            ("d", 500.0, {"zero_raw_counts": 90_000, "counts_per_gram": 215.0}),
        )
    ]


@pytest.fixture
def shelf(
    lanes: list[LaneSettings],
) -> Iterator[tuple[SimulatedHX711Factory, dict[str, ScriptedLoad]]]:
    """The simulated shelf with 10 items on every lane."""
    factory, loads = simulated_shelf(
        CLOCK_PIN,
        DATA_PINS,
        lanes,
        faults=CellFaults(noise_grams=0.4, spike_probability=0.01, spike_grams=200.0),
        start_counts=dict.fromkeys(DATA_PINS, 10),
    )
    yield factory, loads
    factory.reset()


def run(factory: SimulatedHX711Factory, pipeline: ShelfPipeline, seconds: float) -> list[LaneEvent]:
    """Read the shelf for ``seconds`` of virtual time; every event the pipeline emits."""
    events = []
    with HX711(
        CLOCK_PIN, list(DATA_PINS.values()), pin_factory=factory, sleep=factory.clock.advance
    ) as hx:
        while factory.ticks() < seconds:
            results = hx.read_lanes()
            t_s = factory.ticks()
            for lane, raw in zip(DATA_PINS, results, strict=True):
                assert isinstance(raw, int), raw
                event = pipeline.push_raw(t_s, lane, raw)
                if event is not None:
                    events.append(event)
    return events


def test_picks_and_placements_on_a_shared_clock_shelf(shelf, lanes):
    factory, loads = shelf
    loads["a"].add(Interaction(start_s=5.0, duration_s=2.0, delta_grams=-200.0, excursion_grams=60))
    loads["c"].add(Interaction(start_s=6.0, duration_s=1.5, delta_grams=750.0, excursion_grams=90))
    loads["d"].add(Interaction(start_s=12.0, duration_s=2.0, delta_grams=0.0, excursion_grams=-600))
    events = run(factory, ShelfPipeline(lanes), seconds=20.0)
    assert sorted((e.change.lane, e.change.count_change) for e in events) == [("a", -2), ("c", 3)]
    assert {e.change.lane: e.change.estimated_count for e in events} == {"a": 8, "c": 13}


def test_sample_rate_is_the_chips_conversion_rate(shelf, lanes):
    factory, _loads = shelf
    pipeline = ShelfPipeline(lanes)
    run(factory, pipeline, seconds=10.0)
    assert pipeline.lane("a").reference_grams == pytest.approx(1000.0, abs=1.0)
    assert factory.clock_pin(CLOCK_PIN).rising_edges == pytest.approx(100 * 25, rel=0.05)
