"""ReorderBuffer properties: whatever the arrival order and timing, nothing is lost or doubled."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.sequencing.reorder import ReorderBuffer, ReorderPolicy
from collector.sequencing.streams import StreamKey

KEY = StreamKey("s1", "pos-1", 1)


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(1, 40))))
def test_any_permutation_within_the_window_comes_out_sorted(arrivals: list[int]) -> None:
    buf: ReorderBuffer[int] = ReorderBuffer(ReorderPolicy(window_s=60.0, max_held=1000))
    out = [x for seq in arrivals for x in buf.offer(KEY, seq, seq, now_s=0.0)]
    assert out == sorted(arrivals)
    assert buf.held_count() == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 30), min_size=1, max_size=60),
    st.lists(st.floats(0.0, 1.5), min_size=60, max_size=60),
    st.integers(1, 8),
)
def test_every_arrival_is_released_exactly_once(
    arrivals: list[int], gaps_s: list[float], max_held: int
) -> None:
    """Duplicates, holes, expiries and overflow: each arrival leaves once; ties keep order."""
    buf: ReorderBuffer[tuple[int, int]] = ReorderBuffer(
        ReorderPolicy(window_s=1.0, max_held=max_held)
    )
    out: list[tuple[int, int]] = []
    now_s = 0.0
    for n, seq in enumerate(arrivals):
        now_s += gaps_s[n]
        out.extend(item for _key, items in buf.expire(now_s) for item in items)
        out.extend(buf.offer(KEY, seq, (seq, n), now_s))
    out.extend(item for _key, items in buf.expire(now_s + 1.0) for item in items)
    assert sorted(out) == sorted((seq, n) for n, seq in enumerate(arrivals))
    assert buf.held_count() == 0
    gap = buf.gap(KEY)
    assert gap is None or gap[0] not in arrivals
