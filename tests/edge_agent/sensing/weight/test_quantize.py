"""Quantizing a stable change into units: resolved, unresolved, ambiguous, nothing."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.sensing.weight.quantize import confidence, quantize_change, tolerance_grams
from edge_agent.wire import WeightResolution

QUIET = {"sigma_grams": 0.5, "sigma_delta_grams": 0.2, "fraction": 0.25, "max_items": 10}


def test_tolerance_is_a_quarter_unit_or_three_sigma_root_two():
    assert tolerance_grams(100.0, 0.5, 0.25) == 25.0
    assert tolerance_grams(10.0, 2.0, 0.25) == pytest.approx(3 * 2.0 * math.sqrt(2))


@pytest.mark.parametrize(("delta", "count"), [(-302.0, -3), (99.0, 1), (-500.0, -5), (1020.0, 10)])
def test_whole_units_resolve(delta, count):
    result = quantize_change(delta, {"A": 100.0}, **QUIET)
    assert result is not None
    assert result.resolution is WeightResolution.RESOLVED
    assert result.counts == {"A": count}


def test_change_within_tolerance_of_zero_is_no_event():
    assert quantize_change(12.0, {"A": 100.0}, **QUIET) is None


@pytest.mark.parametrize("delta", [-150.0, 40.0, 265.0])
def test_between_units_is_unresolved_with_the_two_nearest(delta):
    result = quantize_change(delta, {"A": 100.0}, **QUIET)
    assert result is not None
    assert result.resolution is WeightResolution.UNRESOLVED
    assert result.counts is None
    nearest = {math.floor(delta / 100), math.ceil(delta / 100)}
    assert {c.counts.get("A", 0) for c in result.candidates} == nearest


def test_more_items_than_allowed_is_unresolved():
    result = quantize_change(-1500.0, {"A": 100.0}, **QUIET)
    assert result is not None
    assert result.resolution is WeightResolution.UNRESOLVED


def test_noise_larger_than_the_unit_makes_neighbours_ambiguous():
    noisy = {**QUIET, "sigma_grams": 5.0}
    result = quantize_change(-15.0, {"A": 20.0}, **noisy)
    assert result is not None
    assert result.resolution is WeightResolution.AMBIGUOUS
    assert {c.counts.get("A", 0) for c in result.candidates} >= {-1}


def test_mixed_lane_bounded_search_finds_the_combination():
    result = quantize_change(-(2 * 120 + 410) + 3.0, {"S": 120.0, "L": 410.0}, **QUIET)
    assert result is not None
    assert result.counts == {"S": -2, "L": -1}


def test_mixed_lane_never_mixes_picks_and_placements():
    # +290 = +410 -120 would fit, but one hand either takes or puts back.
    result = quantize_change(290.0, {"S": 120.0, "L": 410.0}, **QUIET)
    assert result is not None
    assert result.resolution is WeightResolution.UNRESOLVED


def test_mixed_lane_two_fits_are_ambiguous_and_listed():
    result = quantize_change(400.0, {"S": 100.0, "L": 200.0}, **QUIET)
    assert result is not None
    assert result.resolution is WeightResolution.AMBIGUOUS
    assert result.counts is None
    listed = [c.counts for c in result.candidates]
    assert {"L": 2} in listed
    assert {"S": 2, "L": 1} in listed


def test_confidence_is_high_when_centred_and_quiet():
    assert confidence(0.0, 100.0, 0.5) == pytest.approx(1.0)
    assert confidence(25.0, 75.0, 0.5) == pytest.approx(0.5)
    assert confidence(50.0, 50.0, 0.5) == 0.0


@given(
    residual=st.floats(-49, 49),
    sigma=st.floats(0.01, 30),
)
def test_confidence_stays_in_unit_range_and_falls_with_residual(residual, sigma):
    runner_up = 100 - abs(residual)
    score = confidence(residual, runner_up, sigma)
    assert 0.0 <= score <= 1.0
    assert confidence(abs(residual) + 1, runner_up - 1, sigma) <= score + 1e-12


@given(count=st.integers(-10, 10).filter(bool), error=st.floats(-20, 20), unit=st.floats(5, 5000))
def test_any_whole_count_within_tolerance_resolves_to_itself(count, error, unit):
    delta = count * unit + error * unit / 100  # at most a fifth of a unit off
    result = quantize_change(delta, {"A": unit}, **{**QUIET, "sigma_grams": 0.01})
    assert result is not None
    assert result.counts == {"A": count}


def test_mixed_search_stays_fast_at_its_largest_bounds():
    units = {"A": 45.0, "B": 62.0, "C": 130.0, "D": 410.0}
    start = time.perf_counter()
    result = quantize_change(3 * 45 + 2 * 130 + 410.0, units, **{**QUIET, "max_items": 50})
    assert time.perf_counter() - start < 0.5
    assert result is not None
    # Many ways make 805 g from up to 50 units: flagged with the candidates, never guessed.
    assert result.resolution is WeightResolution.AMBIGUOUS
    assert {"A": 3, "C": 2, "D": 1} in [c.counts for c in result.candidates]
