"""Scans at stations bound to owners resolve the GTIN in that owner's catalogue first."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.ledger.catalog import ItemRow
from collector.ledger.engine import open_ledger
from collector.ledger.item_codes import create_owner_item
from collector.ledger.schema import balances, items
from collector.sites.bindings import SiteBindings
from edge_agent import wire
from tests.collector.reconcile.runtime.support import GTIN, Rig, active
from tests.support.clock import T0
from tests.support.services import unique_name


def bindings() -> SiteBindings:
    stations = [
        {"device_id": "recv-a", "station": "in-a", "location": "main/in-a", "owner": "client-a"},
        {"device_id": "recv-b", "station": "in-b", "location": "main/in-b", "owner": "client-b"},
        {"device_id": "recv-own", "station": "in-own", "location": "main/in-own"},
    ]
    return SiteBindings.model_validate({"site_id": unique_name("site"), "stations": stations})


@pytest.fixture
def rig(tmp_path, clock) -> Iterator[Rig]:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    for owner, code in (("client-a", "SKU-1"), ("client-b", "SKU-1")):
        sku = create_owner_item(engine, owner, ItemRow(sku=code, name=code, gtin=GTIN), now=T0)
        with engine.begin() as conn:
            conn.execute(items.update().where(items.c.sku == sku).values(last_unit_cost=2))
    rig = Rig(engine, clock, bindings())
    yield rig
    engine.dispose()


def scan(station: str) -> wire.BarcodeScanned:
    return wire.BarcodeScanned(
        station=station, mode=wire.StationMode.RECEIVE, raw=GTIN, gtin=GTIN, quantity=Decimal(3)
    )


def positions(rig: Rig) -> dict[tuple[str, str], Decimal]:
    b = balances.c
    with rig.engine.connect() as conn:
        return {(r.sku, r.owner): r.qty for r in conn.execute(sa.select(b.sku, b.owner, b.qty))}


def test_one_gtin_two_owners_each_station_receives_its_owners_item(rig: Rig) -> None:
    rig.send("recv-a", scan("in-a"))
    rig.send("recv-b", scan("in-b"))
    assert positions(rig) == {
        ("client-a:SKU-1", "client-a"): Decimal(3),
        ("client-b:SKU-1", "client-b"): Decimal(3),
    }


def test_a_station_of_no_owner_raises_an_alert_saying_the_code_is_ambiguous(rig: Rig) -> None:
    rig.send("recv-own", scan("in-own"))
    alert = active(rig.engine, rig.bindings.site_id)["unknown_code"]
    assert "client code of owner(s) client-a, client-b" in alert.message
    assert positions(rig) == {}
