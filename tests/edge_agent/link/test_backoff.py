"""Reconnect backoff: exponential ceiling from 1 s to 60 s, jitter inside it, reset on success."""

from __future__ import annotations

import random

import pytest

from edge_agent.link.backoff import Backoff


class ExtremeRandom(random.Random):
    """Draws the top (or bottom) of every range, to read the ceilings off exactly."""

    def __init__(self, top: bool) -> None:
        super().__init__()
        self.top = top

    def uniform(self, a: float, b: float) -> float:
        return b if self.top else a


def test_ceiling_doubles_from_one_second_up_to_sixty() -> None:
    backoff = Backoff(rng=ExtremeRandom(top=True))
    delays = [backoff.next_delay_s() for _ in range(9)]
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60, 60]


def test_never_waits_less_than_the_floor() -> None:
    backoff = Backoff(rng=ExtremeRandom(top=False))
    assert {backoff.next_delay_s() for _ in range(10)} == {1.0}


def test_delays_are_jittered_within_bounds() -> None:
    backoff = Backoff(rng=random.Random(42))
    delays = [backoff.next_delay_s() for _ in range(50)]
    assert all(1.0 <= d <= 60.0 for d in delays)
    assert len({round(d, 6) for d in delays}) == 50  # no two agents' schedules line up


def test_many_agents_spread_their_reconnects() -> None:
    firsts = sorted(Backoff(rng=random.Random(seed)).next_delay_s() for seed in range(500))
    thirds = []
    for seed in range(500):
        b = Backoff(rng=random.Random(seed))
        thirds.append(sum(b.next_delay_s() for _ in range(3)))
    assert firsts[-1] - firsts[0] > 0.9  # even the first retry is spread across ~1 s
    assert max(thirds) - min(thirds) > 8


def test_success_resets_to_the_floor() -> None:
    backoff = Backoff(rng=ExtremeRandom(top=True))
    for _ in range(6):
        backoff.next_delay_s()
    backoff.reset()
    assert backoff.attempt == 0
    assert backoff.next_delay_s() == 2


def test_huge_attempt_counts_do_not_overflow() -> None:
    assert Backoff().ceiling_s(10_000) == 60


@pytest.mark.parametrize(("lo", "hi"), [(0, 60), (5, 1)])
def test_rejects_nonsense_bounds(lo: float, hi: float) -> None:
    with pytest.raises(ValueError, match="reconnect delays"):
        Backoff(min_delay_s=lo, max_delay_s=hi)
