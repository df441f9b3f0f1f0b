"""Over random movement streams: value is conserved and BI + P − COGS = EI holds exactly."""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.domain.book import Book
from collector.domain.model import MovementLine, MovementType, PositionKey
from collector.domain.money import ZERO
from collector.domain.report import cogs_line
from collector.errors import RejectedEventError
from tests.collector.domain.builders import AVG, FIFO, item, make_book, post, tx

D = Decimal
SKUS = ("F-STRICT", "F-LOOSE", "A-STRICT", "A-LOOSE")
PLACES = ("main/a1", "main/a2", "back/b1")

quantity = st.decimals(min_value="0.001", max_value="50", places=3)
money = st.decimals(min_value="0", max_value="99.99", places=2)
action = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["receipt", "sale", "sale", "return", "adjustment", "transfer"]),
        "sku": st.sampled_from(SKUS),
        "place": st.sampled_from(PLACES),
        "to": st.sampled_from(PLACES),
        "qty": quantity,
        "cost": money,
        "negative": st.booleans(),
    }
)


def fresh_book() -> Book:
    return make_book(
        item("F-STRICT", FIFO),
        item("F-LOOSE", FIFO, allow_negative=True),
        item("A-STRICT", AVG),
        item("A-LOOSE", AVG, allow_negative=True),
    )


def transaction(a: dict):
    extra: dict = {}
    qty = a["qty"]
    if a["kind"] == "receipt":
        extra["unit_cost"] = a["cost"]
    if a["kind"] == "sale":
        extra["unit_price"] = a["cost"]
    if a["kind"] == "adjustment" and a["negative"]:
        qty = -qty
    if a["kind"] == "transfer":
        if a["to"] == a["place"]:
            return None
        extra["to_location"] = a["to"]
    return tx(a["kind"], qty, sku=a["sku"], location=a["place"], **extra)


def run(actions: list[dict]) -> tuple[Book, list[tuple[MovementLine, ...]]]:
    """Post every action; returns the book and each accepted event's lines."""
    book, events = fresh_book(), []
    for a in actions:
        transaction_ = transaction(a)
        if transaction_ is None:
            continue
        with contextlib.suppress(RejectedEventError):
            events.append(post(book, transaction_, event_id=uuid.uuid4()).lines)
    return book, events


@settings(max_examples=150, deadline=None)
@given(st.lists(action, max_size=60))
def test_each_position_value_is_the_sum_of_its_movement_values(actions) -> None:
    book, events = run(actions)
    lines = [line for event in events for line in event]
    sums: dict[PositionKey, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        sums[line.key][0] += line.qty
        sums[line.key][1] += line.value
    for key, position in book.positions.items():
        assert [position.qty, position.value] == sums[key]
        if position.qty >= 0 and position.layers:
            assert sum(x.qty for x in position.layers) == position.qty
            assert sum(x.value for x in position.layers) == position.value
        if position.qty == 0:
            assert position.value == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(action, max_size=60), st.integers(min_value=0, max_value=60))
def test_beginning_plus_purchases_minus_cogs_is_ending_inventory(actions, cut) -> None:
    book, events = run(actions)
    # a period boundary falls between events: both lines of a transfer share one instant
    before = [line for event in events[:cut] for line in event]
    period = [line for event in events[cut:] for line in event]
    for sku in SKUS:
        beginning = sum((x.value for x in before if x.key.sku == sku), ZERO)
        by_type: dict[MovementType, Decimal] = defaultdict(lambda: ZERO)
        for x in period:
            if x.key.sku == sku:
                by_type[x.type] += x.value
        report = cogs_line(sku, beginning_value=beginning, value_by_type=by_type)
        ending = sum(p.value for k, p in book.positions.items() if k.sku == sku)
        assert report.ending_value == ending
        assert report.beginning_value + report.purchases - report.cogs == ending
        assert by_type[MovementType.TRANSFER] == 0


OWNERS = ("own", "client")
"""``client`` keeps its goods off the warehouse's books (docs/books.md)."""
owned_action = st.fixed_dictionaries({"owner": st.sampled_from(OWNERS)}).flatmap(
    lambda extra: action.map(lambda a: {**a, **extra})
)


def run_owned(actions: list[dict]) -> list[MovementLine]:
    """Post every action as its owner's; returns the accepted lines in order."""
    book = fresh_book()
    lines: list[MovementLine] = []
    for a in actions:
        transaction_ = transaction(a)
        if transaction_ is None:
            continue
        transaction_ = transaction_.model_copy(update={"owner": a["owner"]})
        with contextlib.suppress(RejectedEventError):
            lines += post(book, transaction_, event_id=uuid.uuid4()).lines
    return lines


def books_line(lines: list[MovementLine], owners: set[str], cut: int, group: str):
    """The period report of ``owners``' lines, the period starting at line ``cut``."""
    mine = [x for x in lines if x.key.owner in owners]
    cut = min(cut, len(mine))
    by_type: dict[MovementType, Decimal] = defaultdict(lambda: ZERO)
    for x in mine[cut:]:
        by_type[x.type] += x.value
    beginning = sum((x.value for x in mine[:cut]), ZERO)
    return cogs_line(group, beginning_value=beginning, value_by_type=by_type)


@settings(max_examples=150, deadline=None)
@given(st.lists(owned_action, max_size=60), st.integers(min_value=0, max_value=60))
def test_the_warehouses_identity_holds_without_a_clients_goods_and_the_clients_on_its_own(
    actions, cut
):
    lines = run_owned(actions)
    for owner in OWNERS:  # the warehouse's books are its own lines' (the reports' filter)
        report = books_line(lines, {owner}, cut, owner)
        ending = sum((x.value for x in lines if x.key.owner == owner), ZERO)
        assert report.ending_value == ending
        assert (
            report.beginning_value
            + report.purchases
            - report.purchase_returns
            + (report.transfers)
            - report.cogs
            == ending
        )


def test_a_clients_receipt_cost_is_no_fallback_cost_of_the_warehouses_stock():
    with_client = [
        {"kind": "receipt", "sku": "F-LOOSE", "place": "back/b1", "to": "back/b1", "qty": D("1"),
         "cost": D("7"), "negative": False, "owner": "client"},
        {"kind": "sale", "sku": "F-LOOSE", "place": "main/a1", "to": "main/a1", "qty": D("1"),
         "cost": D("9"), "negative": False, "owner": "own"},
    ]  # fmt: skip
    warehouse = books_line(run_owned(with_client), {"own"}, 0, "own")
    alone = books_line(run_owned(with_client[1:]), {"own"}, 0, "own")
    assert warehouse.cogs == alone.cogs
