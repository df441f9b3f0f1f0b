"""Records of every kind a console page shows one of, made through the API as a user would:
what a generated ledger or the demo's day has none of (shared by the page benchmark and
``make screenshots``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import httpx2
import sqlalchemy as sa

from benchmarks.console_pages.pages import SAMPLES
from collector.api.access import Role
from collector.api.tokens import create_token


class SeedError(RuntimeError):
    """The API refused a seeding step: what, and its answer."""


def seed(api: httpx.Client | httpx2.Client, engine: sa.Engine) -> None:
    """Two weeks of sales of the sample item (for a forecast), a count under way, a refused
    receipt (a dead letter), a supplier with a reorder rule, its suggestion and an order, and
    a lot-tracked and a serial-tracked item received and sold (for the trace pages)."""
    with engine.begin() as conn:
        token = create_token(conn, name=f"seed-{uuid.uuid4().hex[:8]}", role=Role.ADMIN,
                             owners=[], now=datetime.now(UTC))  # fmt: skip
        sku = str(SAMPLES["sku"](conn))  # the item the item and forecast pages show
        location, owner = conn.execute(
            sa.text("SELECT location, owner FROM balances WHERE sku = :sku "
                    "ORDER BY qty DESC LIMIT 1"), {"sku": sku},
        ).one()  # fmt: skip
        held = conn.execute(
            sa.text("SELECT COALESCE(SUM(qty), 0) FROM balances WHERE sku = :sku "
                    "AND owner = :owner"), {"sku": sku, "owner": owner},
        ).scalar_one()  # fmt: skip
    point = int(held) + 50  # low, whatever the ledger holds: the rule makes a suggestion

    def call(method: str, path: str, body: dict[str, object], ok: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        answer = api.request(method, f"/api/v1{path}", json=body, headers=headers)
        if answer.status_code not in (ok, 201):
            raise SeedError(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()

    now, site = datetime.now(UTC), location.split("/")[0]
    call("POST", "/transactions", {"type": "receipt", "sku": sku, "location": location,
         "owner": owner, "qty": "40", "unit_cost": "1.10",
         "effective_at": (now - timedelta(days=15)).isoformat()})  # fmt: skip
    for back in range(14, 0, -1):
        when = (now - timedelta(days=back)).isoformat()
        call("POST", "/transactions", {"type": "sale", "sku": sku, "location": location,
             "owner": owner, "qty": str(1 + back % 3), "effective_at": when})  # fmt: skip
    call("POST", "/counts", {"location": location})  # a shelf's count, as counts are done
    call("POST", "/transactions", {"type": "receipt", "sku": "NOT-IN-CATALOGUE", "qty": "2",
         "location": location, "unit_cost": "1.00"}, ok=422)  # fmt: skip
    call("POST", "/suppliers", {"code": "acme", "name": "Acme Wholesale"})
    call("PUT", f"/suppliers/acme/items/{sku}", {"lead_time_days": 3, "order_multiple": "6"})
    call("POST", "/reorder-rules", {"sku": sku, "location": site, "owner": owner,
         "supplier": "acme", "min_qty": str(point), "max_qty": str(point + 60)})  # fmt: skip
    call("POST", "/suggestions/run", {})
    line = {"sku": sku, "location": location, "owner": owner, "qty": "12"}
    call("POST", "/purchase-orders", {"supplier": "acme", "lines": [line]})
    _seed_lots(call, location, owner, now)
    first = (now - timedelta(days=40)).date().replace(day=1).isoformat()
    call("POST", "/billing/cards", {"owner": owner, "effective_from": first,
         "unit_days": "0.05", "receipt_lines": "1.25", "picks": "0.35"})  # fmt: skip


def _seed_lots(call: Any, location: str, owner: str, now: datetime) -> None:
    """A FEFO tea in two lots, sold from the soonest; a phone by serial, received and sold."""
    call("POST", "/items", {"sku": "TEA-LOOSE", "name": "Loose tea", "tracking": "lot",
         "issue_policy": "fefo", "expiry_warning_days": 30}, ok=201)  # fmt: skip
    call("POST", "/items", {"sku": "PHONE-X", "name": "Phone X", "tracking": "serial"}, ok=201)
    when = (now - timedelta(days=3)).isoformat()
    for lot, expiry, qty in (("L-2411", now + timedelta(days=20), "8"),
                             ("L-2502", now + timedelta(days=200), "12")):  # fmt: skip
        call("POST", "/transactions", {"type": "receipt", "sku": "TEA-LOOSE", "qty": qty,
             "location": location, "owner": owner, "unit_cost": "4.20", "lot": lot,
             "expiry": expiry.date().isoformat(), "reference": "PO-7781",
             "effective_at": when})  # fmt: skip
    for qty in ("3", "2"):
        call("POST", "/transactions", {"type": "sale", "sku": "TEA-LOOSE", "qty": qty,
             "location": location, "owner": owner, "unit_price": "9.90"})  # fmt: skip
    for serial in ("SN-1001", "SN-1002"):
        call("POST", "/transactions", {"type": "receipt", "sku": "PHONE-X", "qty": "1",
             "location": location, "owner": owner, "unit_cost": "310", "serial": serial,
             "effective_at": when})  # fmt: skip
    call("POST", "/transactions", {"type": "sale", "sku": "PHONE-X", "qty": "1",
         "location": location, "owner": owner, "serial": "SN-1001",
         "unit_price": "499"})  # fmt: skip
