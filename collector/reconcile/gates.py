"""Tags leaving through a gate, matched against outbound movements of the book."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from collector.reconcile.findings import (
    AlertKey,
    AlertType,
    Clearance,
    Finding,
    Verdict,
    severity_for,
)
from collector.sites.bindings import Rules


@dataclass(frozen=True, slots=True)
class GateExit:
    """One tagged unit seen leaving ``location`` through a gate, not yet matched."""

    exit_id: int
    site: str
    location: str
    sku: str
    epc: str
    event_id: str
    device_id: str
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ExitMatch:
    """Which exits a book's outbound movements cover, and which are overdue."""

    matched: tuple[int, ...]
    verdicts: tuple[Verdict, ...]


def window_start(exits: Sequence[GateExit], rules: Rules) -> datetime:
    """From when outbound movements may cover these exits: grace before the first."""
    return min(e.seen_at for e in exits) - timedelta(seconds=rules.grace_s)


def match_exits(
    exits: Sequence[GateExit],
    outbound_units: Decimal,
    now: datetime,
    rules: Rules,
    unit_cost: Decimal | None = None,
) -> ExitMatch:
    """Cover the oldest exits of one (location, SKU) with the units the book sent out.

    ``outbound_units``: units sold, issued or transferred out of the location since
    ``window_start`` and not already used to cover earlier exits.  An exit still
    uncovered ``grace_s`` after it was seen raises one alert for its location and SKU.
    """
    ordered = sorted(exits, key=lambda e: (e.seen_at, e.exit_id))
    covered = int(max(Decimal(0), outbound_units))
    matched = tuple(e.exit_id for e in ordered[:covered])
    overdue = [e for e in ordered[covered:] if (now - e.seen_at).total_seconds() >= rules.grace_s]
    first = ordered[0]
    key = AlertKey(first.site, AlertType.GATE_EXIT_UNMATCHED, first.location, first.sku)
    if not overdue:
        return ExitMatch(matched, (Clearance(key, "the book now records the units sent out"),))
    return ExitMatch(matched, (_unmatched(key, overdue, rules, unit_cost),))


def _unmatched(
    key: AlertKey, overdue: Sequence[GateExit], rules: Rules, unit_cost: Decimal | None
) -> Finding:
    first = overdue[0]
    units = Decimal(len(overdue))
    value = units * unit_cost if unit_cost is not None else None
    return Finding(
        key,
        f"{len(overdue)} tagged unit(s) of {first.sku} left {first.location} through the gate "
        f"of {first.device_id} with no sale, shipment or transfer recorded "
        f"(tags {', '.join(e.epc for e in overdue[:5])})",
        severity_for(
            AlertType.GATE_EXIT_UNMATCHED,
            value,
            major=rules.severity_major_value,
            critical=rules.severity_critical_value,
        ),
        device_id=first.device_id,
        expected=Decimal(0),
        observed=units,
        value_at_risk=value,
        evidence=tuple(e.event_id for e in overdue[-10:]),
    )
