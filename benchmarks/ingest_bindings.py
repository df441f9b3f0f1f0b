"""Ingest with site bindings: shelf lanes at ``post`` locations whose weight changes post stock.

What a shop with sensing shelves runs: ``collector run --bindings FILE``. One device
in five is a shelf controller with ``LANES_PER_SHELF`` single-SKU lanes in the
stockroom (policy ``post``); every one of its events is a resolved
``shelf.weight_changed`` (a pick of 1 to 3 units or a put-back of 1 or 2), with the
grams before and after from the item's unit weight, a little scale noise, the
edge's running ``estimated_count`` and a confidence above the site's minimum. The
other devices send the plain run's traffic (stock transactions at the two bins,
which are ``observe``). Each lane opens with ``LANE_OPENING`` units and stays
between ``LANE_LOW`` and ``LANE_HIGH``, so no pick is ever refused.

The ledger check counts the sensor events right: the reconcile observer posts each
one under the sensor event's id and marks its inbox row ``applied``, so every
device (tills and shelves) must have all its events applied, and no shelf event
any other disposition; each sensor event must have exactly one movement with its
id (a ``sale`` of the units taken, an ``adjustment`` of the units put back, signed
as the journal keeps them); each lane's balance must be the last count its shelf
reported; and no ``rejected_posting`` alert may exist.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import yaml

from benchmarks.ingest_fleet import Plans, Setup
from benchmarks.ingest_shipped import check_exactly_once
from collector.cli.run_wiring import ledger_ingestor
from collector.clock import SystemClock
from collector.demo import traffic
from collector.ledger.catalog import parse_items_csv
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.loading import chunks
from collector.ledger.schema import balances, inbox, movements
from collector.settings import load_settings
from edge_agent import wire

SHELF_EVERY = 5
"""Every fifth device is a shelf: one event in five is a ``shelf.weight_changed``."""
LANES_PER_SHELF = 5
LANE_OPENING, LANE_LOW, LANE_HIGH = 40, 5, 60
"""Units a lane opens with, and the band its count stays in."""
STOCKROOM = "main/stockroom"
TARE_G = 850.0
"""The empty lane's tray on the load cell."""
NOISE_G = 1.5
_T0 = datetime(2026, 3, 2, tzinfo=UTC)
ALERTS = sa.table("alerts", sa.column("site"), sa.column("type"))
"""The alert store's table, named here so the check does not depend on the module layout."""


@dataclass(frozen=True)
class Lane:
    """A bound shelf lane: one SKU at a ``post`` location."""

    device_id: str
    lane: str
    location: str
    sku: str
    unit_g: float


