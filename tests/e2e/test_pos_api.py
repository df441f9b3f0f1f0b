"""A POS client posts 2,000 sales over HTTP to ``collector api`` while devices publish over
MQTT to ``collector run``, into one ledger: exact, each sale once, every conflict answered."""

from __future__ import annotations

import json
import random
import socket
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from collector.api.access import Role
from collector.api.tokens import create_token
from collector.api.transactions import API_KIND
from collector.demo import traffic
from collector.ledger import schema
from tests.e2e import ledger_view
from tests.e2e.conftest import (
    EVENTS,
    MALFORMED,
    RUN_TIMEOUT_S,
    Fleet,
    Stream,
    prepared_ledger,
    run_fleet,
    seed_plan,
)
from tests.e2e.pos_client import PosPlan, Tally, pos_plan, receive, run_pos
from tests.support.services import fresh_postgres_database, unique_name
from tests.system.processes import COLLECTOR, READY_TIMEOUT_S, Child, CollectorProcess

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(240)]

SALES = 2000
GROUPS, GROUP_SALES, COPIES = 10, 20, 4  # batches sent COPIES times at once with one key
WORKERS = 4
POS_LOCATIONS = ["shop/floor/till-1", "shop/floor/till-2", "shop/backroom"]


class ApiProcess(Child):
    """``collector api`` on a free loopback port."""

    def __init__(self, *, db_url: str, log_dir: Path) -> None:
        self.port = _free_port()
        command = [COLLECTOR, "api", "--db", db_url, "--listen", f"127.0.0.1:{self.port}"]
        super().__init__("api", command, log_dir)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Block until /api/v1/health answers."""
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.alive(), f"collector api exited at start:\n{self.logs()}"
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"collector api not ready:\n{self.logs()}"
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _integration_token(engine: sa.Engine) -> str:
    with engine.begin() as conn:
        return create_token(
            conn, name=unique_name("pos"), role=Role.INTEGRATION, owners=[], now=datetime.now(UTC)
        )


def _play(db_url: str, site: str, stream: Stream, plan: PosPlan, *, port: int, tmp: Path) -> Tally:
    """Both services up; devices publish while the POS client posts; both drained, stopped."""
    engine = prepared_ledger(db_url, stream, tmp)
    token = _integration_token(engine)
    collector = CollectorProcess(
        port=port, db_url=db_url, site=site, log_dir=tmp,
        client_id=unique_name("collector-pos"), name="collector",
    )  # fmt: skip
    api = ApiProcess(db_url=db_url, log_dir=tmp)
    try:
        collector.wait_subscribed()
        api.wait_ready()
        run_fleet(port, site, seed_plan(stream), timeout_s=RUN_TIMEOUT_S)
        fleet = Fleet(port, site, stream.plans)
        fleet.start(RUN_TIMEOUT_S)
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=api.base_url, headers=auth, timeout=30) as client:
            receive(client, plan)
            tally = run_pos(client, plan, workers=WORKERS, copies=COPIES)
        fleet.join()
        devices = [*stream.per_device, stream.seed_device]
        ledger_view.wait_until_applied(engine, devices, EVENTS + len(stream.seed))
        assert collector.terminate() == 0, collector.logs()
        assert api.terminate() == 0, api.logs()
    finally:
        collector.cleanup()
        api.cleanup()
        engine.dispose()
    return tally


def _api_events(engine: sa.Engine) -> list[tuple[str, str, int]]:
    """(idempotency key, disposition, movements) of every transaction the API put in the inbox."""
    inbox, movements = schema.inbox, schema.movements
    lines = (
        sa.select(movements.c.event_id, sa.func.count().label("n"))
        .group_by(movements.c.event_id)
        .subquery()
    )
    query = (
        sa.select(inbox.c.payload, inbox.c.disposition, sa.func.coalesce(lines.c.n, 0))
        .outerjoin(lines, lines.c.event_id == inbox.c.event_id)
        .where(inbox.c.kind == API_KIND)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(json.loads(payload)["idempotency_key"], kind, n) for payload, kind, n in rows]


def _check_conflicts(tally: Tally, plan: PosPlan, *, expect_409: bool) -> None:
    """Every retry got the replay or its 422; every concurrent copy its 409 or the replay.

    On SQLite a claim waits for the ledger's write lock, which the first copy's posting
    holds, so a copy mostly sees it done (the replay) and a 409 is a matter of timing; on
    PostgreSQL claims do not wait for postings and copies meet their first in flight.
    """
    same = sum(r.retry == "same" for r in plan.singles)
    changed = sum(r.retry == "changed" for r in plan.singles)
    assert tally.fresh == len(plan.singles) + len(plan.concurrent)
    assert tally.replayed == same + len(plan.concurrent) * (COPIES - 1)
    assert tally.reused_422 == changed > 0
    if expect_409:
        assert tally.in_flight_409 > 0, "no copy of a concurrent batch met its first in flight"


def _check_each_sale_once(db_url: str, plan: PosPlan) -> None:
    engine = sa.create_engine(db_url)
    try:
        events = _api_events(engine)
    finally:
        engine.dispose()
    per_key = Counter(key for key, _, _ in events)
    expected = {r.key: len(r.sales) for r in [*plan.singles, *plan.concurrent]}
    assert {k: n for k, n in per_key.items() if k in expected} == expected
    assert len(per_key) == len(expected) + 1  # and the one batch of receipts
    assert {kind for _, kind, _ in events} == {"applied"}
    assert {n for _, _, n in events} == {1}, "every transaction posted exactly one movement"


def _check_ledger(db_url: str, site: str, stream: Stream, plan: PosPlan) -> None:
    engine = sa.create_engine(db_url)
    skus = costs = stream.catalog.unit_costs
    try:
        on_hand, journal = (
            ledger_view.positions(engine, skus),
            ledger_view.journal_totals(engine, skus),
        )
        value = ledger_view.values(engine, skus)
        dead = ledger_view.dead_letter_count(engine, site)
    finally:
        engine.dispose()
    pos = plan.expected_on_hand()
    assert {k: q for k, q in on_hand.items() if k[1] in POS_LOCATIONS} == pos
    assert {k: q for k, q in journal.items() if k[1] in POS_LOCATIONS} == pos
    assert {k: v for k, v in value.items() if k[1] in POS_LOCATIONS} == {
        k: q * costs[k[0]] for k, q in pos.items()
    }
    devices = {k: q for k, q in on_hand.items() if k[1] in traffic.LOCATIONS}
    assert devices == stream.expected_on_hand()
    assert dead == MALFORMED


def run_and_check(db_url: str, mosquitto, site: str, stream: Stream, tmp_path: Path) -> None:
    """Play POS and devices into one ledger, then check it against the plans."""
    _, port = mosquitto
    plan = pos_plan(stream.catalog, POS_LOCATIONS, random.Random(12), sales=SALES,
                    groups=GROUPS, group_sales=GROUP_SALES)  # fmt: skip
    tally = _play(db_url, site, stream, plan, port=port, tmp=tmp_path)
    _check_conflicts(tally, plan, expect_409=db_url.startswith("postgresql"))
    _check_each_sale_once(db_url, plan)
    _check_ledger(db_url, site, stream, plan)


def test_pos_sales_over_http_and_device_events_into_sqlite_are_exact(
    mosquitto, site, stream, tmp_path
) -> None:
    run_and_check(f"sqlite:///{tmp_path / 'ledger.db'}", mosquitto, site, stream, tmp_path)


@pytest.mark.postgres
def test_pos_sales_over_http_and_device_events_into_postgresql_are_exact(
    mosquitto, site, stream, tmp_path
) -> None:
    with fresh_postgres_database() as url:
        run_and_check(url, mosquitto, site, stream, tmp_path)
