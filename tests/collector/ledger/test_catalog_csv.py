"""The item CSV parser: every bad file is a ``CatalogError`` naming the line."""

from __future__ import annotations

import pytest

from collector.ledger.catalog import CatalogError, parse_items_csv


def test_windows_line_ends_import() -> None:
    rows = parse_items_csv("sku,name\r\nA-1,Apples\r\nB-2,Bread\r\n")
    assert [(r.sku, r.name) for r in rows] == [("A-1", "Apples"), ("B-2", "Bread")]


def test_a_file_the_csv_module_cannot_read_is_a_catalog_error_with_its_line() -> None:
    huge = "x" * 200_000  # past the csv module's field size limit
    with pytest.raises(CatalogError) as caught:
        parse_items_csv(f"sku,name\nA-1,Apples\nB-2,{huge}\n")
    assert "line 3: not readable as CSV: field larger than field limit" in str(caught.value)


def test_sold_by_weight_is_an_optional_yes_no_column() -> None:
    rows = parse_items_csv("sku,name,sold_by_weight\nCHEESE,Cheese,yes\nTEA,Tea,\n")
    assert [(r.sku, r.sold_by_weight) for r in rows] == [("CHEESE", True), ("TEA", False)]
    with pytest.raises(CatalogError, match="line 2"):
        parse_items_csv("sku,name,sold_by_weight\nCHEESE,Cheese,kilo\n")
