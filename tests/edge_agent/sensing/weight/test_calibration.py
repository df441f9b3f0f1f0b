"""Raw counts to grams: least-squares lines through known loads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from edge_agent.sensing.weight.calibration import (
    LinearCalibration,
    calibration_from_settings,
    fit_calibration,
    worst_residual_grams,
)
from edge_agent.sensing.weight.settings import CalibrationPoint, LaneCalibration


def points(*pairs: tuple[int, float]) -> list[CalibrationPoint]:
    return [CalibrationPoint(raw_counts=r, grams=g) for r, g in pairs]


def test_two_points_give_the_exact_line():
    cal = fit_calibration(points((-50_000, 0.0), (380_000, 1000.0)))
    assert cal.counts_per_gram == pytest.approx(430.0)
    assert cal.zero_raw_counts == pytest.approx(-50_000)
    assert cal.grams(165_000) == pytest.approx(500.0)


def test_many_points_are_fitted_by_least_squares():
    known = points((1_000, 0.0), (44_200, 100.0), (86_000, 200.0), (431_400, 1000.0))
    cal = fit_calibration(known)
    assert cal.counts_per_gram == pytest.approx(430.3, abs=0.5)
    assert worst_residual_grams(cal, known) < 3.0


def test_an_inverted_cell_has_a_negative_slope():
    cal = fit_calibration(points((0, 0.0), (-43_000, 100.0)))
    assert cal.grams(-21_500) == pytest.approx(50.0)


def test_one_known_load_is_not_enough():
    with pytest.raises(ValueError, match="two different known loads"):
        fit_calibration(points((0, 100.0), (10, 100.0)))


def test_settings_round_trip():
    cal = LinearCalibration(zero_raw_counts=-1234.4, counts_per_gram=421.5)
    back = calibration_from_settings(cal.to_settings("cal-7"))
    assert back == LinearCalibration(-1234.0, 421.5)


def test_settings_with_points_are_fitted():
    settings = LaneCalibration(points=points((0, 0.0), (4300, 10.0)))
    assert calibration_from_settings(settings).counts_per_gram == pytest.approx(430.0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "at least two known loads"),
        ({"zero_raw_counts": 5}, "go together"),
        ({"zero_raw_counts": 5, "counts_per_gram": 0}, "go together"),
        (
            {
                "zero_raw_counts": 5,
                "counts_per_gram": 1.0,
                "points": [{"raw_counts": 1, "grams": 0}],
            },
            "not both",
        ),
        ({"points": [{"raw_counts": 1, "grams": 0}, {"raw_counts": 1, "grams": 5}]}, "different"),
    ],
)
def test_bad_calibration_settings_say_why(fields, message):
    with pytest.raises(ValidationError, match=message):
        LaneCalibration.model_validate(fields)
