"""The end of the day: figures (COGS, ending value, turnover), fault catches and the checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from collector.demo.faults import Catch, Injected, catches, unexpected
from collector.demo.snapshot import AlertLine, Snapshot
from collector.domain.report import CogsLine

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LaneTruth:
    """One lane: the units physically there and the ledger's on-hand at its position."""

    device_id: str
    lane: str
    sku: str
    location: str
    physical: int
    ledger: Decimal

    @property
    def agrees(self) -> bool:
        """True when the book equals the shelf."""
        return self.ledger == self.physical


@dataclass(frozen=True, slots=True)
class Figures:
    """The day's money figures."""

    cogs: Decimal
    beginning_value: Decimal
    ending_value: Decimal
    average_value: Decimal
    revenue: Decimal | None

    @property
    def turnover(self) -> Decimal:
        """ITR = COGS ÷ average inventory value over the day."""
        if not self.average_value:
            return ZERO
        return (self.cogs / self.average_value).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


@dataclass
class Summary:
    """Everything the summary table shows, and every check that failed."""

    figures: Figures
    catches: list[Catch]
    lanes: list[LaneTruth]
    false_alarms: list[AlertLine]
    dead_letters: list[dict[str, object]]
    failures: list[str] = field(default_factory=list)
    events: dict[tuple[str, str], int] = field(default_factory=dict)
    """Events the ledger took, by (device, kind)."""

    @property
    def passed(self) -> bool:
        """True when every check held."""
        return not self.failures


def average_value(samples: Sequence[Decimal]) -> Decimal:
    """Mean of the book values sampled through the day (each step's end, opening included)."""
    if not samples:
        return ZERO
    return (sum(samples, ZERO) / len(samples)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def figures(total: CogsLine, samples: Sequence[Decimal]) -> Figures:
    """The day's figures from the COGS report's total line and the sampled book values."""
    return Figures(
        cogs=total.cogs,
        beginning_value=total.beginning_value,
        ending_value=total.ending_value,
        average_value=average_value(samples),
        revenue=total.revenue,
    )


def check(
    snapshot: Snapshot,
    *,
    injected: Sequence[Injected],
    lanes: list[LaneTruth],
    day: Figures,
    bad_scan_device: str,
) -> Summary:
    """Build the summary and list what failed: a missed fault, a false alarm, a lane off, etc."""
    caught = catches(injected, snapshot.alerts)
    summary = Summary(
        figures=day, catches=caught, lanes=lanes,
        false_alarms=unexpected(injected, snapshot.alerts), dead_letters=snapshot.dead_letters,
    )  # fmt: skip
    failures = summary.failures
    failures += [f"fault not caught: {c.fault.spec.name}" for c in caught if not c.caught]
    failures += [f"false alarm: {a.type} {a.location} {a.sku}: {a.message}"
                 for a in summary.false_alarms]  # fmt: skip
    failures += [
        f"{t.sku} at {t.location} ({t.device_id} {t.lane}): ledger {t.ledger.normalize():f}, "
        f"shelf {t.physical}"
        for t in lanes
        if not t.agrees
    ]
    stray = [d for d in snapshot.dead_letters if d.get("device_id") != bad_scan_device]
    if stray or len(snapshot.dead_letters) > 1:
        failures += [f"dead letter: {d.get('device_id')}: {d.get('reason')}"
                     for d in snapshot.dead_letters]  # fmt: skip
    return summary
