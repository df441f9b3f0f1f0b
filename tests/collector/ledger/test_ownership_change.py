"""A change of ownership in place is one transaction (docs/owner-items.md), on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.domain.report import Grouping
from collector.errors import LedgerError
from collector.ingest.ports import Disposition
from collector.ledger import session as session_module
from collector.ledger.catalog import ItemRow
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.item_codes import create_owner_item
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.schema import balances, items, lot_stock, movements
from collector.ledger.session import SessionOptions
from collector.views.reports import ReportQuery, period_report
from collector.views.scope import Scope
from tests.collector.ledger.messages import T0, tx_message


def positions(engine: sa.Engine) -> dict[str, tuple[Decimal, Decimal]]:
    b = balances.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(b.owner, b.qty, b.value).where(b.sku == "SKU-1")).all()
    return {r.owner: (r.qty, r.value) for r in rows}


def lines(engine: sa.Engine) -> list[tuple]:
    m = movements.c
    with engine.connect() as conn:
        query = sa.select(m.event_id, m.type, m.owner, m.qty, m.value).order_by(m.id)
        return [tuple(r) for r in conn.execute(query.where(m.type != "receipt"))]


@pytest.fixture
def strict(engine: sa.Engine, clock) -> SqlIngestor:
    """An ingestor that refuses what is short of stock at once (no parking)."""
    return SqlIngestor(engine, clock=clock, options=SessionOptions(park_timeout_s=0))


def test_a_client_selling_to_another_moves_the_stock_at_cost_in_one_event(strict, engine):
    strict.ingest([tx_message(1, qty=10, owner="acme", unit_cost="2.00")])
    outcome = strict.ingest([tx_message(2, "ownership_change", 4, owner="acme", to_owner="bravo")])
    assert outcome.outcomes[0].disposition is Disposition.APPLIED
    assert positions(engine) == {
        "acme": (6, Decimal("12.00")),
        "bravo": (4, Decimal("8.00")),
    }
    (out_event, *out), (in_event, *in_) = lines(engine)
    assert out_event == in_event == outcome.outcomes[0].event_id
    assert out == ["ownership", "acme", -4, Decimal("-8.00")]
    assert in_ == ["ownership", "bravo", 4, Decimal("8.00")]


def test_fifo_layers_keep_their_costs_across_the_change(strict, engine):
    strict.ingest(
        [
            tx_message(1, qty=2, owner="acme", unit_cost="1.00"),
            tx_message(2, qty=2, owner="acme", unit_cost="3.00"),
            tx_message(3, "ownership_change", 3, owner="acme", to_owner="bravo"),
            tx_message(4, "sale", 1, owner="bravo"),
        ]
    )
    # bravo got 2 at 1.00 and 1 at 3.00 and sold the oldest first
    assert positions(engine) == {"acme": (1, Decimal("3.00")), "bravo": (2, Decimal("4.00"))}


def test_more_than_the_seller_holds_leaves_nothing(strict, engine):
    strict.ingest([tx_message(1, qty=2, owner="acme")])
    outcome = strict.ingest([tx_message(2, "ownership_change", 3, owner="acme", to_owner="bravo")])
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    assert lines(engine) == []
    assert positions(engine) == {"acme": (2, Decimal("4.00"))}


def test_a_database_failure_while_writing_leaves_neither_side(strict, engine, monkeypatch):
    strict.ingest([tx_message(1, qty=5, owner="acme")])

    def fail(*_args, **_kwargs):
        raise sa.exc.OperationalError("write_days", {}, Exception("disk full"))

    monkeypatch.setattr(session_module, "write_days", fail)  # after the journal was written
    with pytest.raises(LedgerError):
        strict.ingest([tx_message(2, "ownership_change", 5, owner="acme", to_owner="bravo")])
    assert lines(engine) == []
    assert positions(engine) == {"acme": (5, Decimal("10.00"))}


def test_the_warehouse_buying_at_a_price_is_a_purchase_for_it(strict, engine):
    strict.ingest([tx_message(1, qty=5, owner="acme", unit_cost="2.00")])
    outcome = strict.ingest(
        [tx_message(2, "ownership_change", 5, owner="acme", to_owner="own", unit_price="3.00")]
    )
    assert outcome.outcomes[0].disposition is Disposition.APPLIED
    assert positions(engine) == {"acme": (0, 0), "own": (5, Decimal("15.00"))}
    m = movements.c
    with engine.connect() as conn:
        bought = conn.execute(sa.select(m.type, m.unit_cost).where(m.owner == "own")).one()
        cost = conn.execute(sa.select(items.c.last_unit_cost).where(items.c.sku == "SKU-1"))
        assert cost.scalar_one() == Decimal("3.00")
    assert tuple(bought) == ("receipt", Decimal("3.00"))


def test_a_price_between_clients_is_refused(strict, engine):
    strict.ingest([tx_message(1, qty=5, owner="acme")])
    outcome = strict.ingest(
        [tx_message(2, "ownership_change", 1, owner="acme", to_owner="bravo", unit_price="9")]
    )
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    assert "only the warehouse (to_owner own) buys at a price" in outcome.outcomes[0].reason


def test_an_item_of_an_owners_catalogue_does_not_change_owner(strict, engine):
    create_owner_item(engine, "acme", ItemRow(sku="X-1", name="x"), now=T0)
    strict.ingest([tx_message(1, qty=5, owner="acme", sku="X-1")])
    outcome = strict.ingest(
        [tx_message(2, "ownership_change", 1, owner="acme", sku="X-1", to_owner="bravo")]
    )
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    assert "only items of the shared catalogue change owner" in outcome.outcomes[0].reason


def test_lots_go_along_to_the_buyer(strict, engine):
    with engine.begin() as conn:
        conn.execute(items.update().where(items.c.sku == "SKU-1").values(tracking="lot"))
    strict.ingest(
        [
            tx_message(1, qty=5, owner="acme", lot="L-1", expiry=date(2027, 1, 1)),
            tx_message(2, qty=5, owner="acme", lot="L-2", expiry=date(2027, 6, 1)),
            tx_message(3, "ownership_change", 7, owner="acme", to_owner="bravo"),
        ]
    )
    s = lot_stock.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(s.owner, s.code, s.qty)).all()
    assert {(r.owner, r.code): r.qty for r in rows} == {
        ("acme", "L-2"): 3,
        ("bravo", "L-1"): 5,
        ("bravo", "L-2"): 2,
    }


def test_the_period_report_per_owner_shows_the_change_and_balances(strict, engine):
    strict.ingest(
        [
            tx_message(1, qty=10, owner="acme", unit_cost="2.00"),
            tx_message(2, "ownership_change", 4, owner="acme", to_owner="bravo"),
            tx_message(3, "sale", 1, owner="bravo"),
        ]
    )
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    with engine.connect() as conn:
        report = period_report(
            conn, Scope.everyone(), start=start, end=end, query=ReportQuery(Grouping.OWNER)
        )
    by_owner = {line.group: line for line in report}
    acme, bravo, total = by_owner["acme"], by_owner["bravo"], by_owner["*"]
    assert (acme.purchases, acme.transfers, acme.ending_value) == (20, -8, 12)
    assert (bravo.purchases, bravo.transfers, bravo.cogs, bravo.ending_value) == (0, 8, 2, 6)
    assert total.transfers == 0
    for line in report:
        assert line.ending_value == (
            line.beginning_value + line.purchases - line.purchase_returns + line.transfers
            - line.cogs
        )  # fmt: skip


def test_reversing_an_ownership_change_gives_the_stock_back_to_the_seller(strict, engine):
    strict.ingest([tx_message(1, qty=10, owner="acme", unit_cost="2.00")])
    outcome = strict.ingest([tx_message(2, "ownership_change", 4, owner="acme", to_owner="bravo")])
    reverse_in_ledger(
        engine, event_id=outcome.outcomes[0].event_id, reason="sold by mistake",
        now=datetime(2026, 3, 2, tzinfo=UTC), reversal_event_id=uuid.uuid4(), by="test",
    )  # fmt: skip
    assert positions(engine) == {"acme": (10, Decimal("20.00")), "bravo": (0, 0)}
