"""A point-of-sale client over real HTTP: receipts first, then sales, some retried with the
same key, some with a changed body, some sent several times at once; each answer checked."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from collector.demo import traffic

URL = "/api/v1/transactions"
RECEIPT_QTY = Decimal(1000)
PROBLEMS = "/api/v1/problems#"
IN_FLIGHT_RETRY_S = 0.05


@dataclass(frozen=True)
class PosRequest:
    """One POST: its key, its body, and how the client retries it."""

    key: str
    sales: list[dict[str, str]]
    retry: str | None = None  # None, "same" (expect the replay) or "changed" (expect 422)

    def body(self, *, changed: bool = False) -> dict[str, Any]:
        """A single sale as itself, more than one as a batch; ``changed``: one more unit."""
        sales = self.sales
        if changed:
            first = sales[0]
            sales = [{**first, "qty": str(Decimal(first["qty"]) + 1)}, *sales[1:]]
        return sales[0] if len(sales) == 1 else {"transactions": sales}


@dataclass(frozen=True)
class PosPlan:
    """The receipts, the single-sale requests and the batches sent concurrently."""

    receipts: list[dict[str, str]]
    singles: list[PosRequest]
    concurrent: list[PosRequest]

    def sales(self) -> list[dict[str, str]]:
        """Every sale of the plan, once."""
        return [sale for request in [*self.singles, *self.concurrent] for sale in request.sales]

    def expected_on_hand(self) -> dict[tuple[str, str], Decimal]:
        """Receipts minus sales per (sku, location), from the plan alone."""
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for receipt in self.receipts:
            totals[(receipt["sku"], receipt["location"])] += Decimal(receipt["qty"])
        for sale in self.sales():
            totals[(sale["sku"], sale["location"])] -= Decimal(sale["qty"])
        return dict(totals)


def pos_plan(
    catalog: traffic.Catalog,
    locations: list[str],
    rng: random.Random,
    *,
    sales: int,
    groups: int,
    group_sales: int,
) -> PosPlan:
    """``sales`` sales: ``groups`` batches of ``group_sales``, the rest one per request.

    Of the single requests 10 % are retried with the same key and 1 % with another body.
    """
    receipts = [
        {"type": "receipt", "sku": sku, "qty": str(RECEIPT_QTY), "location": location,
         "unit_cost": str(cost)}
        for sku, cost in catalog.unit_costs.items()
        for location in locations
    ]  # fmt: skip
    every = [_sale(catalog, locations, rng, n) for n in range(sales)]
    batched, single = every[: groups * group_sales], every[groups * group_sales :]
    retries: list[str | None] = ["same"] * (len(single) // 10)
    retries += ["changed"] * (len(single) // 100)
    retries += [None] * (len(single) - len(retries))
    rng.shuffle(retries)
    return PosPlan(
        receipts=receipts,
        singles=[PosRequest(_key(), [s], r) for s, r in zip(single, retries, strict=True)],
        concurrent=[
            PosRequest(_key(), batched[n * group_sales : (n + 1) * group_sales])
            for n in range(groups)
        ],
    )


def _sale(
    catalog: traffic.Catalog, locations: list[str], rng: random.Random, n: int
) -> dict[str, str]:
    return {
        "type": "sale", "sku": rng.choice(list(catalog.unit_costs)),
        "qty": str(rng.randint(1, 3)), "location": rng.choice(locations),
        "unit_price": "24.90", "reference": f"till-receipt-{n}",
    }  # fmt: skip


def _key() -> str:
    return str(uuid.uuid4())


@dataclass
class Tally:
    """What the client saw: fresh answers, replays and conflicts by kind."""

    fresh: int = 0
    replayed: int = 0
    in_flight_409: int = 0
    reused_422: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        """Add to the named counters (thread-safe)."""
        with self.lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)


def post(client: httpx.Client, key: str, body: dict[str, Any]) -> httpx.Response:
    """One POST of transactions with its Idempotency-Key."""
    return client.post(URL, json=body, headers={"Idempotency-Key": f'"{key}"'})


def receive(client: httpx.Client, plan: PosPlan) -> None:
    """Book the opening stock in one batch, before any sale."""
    response = post(client, _key(), {"transactions": plan.receipts})
    assert response.status_code == 201, response.text
    assert {r["status"] for r in response.json()["results"]} == {"applied"}


def send_single(client: httpx.Client, request: PosRequest, tally: Tally) -> None:
    """Post it; then its retry: the same body gets the replay, another body a 422."""
    first = post(client, request.key, request.body())
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    tally.add(fresh=1)
    if request.retry == "same":
        again = post(client, request.key, request.body())
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        tally.add(replayed=1)
    elif request.retry == "changed":
        other = post(client, request.key, request.body(changed=True))
        assert other.status_code == 422, other.text
        assert other.json()["type"] == PROBLEMS + "idempotency-key-reused"
        tally.add(reused_422=1)


def send_concurrently(client: httpx.Client, request: PosRequest, copies: int, tally: Tally) -> None:
    """Send ``copies`` at once: one is posted, the others get a 409 (in flight) or the replay;
    a 409'd copy retried later gets the replay."""
    barrier = threading.Barrier(copies)

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return post(client, request.key, request.body())

    with ThreadPoolExecutor(copies) as pool:
        answers = list(pool.map(one, range(copies)))
    fresh = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers]
    assert len(fresh) == 1, [(a.status_code, a.text[:200]) for a in answers]
    for answer in answers:
        if answer is fresh[0]:
            continue
        replay = answer
        if answer.status_code == 409:
            assert answer.json()["type"] == PROBLEMS + "idempotency-key-in-flight"
            tally.add(in_flight_409=1)
            replay = _until_done(client, request)
        assert (replay.status_code, replay.json()) == (201, fresh[0].json())
        assert replay.headers["Idempotent-Replayed"] == "true"
        tally.add(replayed=1)
    tally.add(fresh=1)


def _until_done(client: httpx.Client, request: PosRequest) -> httpx.Response:
    while True:
        answer = post(client, request.key, request.body())
        if answer.status_code != 409:
            return answer
        time.sleep(IN_FLIGHT_RETRY_S)


def run_pos(client: httpx.Client, plan: PosPlan, *, workers: int, copies: int) -> Tally:
    """Every request of the plan from ``workers`` threads; the concurrent batches spread
    among the single sales, so each meets a busy ledger."""
    tally = Tally()
    spacing = len(plan.singles) // (len(plan.concurrent) + 1)
    with ThreadPoolExecutor(workers) as pool:
        futures = []
        for n, request in enumerate(plan.singles):
            if spacing and n % spacing == spacing // 2 and n // spacing < len(plan.concurrent):
                group = plan.concurrent[n // spacing]
                futures.append(pool.submit(send_concurrently, client, group, copies, tally))
            futures.append(pool.submit(send_single, client, request, tally))
        for future in futures:
            future.result()  # re-raises a failed check
    return tally
