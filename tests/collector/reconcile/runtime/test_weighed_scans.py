"""Variable-measure labels (GS1 AI 310n) scanned at a receiving station, as scanners send them
(AIM identifier, FNC1 as GS), through the edge station and the real ingestor: an item sold by
weight books the label's kilograms, exactly; any other item books one unit per label."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from collector.ledger.engine import open_ledger
from edge_agent.sensing.barcode.station import Station, StationRules
from edge_agent.wire import BarcodeScanned
from tests.collector.reconcile.runtime.support import Rig, add_item, on_hand, site_bindings
from tests.support.services import unique_name

D = Decimal
CHEESE = "97350053850012"  # a variable-measure GTIN-14 (indicator digit 9)
GOODS_IN = "main/goods-in"


@pytest.fixture
def rig(tmp_path, clock) -> Iterator[Rig]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_item(engine, "TEA")
    yield Rig(engine, clock, site_bindings(unique_name("site"), "TEA"))
    engine.dispose()


def scanned(*lines: bytes) -> list[BarcodeScanned]:
    station = Station(StationRules(station="inbound-1"))
    events = [event.data for line in lines for event in station.scan(1.0, line)]
    assert all(isinstance(e, BarcodeScanned) and e.rejected_reason is None for e in events)
    return events  # type: ignore[return-value]


def test_weight_labels_of_an_item_sold_by_weight_book_their_kilograms(rig: Rig) -> None:
    add_item(rig.engine, "CHEESE", gtin=CHEESE, sold_by_weight=True)
    for data in scanned(
        b"]C101" + CHEESE.encode() + b"\x1d3103001250",  # 1.250 kg
        b"]C1\x1d01" + CHEESE.encode() + b"3102000085\x1d10L42",  # 0.85 kg, then a lot
    ):
        rig.send("recv-1", data)
    assert on_hand(rig.engine, "CHEESE", GOODS_IN) == D("2.1")


def test_a_quantity_barcode_multiplies_the_label_weight(rig: Rig) -> None:
    add_item(rig.engine, "CHEESE", gtin=CHEESE, sold_by_weight=True)
    for data in scanned(b"QTY:3", b"]C101" + CHEESE.encode() + b"3105012345"):  # 0.12345 kg
        rig.send("recv-1", data)
    assert on_hand(rig.engine, "CHEESE", GOODS_IN) == D("0.37035")


def test_an_item_not_sold_by_weight_counts_units_whatever_its_label_weighs(rig: Rig) -> None:
    add_item(rig.engine, "CHEESE", gtin=CHEESE)
    (data,) = scanned(b"]C101" + CHEESE.encode() + b"\x1d3103001250")
    rig.send("recv-1", data)
    assert on_hand(rig.engine, "CHEESE", GOODS_IN) == D(1)
