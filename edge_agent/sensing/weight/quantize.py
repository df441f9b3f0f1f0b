"""Turn a stable weight change into item counts, or say honestly that it cannot.

A change is explained by whole units of the lane's SKUs.  An explanation fits
when its residual is within ``max(fraction·unit, 3σ√2)``.  Exactly one fit is
``resolved``; two or more are ``ambiguous``; none is ``unresolved``.  The
last two carry the candidates and no count: the edge never guesses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from edge_agent.wire import WeightResolution

Counts = dict[str, int]
MAX_CANDIDATES = 4


@dataclass(frozen=True)
class Explanation:
    """Units per SKU that would explain a change, and how far off that is."""

    counts: Counts
    residual_grams: float


@dataclass(frozen=True)
class CountResult:
    """The outcome of quantizing one change."""

    resolution: WeightResolution
    counts: Counts | None
    candidates: tuple[Explanation, ...]
    confidence: float


def tolerance_grams(smallest_unit_grams: float, sigma_grams: float, fraction: float) -> float:
    """Largest residual still counted as whole units: max(fraction·unit, 3σ√2)."""
    return max(fraction * smallest_unit_grams, 3 * sigma_grams * math.sqrt(2))


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def confidence(residual_grams: float, runner_up_grams: float, sigma_delta_grams: float) -> float:
    """How sure a count is: centred between explanations, and noise unlikely to have flipped it.

    The margin is half the gap between the best and the next-best explanation's
    residual.  Confidence = margin/(margin+|r|) · Φ(margin/σΔ).
    """
    r = abs(residual_grams)
    margin = max(0.0, (abs(runner_up_grams) - r) / 2)
    if margin == 0:
        return 0.0
    return (margin / (margin + r)) * _normal_cdf(margin / max(sigma_delta_grams, 1e-9))


def _explanations(
    delta_grams: float, units: Mapping[str, float], max_items: int
) -> list[Explanation]:
    """Explanations worth considering, best residual first (mixed lanes: a bounded search)."""
    if len(units) == 1:
        ((sku, unit),) = units.items()
        nearest = round(delta_grams / unit)
        found = [
            Explanation({sku: n} if n else {}, delta_grams - n * unit)
            for n in (nearest - 1, nearest, nearest + 1)
        ]
    else:
        found = _mixed_explanations(delta_grams, units, max_items)
    return sorted(found, key=lambda e: (abs(e.residual_grams), _items(e.counts)))


def _mixed_explanations(
    delta_grams: float, units: Mapping[str, float], max_items: int
) -> list[Explanation]:
    """Bounded search: all picks or all placements, at most ``max_items`` units in total.

    Combinations heavier than the change by more than the largest unit are cut
    off early (adding units only makes them heavier), so the search stays small.
    """
    sign = 1 if delta_grams >= 0 else -1
    ceiling = abs(delta_grams) + max(units.values())
    skus = list(units)
    found: list[Explanation] = []

    def walk(index: int, budget: int, grams: float, counts: Counts) -> None:
        if index == len(skus):
            found.append(Explanation(dict(counts), delta_grams - sign * grams))
            return
        sku, unit = skus[index], units[skus[index]]
        for n in range(budget + 1):
            if grams + n * unit > ceiling:
                break
            if n:
                counts[sku] = sign * n
            walk(index + 1, budget - n, grams + n * unit, counts)
        counts.pop(sku, None)

    walk(0, max_items, 0.0, {})
    return found


def _items(counts: Counts) -> int:
    return sum(abs(n) for n in counts.values())


def quantize_change(
    delta_grams: float,
    units: Mapping[str, float],
    *,
    sigma_grams: float,
    sigma_delta_grams: float,
    fraction: float,
    max_items: int,
) -> CountResult | None:
    """Count the units behind ``delta_grams``; None when it is no change at all."""
    ranked = _explanations(delta_grams, units, max_items)
    tol = tolerance_grams(min(units.values()), sigma_grams, fraction)
    fits = [e for e in ranked if abs(e.residual_grams) <= tol and _items(e.counts) <= max_items]
    if len(fits) == 1 and not fits[0].counts:
        return None  # lift-and-return, or drift inside the tolerance
    best = ranked[0]
    runner_up = ranked[1].residual_grams if len(ranked) > 1 else math.inf
    score = confidence(best.residual_grams, runner_up, sigma_delta_grams)
    if len(fits) == 1:
        return CountResult(WeightResolution.RESOLVED, fits[0].counts, (fits[0],), score)
    kind = WeightResolution.AMBIGUOUS if fits else WeightResolution.UNRESOLVED
    shown = tuple(fits[:MAX_CANDIDATES]) if fits else tuple(ranked[:2])
    return CountResult(kind, None, shown, min(score, 0.5))
