"""The weight trace of an alert's lane around the change, from the events the inbox stored.

The ledger keeps no raw load-cell samples: what it holds of a lane's weight is each
``shelf.weight_changed`` event it received (the weight the lane left and the weight it
settled at, with the device's time). An alert about a lane names such events as its
evidence; the trace is every such event of the same device and lane within a window
around them. A restricted reader (a 3PL client) gets only the events about the alert's
SKU, so a mixed lane never shows another owner's goods.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from collector.ledger.schema import inbox
from collector.views.alerts import AlertView
from collector.views.scope import Scope

SHELF_KIND = "shelf.weight_changed"
AROUND = timedelta(minutes=15)
"""How far before the first and after the last evidence event the trace reaches."""
MAX_STEPS = 500


@dataclass(frozen=True, slots=True)
class WeightStep:
    """One settled change of a lane: when, from and to how many grams, and the units."""

    at: datetime
    device_id: str
    lane: str
    grams_before: float
    grams_after: float
    count_change: int | None
    sku: str | None
    event_id: str


@dataclass(frozen=True, slots=True)
class LaneTrace:
    """The lane's steps in time order, and which of them are the alert's evidence."""

    device_id: str
    lane: str
    steps: list[WeightStep]
    evidence: frozenset[str]


def lane_trace(conn: sa.Connection, scope: Scope, view: AlertView) -> LaneTrace | None:
    """The trace of the lane the alert's evidence weighed; None when it names no shelf event."""
    own, numbers = _evidence_steps(conn, _ids(view.evidence))
    if not own:
        return None
    device_id, lane = own[-1].device_id, own[-1].lane
    epoch = numbers[own[-1].event_id][0]
    seqs = [n for e, n in numbers.values() if e is not None and e == epoch]
    start, end = min(s.at for s in own) - AROUND, max(s.at for s in own) + AROUND
    i = inbox.c
    query = sa.select(i.event_id, i.device_id, i.observed_at, i.payload).where(
        i.device_id == device_id, i.kind == SHELF_KIND, i.observed_at.between(start, end)
    )
    if epoch is not None and seqs:  # the device's unique (epoch, seq) index bounds the read
        low, high = min(seqs) - MAX_STEPS, max(seqs) + MAX_STEPS
        query = query.where(i.epoch == epoch, i.seq.between(low, high))
    rows = conn.execute(query.order_by(i.observed_at).limit(MAX_STEPS))
    steps = [s for s in map(_step, rows) if s is not None and s.lane == lane]
    if scope.is_restricted:  # a mixed lane: only what concerns the alert's SKU
        steps = [s for s in steps if s.sku == view.sku]
    return LaneTrace(device_id, lane, steps, frozenset(s.event_id for s in own))


def _evidence_steps(
    conn: sa.Connection, ids: list[uuid.UUID]
) -> tuple[list[WeightStep], dict[str, tuple[int | None, int]]]:
    """The evidence's shelf steps in time order, and each one's (epoch, seq)."""
    if not ids:
        return [], {}
    i = inbox.c
    query = sa.select(i.event_id, i.device_id, i.observed_at, i.payload, i.epoch, i.seq).where(
        i.event_id.in_(ids), i.kind == SHELF_KIND
    )
    rows = list(conn.execute(query))
    numbers = {str(r.event_id): (r.epoch, int(r.seq or 0)) for r in rows}
    found = [s for s in map(_step, rows) if s is not None]
    return sorted(found, key=lambda s: s.at), numbers


def _step(row: Any) -> WeightStep | None:
    """The step a stored event describes; None for one without a time or a weight."""
    data = _data(row.payload)
    try:
        before, after = float(data["grams_before"]), float(data["grams_after"])
        lane = str(data["lane"])
    except (KeyError, TypeError, ValueError):
        return None
    if row.observed_at is None or row.device_id is None:
        return None
    change, sku = data.get("count_change"), data.get("sku")
    return WeightStep(row.observed_at, row.device_id, lane, before, after,
                      change if isinstance(change, int) else None,
                      sku if isinstance(sku, str) else None, str(row.event_id))  # fmt: skip


def _data(payload: str) -> dict[str, Any]:
    try:
        found = json.loads(payload)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    data = found.get("data", found)
    return data if isinstance(data, dict) else {}


def _ids(texts: list[str]) -> list[uuid.UUID]:
    found = []
    for text in texts:
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue
    return found
