"""One round: the device fleet publishing at a fixed rate while four open-loop phases run.

Phases, in order: health at the read rate, the stock of one SKU, health at the write
rate, one sale per POST. Each repeat gets a fresh fleet (new device ids, so the ledger
can be checked exactly once per round) started a few seconds before the first phase.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from benchmarks.api_latency import workload
from benchmarks.api_latency.openloop import PhaseResult, Request, client_for, open_loop, settle
from benchmarks.ingest_fleet import (
    FleetResult,
    Plans,
    Setup,
    make_plans,
    play,
    proc_cpu_s,
    tree_cpu_s,
)
from benchmarks.ingest_shipped import applied_counts, check_exactly_once

DEVICES = 20
SETTLE_MS = 20.0
"""Before each phase /health must answer within this (a previous overload drained)."""
LEAD_S = 3.0
"""The fleet runs this long before the first phase (connected, acks flowing)."""


@dataclass(frozen=True)
class Rates:
    """Requests/s of the reads and of the writes, events/s of the fleet, seconds per phase."""

    read_per_s: float
    write_per_s: float
    ingest_per_s: float
    seconds: float


@dataclass
class Phase:
    """One phase's requests, what the fleet got acked meanwhile, the services' CPU."""

    result: PhaseResult
    ingested: int = 0
    api_cpu_s: float = 0.0
    collector_cpu_s: float = 0.0
    settle_s: float = 0.0
    """How long the server took to answer /health quickly again before this phase."""

    @property
    def wall_s(self) -> float:
        """From the first due time to the last answer."""
        return self.result.ended_s - self.result.started_s


@dataclass(frozen=True)
class Target:
    """The running services and what the phases ask of them."""

    base_url: str
    token: str
    setup: Setup
    sku: str
    db_url: str
    api_pid: int
    collector_pid: int


@dataclass
class Round:
    """A repeat's phases and its fleet's totals."""

    phases: list[Phase] = field(default_factory=list)
    fleet_events: int = 0
    fleet_wall_s: float = 0.0
    ingest_check: str = ""
    """"" when every planned event was applied exactly once, else what differed."""


def _phases(
    target: Target, rates: Rates, tag: str
) -> list[tuple[str, Callable[[int], Request], float, int]]:
    return [
        ("health@read", workload.health(), rates.read_per_s, 200),
        ("stock", workload.stock(target.sku), rates.read_per_s, 200),
        ("health@write", workload.health(), rates.write_per_s, 200),
        ("sale", workload.sale(target.setup.catalog, tag), rates.write_per_s, 201),
    ]


async def _run_phases(target: Target, rates: Rates, tag: str) -> list[Phase]:
    phases = []
    async with client_for(target.base_url, target.token) as client:
        for name, make, rate, expect in _phases(target, rates, tag):
            settled_s = await settle(client, "/api/v1/health", quick_ms=SETTLE_MS, limit_s=30)
            api0, col0 = proc_cpu_s(target.api_pid), tree_cpu_s(target.collector_pid)
            result = await open_loop(
                client, name, make, rate_per_s=rate, seconds=rates.seconds, expect=expect
            )
            phase = Phase(result, settle_s=settled_s)
            phase.api_cpu_s = proc_cpu_s(target.api_pid) - api0
            phase.collector_cpu_s = tree_cpu_s(target.collector_pid) - col0
            phases.append(phase)
    return phases


def warm_up(target: Target) -> None:
    """A second of each phase at low rates, discarded: connections, caches, first queries."""
    rates = Rates(read_per_s=20, write_per_s=20, ingest_per_s=0, seconds=1.0)
    asyncio.run(_run_phases(target, rates, "bench-warm-up"))


def one_round(target: Target, rates: Rates, repeat: int) -> Round:
    """Fleet started, the four phases, fleet drained and checked against the ledger."""
    if rates.ingest_per_s <= 0:  # the API alone (a diagnosis): no fleet, nothing to check
        return Round(asyncio.run(_run_phases(target, rates, f"bench-r{repeat}")))
    span_s = LEAD_S + 4 * (rates.seconds + 1.0) + 2.0
    setup = target.setup
    plans = make_plans(setup, DEVICES, int(rates.ingest_per_s * span_s))
    box: dict[str, FleetResult] = {}
    fleet = threading.Thread(
        target=lambda: box.setdefault(
            "fleet", play(setup.broker, setup.site, plans, DEVICES / rates.ingest_per_s)
        ),
        name="fleet",
    )
    fleet.start()
    time.sleep(LEAD_S)
    phases = asyncio.run(_run_phases(target, rates, f"bench-r{repeat}"))
    fleet.join()
    if "fleet" not in box:
        raise RuntimeError("the device fleet failed (see its traceback above)")
    done = Round(phases, ingest_check=_ingest_check(target.db_url, plans))
    result = box["fleet"]
    for phase in phases:
        phase.ingested = acked_between(result, phase.result.started_s, phase.result.ended_s)
    done.fleet_events = sum(acks[-1][1] for acks in result.acks.values() if acks)
    done.fleet_wall_s = max(a[-1][0] for a in result.acks.values() if a) - min(
        t for sent in result.sent.values() for t in sent.values()
    )
    return done


def _ingest_check(db_url: str, plans: Plans) -> str:
    """ "" when every planned event is applied exactly once, else the shortfall (not raised:
    an overloaded round is a result to report)."""
    engine = sa.create_engine(db_url)
    try:
        check_exactly_once(engine, plans)
    except RuntimeError:
        applied = sum(applied_counts(engine, plans).values())
        return f"{applied:,} of {sum(len(p) for p in plans.values()):,} events applied"
    finally:
        engine.dispose()
    return ""


def acked_between(fleet: FleetResult, start_s: float, end_s: float) -> int:
    """Events the fleet saw acked between two instants (acks are cumulative seqs per device)."""
    total = 0
    for acks in fleet.acks.values():
        times = [at_s for at_s, _ in acks]
        seqs = [seq for _, seq in acks]
        before = bisect.bisect_right(times, start_s)
        after = bisect.bisect_right(times, end_s)
        total += (seqs[after - 1] if after else 0) - (seqs[before - 1] if before else 0)
    return total
