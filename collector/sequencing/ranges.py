"""Sorted, merged, inclusive seq ranges: what was released above a stream's hole."""

from __future__ import annotations

import bisect

Range = tuple[int, int]


def add_seq(ranges: list[Range], seq: int) -> None:
    """Insert ``seq``, merging with its neighbours; the common case (append) is O(1)."""
    if ranges and ranges[-1][0] <= seq <= ranges[-1][1] + 1:
        low, high = ranges[-1]
        ranges[-1] = (low, max(high, seq))
        return
    index = bisect.bisect_left(ranges, (seq, seq))
    if index > 0 and ranges[index - 1][1] >= seq - 1:
        index -= 1
        low, high = ranges[index][0], max(ranges[index][1], seq)
    else:
        low, high = seq, seq
    end = index
    while end < len(ranges) and ranges[end][0] <= high + 1:
        high = max(high, ranges[end][1])
        end += 1
    ranges[index:end] = [(low, high)]


def absorb(contiguous: int, ranges: list[Range]) -> int:
    """Advance ``contiguous`` over ranges that now touch it, dropping what it covers."""
    while ranges and ranges[0][0] <= contiguous + 1:
        contiguous = max(contiguous, ranges.pop(0)[1])
    return contiguous


def complement(low: int, high: int, holes: list[Range]) -> list[Range]:
    """The parts of ``[low, high]`` outside ``holes`` (sorted ranges)."""
    result: list[Range] = []
    start = low
    for hole_low, hole_high in holes:
        if hole_low > start:
            result.append((start, min(hole_low - 1, high)))
        start = max(start, hole_high + 1)
    if start <= high:
        result.append((start, high))
    return [(a, b) for a, b in result if a <= b]
