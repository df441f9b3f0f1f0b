"""Lane and pipeline settings: every mistake named, unknown keys refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings

CAL = {"zero_raw_counts": 0, "counts_per_gram": 430.0}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lane": "a", "calibration": CAL}, "lane a: no unit weight"),
        ({"lane": "a", "sku": "X", "calibration": CAL}, "sku X has no unit_grams"),
        (
            {
                "lane": "a",
                "unit_grams": 5,
                "mixed_skus": [{"sku": "X", "unit_grams": 1}, {"sku": "Y", "unit_grams": 9}],
                "calibration": CAL,
            },
            "not both",
        ),
        (
            {
                "lane": "a",
                "mixed_skus": [{"sku": "X", "unit_grams": 100}, {"sku": "Y", "unit_grams": 105}],
                "calibration": CAL,
            },
            "differ by more than 10 %",
        ),
        (
            {"lane": "a", "mixed_skus": [{"sku": "X", "unit_grams": 100}], "calibration": CAL},
            "at least two SKUs",
        ),
        (
            {"lane": "a", "sku": "X", "unit_grams": 5, "calibration": CAL, "colour": "red"},
            "Extra inputs are not permitted",
        ),
    ],
)
def test_bad_lane_settings_say_what_is_wrong(fields, message):
    with pytest.raises(ValidationError, match=message):
        LaneSettings.model_validate(fields)


def test_unit_weights_by_sku():
    lane = LaneSettings(lane="a", sku="X", unit_grams=12.5, calibration=CAL)
    assert lane.unit_weights() == {"X": 12.5}


def test_median_window_must_be_odd():
    with pytest.raises(ValidationError, match="odd"):
        WeightPipelineSettings(median_window_samples=4)


def test_stable_window_in_samples_follows_the_rate():
    assert (
        WeightPipelineSettings(sample_rate_hz=80, stable_window_s=0.5).stable_window_samples == 40
    )
    assert WeightPipelineSettings(sample_rate_hz=1, stable_window_s=1).stable_window_samples == 3


def test_every_setting_is_described():
    for model in (LaneSettings, WeightPipelineSettings):
        schema = model.model_json_schema()
        missing = [k for k, v in schema["properties"].items() if "description" not in v]
        assert missing == [], f"{model.__name__}: {missing}"
