"""RFID presence counts: one tag is one unit while reported within the window."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from collector.reconcile.presence import Sighting, units_present
from collector.reconcile.shelf import StockSlot, observe_presence


def test_units_present_count_tags_within_the_window(clock) -> None:
    now = clock.now()
    sightings = [
        Sighting("E1", "A", now - timedelta(seconds=10)),
        Sighting("E2", "A", now - timedelta(seconds=299)),
        Sighting("E3", "A", now - timedelta(seconds=301)),
        Sighting("E4", "B", now),
    ]
    assert units_present(sightings, now, window_s=300) == {"A": 2, "B": 1}


def test_presence_is_an_exact_observation(clock) -> None:
    slot = observe_presence(StockSlot("s", "main/rack", "A", confidence=0.1), 3, clock.now())
    assert (slot.observed, slot.confidence) == (Decimal(3), 1.0)
    assert observe_presence(slot, 3, clock.advance(5)) is slot
