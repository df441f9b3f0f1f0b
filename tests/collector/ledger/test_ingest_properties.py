"""Random streams through SqlIngestor (SQLite) agree with the pure domain, whatever the batching.

Batches are cut at random points and the ingestor is restarted at random (its position
cache dropped), so persistence of layers, balances and sale costs is exercised.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.domain.model import PositionKey
from collector.domain.money import ZERO
from collector.ingest.ports import Disposition
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.queries import stock
from collector.ledger.schema import balances, cost_layers
from collector.ledger.session import SessionOptions
from collector.views.reports import period_report
from collector.views.scope import Scope
from tests.collector.domain.builders import AVG, FIFO, item, make_book, post, tx
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import T0, add_items, tx_message

NO_PARKING = SessionOptions(park_timeout_s=0)
"""Refused at once, as the pure domain refuses: ``test_parking`` covers the waiting."""

action = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(
            ["receipt", "sale", "sale", "return", "adjustment", "transfer", "vendor_return"]
        ),
        "sku": st.sampled_from(["SKU-1", "SKU-2"]),
        "place": st.sampled_from(["main/a1", "back/b1"]),
        "qty": st.decimals(min_value="0.5", max_value="20", places=1),
        "cost": st.decimals(min_value="0", max_value="9.99", places=2),
        "negative": st.booleans(),
    }
)


def fields(a: dict) -> tuple[str, Decimal, dict]:
    extra: dict = {"sku": a["sku"], "location": a["place"]}
    qty = a["qty"]
    if a["kind"] == "receipt":
        extra["unit_cost"] = a["cost"]
    if a["kind"] == "adjustment" and a["negative"]:
        qty = -qty
    if a["kind"] == "transfer":
        extra["to_location"] = "back/b1" if a["place"] == "main/a1" else "main/a1"
    return a["kind"], qty, extra


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(action, min_size=1, max_size=40),
    st.lists(st.integers(min_value=1, max_value=40), max_size=4),
    st.integers(min_value=0, max_value=40),
)
def test_ledger_matches_the_domain_and_keeps_its_identities(actions, cuts, restart_at):
    engine = open_ledger("sqlite://")
    add_items(engine)
    messages = [tx_message(i + 1, kind, qty, **extra) for i, (kind, qty, extra) in
                enumerate(map(fields, actions))]  # fmt: skip
    ingestor = SqlIngestor(engine, clock=FixedClock(), options=NO_PARKING)
    applied = []
    bounds = sorted({0, len(messages), *[c for c in cuts if c < len(messages)]})
    for start, end in itertools.pairwise(bounds):
        if start >= restart_at:
            ingestor = SqlIngestor(engine, clock=FixedClock(), options=NO_PARKING)
        outcome = ingestor.ingest(messages[start:end])
        applied += [o.disposition is Disposition.APPLIED for o in outcome.outcomes]

    book = make_book(item("SKU-1", FIFO), item("SKU-2", AVG, allow_negative=True))
    expected_applied = []
    for kind, qty, extra in map(fields, actions):
        try:
            post(book, tx(kind, qty, **extra))
            expected_applied.append(True)
        except ValueError:
            expected_applied.append(False)
    assert applied == expected_applied

    with engine.connect() as conn:
        rows = {(r.sku, r.location): (r.qty, r.value) for r in conn.execute(balances.select())}
        expected = {(k.sku, k.location): (p.qty, p.value) for k, p in book.positions.items()}
        assert rows == expected
        for r in stock(conn, sku="SKU-1"):
            layers = conn.execute(
                cost_layers.select().where(
                    cost_layers.c.sku == "SKU-1", cost_layers.c.location == r.location
                )
            ).all()
            assert sum((x.qty_remaining for x in layers), ZERO) == r.qty
            assert sum((x.value_remaining for x in layers), ZERO) == r.value
            # every stored layer as the domain holds it: open ones equal, emptied ones zero
            open_rows = sorted(
                (x.order_key, x.id, x.qty_remaining, x.value_remaining)
                for x in layers
                if x.qty_remaining
            )
            domain = book.positions[PositionKey("SKU-1", r.location, "own")].layers
            assert open_rows == [(x.order_key, x.layer_id, x.qty, x.value) for x in domain]
            assert all(x.value_remaining == 0 for x in layers if not x.qty_remaining)
        report = period_report(conn, Scope.everyone(), start=T0, end=T0.replace(year=T0.year + 1))
        for line in report:
            assert (
                line.beginning_value + line.purchases - line.purchase_returns - line.cogs
                == line.ending_value
            )
        assert report[-1].ending_value == sum((v for _, v in rows.values()), ZERO)
    engine.dispose()
