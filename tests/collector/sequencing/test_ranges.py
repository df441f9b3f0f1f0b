"""Seq ranges: insertion merges neighbours, contiguous progress absorbs touching ranges."""

from __future__ import annotations

from collector.sequencing.ranges import absorb, add_seq, complement


def test_add_seq_merges_neighbours_in_any_order() -> None:
    ranges: list[tuple[int, int]] = []
    for seq in (10, 12, 5, 11, 6, 20, 4, 12):
        add_seq(ranges, seq)
    assert ranges == [(4, 6), (10, 12), (20, 20)]


def test_absorb_advances_over_touching_ranges_only() -> None:
    ranges = [(4, 6), (10, 12)]
    assert absorb(3, ranges) == 6
    assert ranges == [(10, 12)]
    assert absorb(8, ranges) == 8


def test_complement_of_holes() -> None:
    assert complement(11, 20, [(11, 12), (15, 15)]) == [(13, 14), (16, 20)]
    assert complement(1, 5, []) == [(1, 5)]
    assert complement(1, 5, [(1, 5)]) == []
