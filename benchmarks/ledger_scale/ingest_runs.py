"""``collector run`` sustained ingest into a given ledger: the shipped process, fed by the fleet.

Reuses ``benchmarks.ingest_shipped.shipped_run`` (20 devices, flat out, every event
checked against the ledger afterwards) with the ledger at the URL given; the rate is
events acked per second, and its first and last thirds tell whether it holds up.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.ingest_fleet import Broker, RunResult, prepare
from benchmarks.ingest_shipped import shipped_run


def ingest_run(
    db_url: str, workdir: Path, broker: Broker, *, events: int, seed: int, devices: int = 20
) -> RunResult:
    """One flat-out run of ``events`` events into the ledger at ``db_url``."""
    workdir.mkdir(parents=True, exist_ok=True)
    setup, engine = prepare(workdir, seed, broker, db_url)
    try:
        return shipped_run(
            setup, engine, devices=devices, events=events, rate_per_s=None, batch_max=500
        )
    finally:
        engine.dispose()
