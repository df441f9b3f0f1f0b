"""What the benchmark sends: the opening receipts, one sale per POST, the stock read, health.

Bodies are the wire contract's ``StockTransaction`` (the API's ``TransactionIn`` is it),
dumped as JSON. Every sale has its own ``Idempotency-Key``; the receipts booked first
cover every sale of the run, so none is refused or parked for want of stock.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from decimal import Decimal

import httpx

from benchmarks.api_latency.openloop import Request
from collector.demo import traffic
from edge_agent import wire

API = "/api/v1"
POS_LOCATIONS = ("shop/floor/till-1", "shop/floor/till-2")
"""Where the API's sales happen; the devices' traffic uses ``traffic.LOCATIONS``."""
BATCH_MAX = 1000


def _body(fields: dict[str, object]) -> dict[str, object]:
    return wire.StockTransaction.model_validate(fields).model_dump(mode="json", exclude_none=True)


def receipts(catalog: traffic.Catalog, sales: int) -> list[dict[str, object]]:
    """One receipt per (sku, POS location), together more than ``sales`` single-unit sales."""
    positions = len(catalog.unit_costs) * len(POS_LOCATIONS)
    qty = Decimal(2 * math.ceil(sales / positions) + 10)
    return [
        _body({"type": "receipt", "sku": sku, "qty": qty, "location": location,
               "unit_cost": cost, "reference": "bench-api-opening"})
        for sku, cost in catalog.unit_costs.items()
        for location in POS_LOCATIONS
    ]  # fmt: skip


def receive(client: httpx.Client, catalog: traffic.Catalog, sales: int) -> None:
    """Book the receipts (batches of up to 1,000) before any sale; each must be applied."""
    bodies = receipts(catalog, sales)
    for first in range(0, len(bodies), BATCH_MAX):
        response = client.post(
            f"{API}/transactions",
            json={"transactions": bodies[first : first + BATCH_MAX]},
            headers={"Idempotency-Key": f'"{uuid.uuid4()}"'},
        )
        if response.status_code != 201:
            raise RuntimeError(f"receipts refused: {response.status_code} {response.text[:500]}")


def sale(catalog: traffic.Catalog, tag: str) -> Callable[[int], Request]:
    """``make(n)``: the n-th sale of a phase, one unit, its own key."""
    skus = list(catalog.unit_costs)

    def make(n: int) -> Request:
        body = _body({"type": "sale", "sku": skus[n % len(skus)], "qty": 1,
                      "location": POS_LOCATIONS[n % len(POS_LOCATIONS)],
                      "unit_price": "24.90", "reference": f"{tag}-{n}"})  # fmt: skip
        return Request(
            "POST", f"{API}/transactions", body, {"Idempotency-Key": f'"{uuid.uuid4()}"'}
        )

    return make


def stock(sku: str) -> Callable[[int], Request]:
    """``make(n)``: the stock of one SKU (every position, with totals)."""
    request = Request("GET", f"{API}/stock?sku={sku}")
    return lambda _n: request


def health() -> Callable[[int], Request]:
    """``make(n)``: the cheapest endpoint of the same server (no database, no token check)."""
    request = Request("GET", f"{API}/health")
    return lambda _n: request
