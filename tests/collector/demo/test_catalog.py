"""The demo catalogue agrees with the demo device files it drives."""

from __future__ import annotations

from pathlib import Path

import pytest
from biip.gtin import Gtin

from collector.demo.catalog import BY_SKU, OPENING_COUNTS, UNKNOWN_GTIN, items_csv
from collector.ledger.catalog import parse_items_csv
from edge_agent.config.devices import ScannerStationDevice, ShelfDevice
from edge_agent.config.loader import load_config

DEMO = Path(__file__).parents[3] / "firmware_configs" / "demo"


def test_the_catalogue_csv_imports() -> None:
    rows = parse_items_csv(items_csv())
    assert {row.sku for row in rows} == set(BY_SKU)


@pytest.mark.parametrize("name", ["shelf-1.yaml", "shelf-2.yaml"])
def test_every_shelf_lane_sku_is_in_the_catalogue_with_its_unit_weight(name: str) -> None:
    device = load_config(DEMO / name).device
    assert isinstance(device, ShelfDevice)
    for lane in device.lanes:
        for sku, grams in lane.unit_weights().items():
            assert sku in BY_SKU
            assert BY_SKU[sku].unit_grams == grams


def test_the_receiving_scanner_maps_each_gtin_to_the_item_that_carries_it() -> None:
    device = load_config(DEMO / "receiving-1.yaml").device
    assert isinstance(device, ScannerStationDevice)
    for gtin, sku in device.sku_by_gtin.items():
        assert BY_SKU[sku].gtin == gtin


def test_the_mislabelled_gtin_is_valid_but_carried_by_no_item() -> None:
    assert Gtin.parse(UNKNOWN_GTIN).value == UNKNOWN_GTIN  # check digit right: not a bad scan
    assert all(item.gtin != UNKNOWN_GTIN for item in BY_SKU.values())


def test_opening_counts_name_single_sku_lanes_of_the_demo_shelves() -> None:
    lanes: dict[tuple[str, str], str | None] = {}
    for name in ("shelf-1.yaml", "shelf-2.yaml"):
        device = load_config(DEMO / name).device
        assert isinstance(device, ShelfDevice)
        lanes |= {(device.id, lane.lane): lane.sku for lane in device.lanes}
    for key in OPENING_COUNTS:
        assert lanes[key] is not None, f"{key} is a mixed lane"
