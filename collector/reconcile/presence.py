"""RFID presence: how many tagged units of each SKU a reader saw recently at its location."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Sighting:
    """The last time a reader reported one tag."""

    epc: str
    sku: str
    last_seen_at: datetime


def units_present(sightings: Iterable[Sighting], now: datetime, window_s: float) -> Counter[str]:
    """Units per SKU whose tag was reported within the window (one tag, one unit)."""
    since = now - timedelta(seconds=window_s)
    return Counter(s.sku for s in sightings if s.last_seen_at >= since)