class BindingsTraffic:
    """The plain traffic with one device in five a shelf controller; its bindings file."""

    def __init__(self, setup: Setup, devices: int) -> None:
        self.setup = setup
        self.token = uuid.uuid4().hex[:6]
        self.rng = random.Random(setup.rng.random())
        weights = {row.sku: row.unit_weight_g for row in parse_items_csv(setup.catalog.items_csv())}
        skus = list(setup.catalog.unit_costs)
        self.shelves = [f"shelf{n}-{self.token}" for n in range(devices // SHELF_EVERY)]
        self.lanes = [
            Lane(
                device, f"lane-{k + 1}", f"{STOCKROOM}/shelf-{n + 1}", sku, float(weights[sku] or 0)
            )
            for n, device in enumerate(self.shelves)
            for k in range(LANES_PER_SHELF)
            for sku in [skus[(n * LANES_PER_SHELF + k) % len(skus)]]
        ]
        if any(lane.unit_g <= 0 for lane in self.lanes):
            raise ValueError("every lane's item needs a unit weight")
        self.expected: dict[uuid.UUID, tuple[str, Decimal]] = {}
        """Per sensor event: the movement it must post (type, signed qty)."""
        self.final: dict[tuple[str, str], int] = {}
        """Per lane (location, sku): the last count its shelf reported."""
        self.path = setup.workdir / f"bindings-{setup.site}.yaml"
        self.path.write_text(yaml.safe_dump(self.bindings(), sort_keys=False))

    def bindings(self) -> dict[str, Any]:
        """The site's bindings: the stockroom posts, the bins (till traffic) only observe."""
        return {
            "site_id": self.setup.site,
            "heartbeat_interval_s": 600,  # the fleet sends no heartbeats; runs are far shorter
            "default_policy": "observe",
            "policies": [{"prefix": STOCKROOM, "policy": "post"}],
            "lanes": [
                {"device_id": x.device_id, "lane": x.lane, "location": x.location, "sku": x.sku}
                for x in self.lanes
            ],
        }

    def collector_args(self) -> list[str]:
        return ["--bindings", str(self.path)]

    def seed_extra(self) -> list[wire.StockTransaction]:
        """Each lane's opening stock, received at its location."""
        costs = self.setup.catalog.unit_costs
        return [
            wire.StockTransaction.model_validate(
                {"type": "receipt", "sku": x.sku, "qty": LANE_OPENING, "location": x.location,
                 "unit_cost": costs[x.sku]}
            )
            for x in self.lanes
        ]  # fmt: skip

    def ingestor(self, engine: sa.Engine) -> SqlIngestor:
        """The ingestor as the ledger writer of ``collector run --bindings`` builds it
        (``run_wiring.ledger_ingestor``): with the reconcile observer."""
        settings = load_settings(bindings_files=[str(self.path)], log_level="WARNING")
        return ledger_ingestor(settings, engine, SystemClock())

    def plans(self, devices: int, events: int) -> Plans:
        """Tills with random transactions and shelves with weight changes, ``events // devices``
        each, interleaved as ``make_plans`` would name and order them."""
        per_device = events // devices
        shelves = iter(self.shelves)
        plans: Plans = {}
        for n in range(devices):
            if n % SHELF_EVERY == SHELF_EVERY - 1:
                device = next(shelves)
                plans[device] = self._shelf_plan(device, per_device)
                continue
            device = f"till{n}-{self.token}"
            plans[device] = [
                (seq, traffic.make_payload(device, seq, self._till_tx()))
                for seq in range(1, per_device + 1)
            ]
        return plans

    def _till_tx(self) -> wire.StockTransaction:
        return traffic.random_transaction(self.setup.catalog, self.setup.rng)

    def _shelf_plan(self, device: str, count: int) -> list[tuple[int, bytes]]:
        lanes = [x for x in self.lanes if x.device_id == device]
        counts = {x.lane: LANE_OPENING for x in lanes}
        plan = []
        for seq in range(1, count + 1):
            lane = self.rng.choice(lanes)
            before = counts[lane.lane]
            change = self._change(before)
            counts[lane.lane] = before + change
            event_id = uuid.uuid4()
            data = self._weight_change(lane, before, change)
            event = wire.make_event(
                event_id=event_id,
                device_id=device,
                epoch=1,
                seq=seq,
                observed_at=_T0 + timedelta(seconds=seq),
                data=data,
            )
            plan.append((seq, wire.dump_event(event)))
            kind = "sale" if change < 0 else "adjustment"
            self.expected[event_id] = (kind, Decimal(change))  # the journal's signed qty
            self.final[(lane.location, lane.sku)] = counts[lane.lane]
        return plan

    def _change(self, before: int) -> int:
        """A pick (more often) or a put-back, keeping the lane within its band."""
        pick = self.rng.random() < 0.6
        if pick and before - 3 < LANE_LOW:
            pick = False
        elif not pick and before + 2 > LANE_HIGH:
            pick = True
        return -self.rng.randint(1, 3) if pick else self.rng.randint(1, 2)

    def _weight_change(self, lane: Lane, before: int, change: int) -> wire.ShelfWeightChanged:
        """The settled change the edge reports for ``change`` units on ``lane``."""
        grams_before = TARE_G + before * lane.unit_g + self.rng.gauss(0, NOISE_G)
        grams_after = TARE_G + (before + change) * lane.unit_g + self.rng.gauss(0, NOISE_G)
        residual = (grams_after - grams_before) - change * lane.unit_g
        return wire.ShelfWeightChanged(
            lane=lane.lane,
            sku=lane.sku,
            grams_before=round(grams_before, 2),
            grams_after=round(grams_after, 2),
            count_change=change,
            estimated_count=before + change,
            resolution=wire.WeightResolution.RESOLVED,
            candidates=[
                wire.CountCandidate(counts={lane.sku: change}, residual_grams=round(residual, 2))
            ],
            confidence=round(self.rng.uniform(0.9, 0.99), 3),
        )

    def check(self, engine: sa.Engine, plans: Plans) -> None:
        """Every event applied once; each sensor event's one movement; lanes at their counts."""
        check_exactly_once(engine, {d: p for d, p in plans.items() if d not in self.shelves})
        with engine.connect() as conn:
            inboxed = _dispositions(conn, self.shelves)
            posted = _sensor_movements(conn, self.shelves)
            lane_qty = _balances(conn, self.final)
            rejected = conn.execute(
                sa.select(sa.func.count())
                .select_from(ALERTS)
                .where(ALERTS.c.site == self.setup.site, ALERTS.c.type == "rejected_posting")
            ).scalar_one()
        problems = [
            f"shelf {d}: inbox rows by disposition {inboxed.get(d, {})}, planned {len(plans[d])} "
            "(a posted sensor event is marked applied)"
            for d in self.shelves
            if inboxed.get(d, {}) != {"applied": len(plans[d])}
        ]
        problems += _movement_problems(self.expected, posted)
        wrong = {k: (lane_qty.get(k), n) for k, n in self.final.items() if lane_qty.get(k) != n}
        if wrong:
            problems.append(f"lane balances differ from the shelves' last counts: {wrong}")
        if rejected:
            problems.append(f"{rejected} rejected_posting alert(s)")
        if problems:
            raise RuntimeError("bindings run: " + "; ".join(problems))


def _dispositions(conn: sa.Connection, shelves: list[str]) -> dict[str, dict[str, int]]:
    """Per shelf device: its inbox rows counted by disposition."""
    query = (
        sa.select(inbox.c.device_id, inbox.c.disposition, sa.func.count())
        .where(inbox.c.device_id.in_(shelves))
        .group_by(inbox.c.device_id, inbox.c.disposition)
    )
    found: dict[str, dict[str, int]] = {}
    for device, disposition, count in conn.execute(query):
        found.setdefault(device, {})[disposition] = count
    return found


def _sensor_movements(
    conn: sa.Connection, shelves: list[str]
) -> list[tuple[uuid.UUID, str, Decimal]]:
    """(event id, type, qty) of every movement carrying a shelf event's id."""
    query = (
        sa.select(movements.c.event_id, movements.c.type, movements.c.qty)
        .join(inbox, inbox.c.event_id == movements.c.event_id)
        .where(inbox.c.device_id.in_(shelves))
    )
    return [tuple(row) for row in conn.execute(query)]


def _balances(conn: sa.Connection, lanes: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    found = {}
    for part in chunks(sorted(lanes)):
        key = sa.tuple_(balances.c.location, balances.c.sku)
        query = sa.select(balances.c.location, balances.c.sku, balances.c.qty).where(
            key.in_(part), balances.c.owner == "own"
        )
        for row in conn.execute(query):
            found[(row.location, row.sku)] = int(row.qty)
    return found


def _movement_problems(
    expected: dict[uuid.UUID, tuple[str, Decimal]], posted: list[tuple[uuid.UUID, str, Decimal]]
) -> list[str]:
    """What differs between the sensor movements planned and those the ledger holds."""
    per_event = Counter(event_id for event_id, _, _ in posted)
    problems = []
    missing = [e for e in expected if per_event[e] == 0]
    repeated = [e for e, n in per_event.items() if n > 1]
    stray = [e for e in per_event if e not in expected]
    wrong = [
        (str(e), (kind, qty), expected[e])
        for e, kind, qty in posted
        if e in expected and (kind, qty) != expected[e]
    ]
    for label, found in (
        ("sensor events without a movement", missing),
        ("sensor events with more than one movement", repeated),
        ("movements under ids no sensor event planned", stray),
        ("movements of the wrong type or quantity", wrong),
    ):
        if found:
            problems.append(f"{len(found)} {label} (e.g. {found[:3]})")
    return problems
