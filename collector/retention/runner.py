"""The periodic prune inside ``collector run`` (``COLLECTOR_RETENTION_INTERVAL_S``, off by default).

A daemon thread: the first pass a minute after start (or sooner, with a shorter interval),
then one every interval. A pass is ``collector retention prune``: short batches under the
ledger lock, so the batch loop waits at most one batch; a failed pass is logged and the
next one tries again. Several collectors on one ledger may each prune: the second finds
nothing left.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
import structlog

from collector.clock import Clock
from collector.retention.policy import RetentionPolicy
from collector.retention.prune import PruneRun, prune

log = structlog.get_logger("collector.retention")

FIRST_PASS_AFTER_S = 60.0


def run_retention_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: threading.Event,
    policy: RetentionPolicy,
    interval_s: float,
    batch_rows: int,
) -> None:
    """Prune every ``interval_s`` until ``stop`` (the first pass sooner); never raises."""
    wait_s = min(interval_s, FIRST_PASS_AFTER_S)
    while not stop.wait(wait_s):
        try:
            prune(engine, PruneRun(policy, clock.now(), batch_rows=batch_rows, stop=stop))
        except sa.exc.SQLAlchemyError as err:
            log.warning("retention.prune_failed", error=str(err), retry_in_s=interval_s)
        wait_s = interval_s


def start_retention_sweep(
    engine: sa.Engine,
    *,
    clock: Clock,
    stop: threading.Event,
    policy: RetentionPolicy,
    interval_s: float,
    batch_rows: int,
) -> threading.Thread | None:
    """Start the sweep thread (daemon; join it after setting ``stop``); None if 0 s (off)."""
    if interval_s <= 0:
        return None
    thread = threading.Thread(
        target=run_retention_sweep,
        kwargs={"engine": engine, "clock": clock, "stop": stop, "policy": policy,
                "interval_s": interval_s, "batch_rows": batch_rows},
        name="retention-sweep",
        daemon=True,
    )  # fmt: skip
    thread.start()
    return thread
