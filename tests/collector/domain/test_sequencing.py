"""Contiguous seq and gaps per device and epoch."""

from __future__ import annotations

from collector.domain.sequencing import advance


def test_contiguous_run_from_one():
    assert advance(0, [1, 2, 3]).contiguous_seq == 3


def test_gap_stops_the_contiguous_seq_and_is_reported():
    progress = advance(0, [1, 2, 5, 6, 9])
    assert progress.contiguous_seq == 2
    assert progress.gaps == ((3, 4), (7, 8))
    assert progress.highest_seq == 9


def test_filling_a_gap_advances_past_what_was_handled_beyond_it():
    assert advance(2, [3, 4, 5, 6, 9]).contiguous_seq == 6


def test_seqs_at_or_below_the_known_point_are_ignored():
    progress = advance(10, [3, 10])
    assert (progress.contiguous_seq, progress.gaps, progress.highest_seq) == (10, (), 10)


def test_nothing_handled_keeps_the_point():
    assert advance(4, []).contiguous_seq == 4
