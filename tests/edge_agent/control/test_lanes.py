"""Lane commands on live pipelines: tare and calibration move the line, refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edge_agent.control.handler import CommandRefusedError
from edge_agent.control.lanes import ShelfLaneControl, known_weight_line, tared_line
from edge_agent.sensing.weight.calibration import LinearCalibration
from tests.edge_agent.control.conftest import (
    COUNTS_PER_GRAM,
    ZERO_RAW,
    FakeShelf,
    FakeStore,
    settle,
)

NOW = datetime(2026, 11, 25, 14, 5, 1, tzinfo=UTC)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def control(shelf: FakeShelf, store: FakeStore) -> ShelfLaneControl:
    return ShelfLaneControl(
        device_id="shelf-1", shelf=shelf, store=store, overrides={}, now=lambda: NOW
    )


def test_tared_line_moves_the_zero_by_the_grams_removed() -> None:
    line = tared_line(LinearCalibration(1000, 400), 50)
    assert line.zero_raw_counts == 21_000
    assert line.grams(21_000) == 0


def test_known_weight_line_passes_through_zero_and_the_load() -> None:
    line = known_weight_line(1000, 1000 + 420 * 500, 500)
    assert line.counts_per_gram == pytest.approx(420)
    assert line.grams(1000) == pytest.approx(0)


def test_a_load_that_barely_shows_is_refused() -> None:
    with pytest.raises(CommandRefusedError, match="put the known weight on the lane"):
        known_weight_line(1000, 1050, 500)


def test_tare_makes_the_settled_load_zero_and_saves_it(
    control: ShelfLaneControl, shelf: FakeShelf, store: FakeStore
) -> None:
    t_s = settle(shelf, "lane-1", ZERO_RAW + round(COUNTS_PER_GRAM * 50))  # 50 g of tray
    result = control.tare("lane-1")
    assert result["removed_grams"] == pytest.approx(50, abs=0.1)
    assert result["calibration_id"] == "tare-20261125T140501Z"
    saved = store.saved[-1]["lane-1"].calibration
    assert saved is not None
    assert saved.zero_raw_counts == pytest.approx(21_000, abs=40)
    settle(shelf, "lane-1", ZERO_RAW + round(COUNTS_PER_GRAM * 50), start_s=t_s)
    assert shelf.pipeline.lane("lane-1").reference_grams == pytest.approx(0, abs=0.1)
    assert control.calibration_ids() == {"lane-1": "tare-20261125T140501Z"}


def test_calibrate_fits_the_cells_real_slope(
    control: ShelfLaneControl, shelf: FakeShelf, store: FakeStore
) -> None:
    loaded = ZERO_RAW + 420 * 500  # the cell really gives 420 counts/g
    t_s = settle(shelf, "lane-1", loaded)
    result = control.calibrate("lane-1", 500)
    assert result["read_before_grams"] == pytest.approx(525, abs=0.5)
    assert result["counts_per_gram"] == pytest.approx(420, rel=1e-3)
    settle(shelf, "lane-1", loaded, start_s=t_s)
    assert shelf.pipeline.lane("lane-1").reference_grams == pytest.approx(500, abs=0.5)
    assert store.saved[-1]["lane-1"].calibration is not None


def test_an_unsettled_lane_is_refused_and_nothing_is_saved(
    control: ShelfLaneControl, store: FakeStore
) -> None:
    with pytest.raises(CommandRefusedError, match="not stable"):
        control.tare("lane-1")
    with pytest.raises(CommandRefusedError, match="not stable"):
        control.calibrate("lane-1", 500)
    assert store.saved == []


def test_an_unknown_lane_is_refused_listing_the_lanes(control: ShelfLaneControl) -> None:
    with pytest.raises(CommandRefusedError, match=r"unknown lane 'lane-9'.*lane-1, lane-2"):
        control.tare("lane-9")


def test_a_failed_save_leaves_the_lane_as_it_was(
    control: ShelfLaneControl, shelf: FakeShelf, store: FakeStore
) -> None:
    settle(shelf, "lane-1", ZERO_RAW + round(COUNTS_PER_GRAM * 50))
    store.fail = True
    with pytest.raises(CommandRefusedError, match="nothing changed"):
        control.tare("lane-1")
    lane = shelf.pipeline.lane("lane-1")
    assert lane.lane.calibration.zero_raw_counts == ZERO_RAW
    assert lane.reference_grams == pytest.approx(50, abs=0.1)


def test_set_lane_gives_the_lane_a_new_sku_and_unit(
    control: ShelfLaneControl, shelf: FakeShelf, store: FakeStore
) -> None:
    control.set_lane("lane-2", "SOAP-95", 95.0)
    lane = shelf.pipeline.lane("lane-2").lane
    assert (lane.sku, lane.unit_grams) == ("SOAP-95", 95.0)
    override = store.saved[-1]["lane-2"]
    assert (override.sku, override.unit_grams) == ("SOAP-95", 95.0)


def test_later_changes_keep_earlier_ones_of_the_same_lane(
    control: ShelfLaneControl, shelf: FakeShelf, store: FakeStore
) -> None:
    control.set_lane("lane-1", "SOAP-95", 95.0)
    settle(shelf, "lane-1", ZERO_RAW + round(COUNTS_PER_GRAM * 20))
    control.tare("lane-1")
    override = store.saved[-1]["lane-1"]
    assert override.sku == "SOAP-95"
    assert override.calibration is not None
