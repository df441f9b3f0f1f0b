"""Per device and epoch: how far events were handled without a hole, and which seqs are missing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SeqProgress:
    """Highest seq handled contiguously from 1, the highest seen, and the open gaps."""

    contiguous_seq: int
    highest_seq: int
    gaps: tuple[tuple[int, int], ...]
    """Inclusive ranges of seqs not yet handled, between contiguous_seq and highest_seq."""


def advance(contiguous_seq: int, handled: Iterable[int]) -> SeqProgress:
    """Progress after ``handled`` seqs, starting from a known contiguous seq (0 for none)."""
    above = sorted({seq for seq in handled if seq > contiguous_seq})
    contiguous = contiguous_seq
    index = 0
    while index < len(above) and above[index] == contiguous + 1:
        contiguous += 1
        index += 1
    rest = above[index:]
    gaps: list[tuple[int, int]] = []
    previous = contiguous
    for seq in rest:
        if seq > previous + 1:
            gaps.append((previous + 1, seq - 1))
        previous = seq
    highest = rest[-1] if rest else contiguous
    return SeqProgress(contiguous, highest, tuple(gaps))
