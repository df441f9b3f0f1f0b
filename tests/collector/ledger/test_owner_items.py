"""Items per owner (docs/owner-items.md): two clients' SKU-1 are two items, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.domain.item_codes import CodeKind
from collector.errors import RejectedEventError
from collector.ingest.ports import Disposition
from collector.ledger.catalog import ItemConflictError, ItemRow, update_item
from collector.ledger.item_codes import client_codes, create_owner_item, resolve
from collector.ledger.schema import balances, dead_letters, items
from collector.reconcile.runtime.state import item_by_code
from tests.collector.ledger.messages import tx_message

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def owner_item(engine: sa.Engine, owner: str, code: str, gtin: str | None = None) -> str:
    row = ItemRow(sku=code, name=f"{owner} {code}", gtin=gtin)
    return create_owner_item(engine, owner, row, now=NOW)


def owners_balances(engine: sa.Engine) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    b = balances.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(b.sku, b.owner, b.qty, b.value)).all()
    return {(r.sku, r.owner): (r.qty, r.value) for r in rows}


def test_an_owner_item_gets_a_namespaced_sku_and_its_owner(engine):
    assert owner_item(engine, "acme", "SKU-1") == "acme:SKU-1"
    with engine.connect() as conn:
        owner = conn.execute(sa.select(items.c.owner).where(items.c.sku == "acme:SKU-1"))
        assert owner.scalar_one() == "acme"
        assert client_codes(conn, ["acme:SKU-1", "SKU-1"]) == {"acme:SKU-1": ("acme", "SKU-1")}


def test_the_same_code_twice_for_one_owner_is_a_conflict(engine):
    owner_item(engine, "acme", "SKU-1")
    with pytest.raises(ItemConflictError, match="exists already"):
        owner_item(engine, "acme", "SKU-1")


def test_a_gtin_an_owner_uses_already_is_a_conflict(engine):
    owner_item(engine, "acme", "A", gtin="4006381333931")
    with pytest.raises(ItemConflictError, match="is item acme:A already"):
        owner_item(engine, "acme", "B", gtin="4006381333931")


def test_two_clients_sku_1_receive_and_sell_independently(ingestor, engine):
    owner_item(engine, "acme", "SKU-1")
    owner_item(engine, "bravo", "SKU-1")
    outcome = ingestor.ingest(
        [
            tx_message(1, qty=10, owner="acme", unit_cost="2.00"),
            tx_message(2, qty=5, owner="bravo", unit_cost="7.00"),
            tx_message(3, qty=3, unit_cost="1.00"),  # the warehouse's own: the shared SKU-1
            tx_message(4, "sale", 4, owner="acme"),
            tx_message(5, "sale", 1, owner="bravo"),
        ]
    )
    assert {o.disposition for o in outcome.outcomes} == {Disposition.APPLIED}
    assert owners_balances(engine) == {
        ("acme:SKU-1", "acme"): (6, Decimal("12.00")),
        ("bravo:SKU-1", "bravo"): (4, Decimal("28.00")),
        ("SKU-1", "own"): (3, Decimal("3.00")),
    }


def test_a_code_only_clients_use_is_refused_without_their_owner(ingestor, engine):
    owner_item(engine, "acme", "CL-9")
    owner_item(engine, "bravo", "CL-9")
    outcome = ingestor.ingest([tx_message(1, qty=1, sku="CL-9")])
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    with engine.connect() as conn:
        reason = conn.execute(sa.select(dead_letters.c.reason)).scalar_one()
    assert "client code of owner(s) acme, bravo" in reason
    assert owners_balances(engine) == {}


def test_stock_of_an_owner_item_for_another_owner_is_refused(ingestor, engine):
    owner_item(engine, "acme", "SKU-1")
    outcome = ingestor.ingest([tx_message(1, qty=1, sku="acme:SKU-1", owner="bravo")])
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    assert "belongs to acme, not bravo" in (outcome.outcomes[0].reason or "")


def test_a_gtin_two_owners_use_resolves_per_owner(engine):
    owner_item(engine, "acme", "A-1", gtin="4006381333931")
    owner_item(engine, "bravo", "B-7", gtin="04006381333931")
    with engine.connect() as conn:
        assert resolve(conn, "acme", CodeKind.GTIN, "4006381333931") == "acme:A-1"
        assert resolve(conn, "bravo", CodeKind.GTIN, "4006381333931") == "bravo:B-7"
        with pytest.raises(RejectedEventError, match="acme, bravo"):
            resolve(conn, "own", CodeKind.GTIN, "4006381333931")


def test_a_scan_at_a_station_bound_to_an_owner_finds_its_item(engine):
    owner_item(engine, "acme", "A-1", gtin="4006381333931")
    with engine.begin() as conn:
        conn.execute(items.update().where(items.c.sku == "SKU-2").values(gtin="4006381333931"))
        mine = item_by_code(conn, None, "4006381333931", owner="acme")
        shared = item_by_code(conn, None, "4006381333931")  # a station of the warehouse's own
    assert mine is not None
    assert (mine.sku, mine.unit_cost) == ("acme:A-1", None)
    assert shared is not None
    assert shared.sku == "SKU-2"


def test_changing_an_owner_items_gtin_moves_its_code(engine):
    sku = owner_item(engine, "acme", "A-1", gtin="4006381333931")
    update_item(engine, sku, {"gtin": "96385074"}, now=NOW)
    with engine.connect() as conn:
        assert resolve(conn, "acme", CodeKind.GTIN, "96385074") == sku
        assert resolve(conn, "acme", CodeKind.GTIN, "4006381333931") is None
