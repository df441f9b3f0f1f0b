"""The collector service: a broker connection feeding the batch loop until told to stop."""

from __future__ import annotations

import structlog

from collector.ingest.ports import Ingestor
from collector.runtime.backoff import Backoff
from collector.runtime.loop import BatchLoop, BatchPolicy, LoopStats
from collector.runtime.ports import Clock, Connection, StopSignal
from collector.settings import CollectorSettings

log = structlog.get_logger("collector.runtime")


def run_service(
    *,
    connection: Connection,
    ingestor: Ingestor,
    clock: Clock,
    stop: StopSignal,
    policy: BatchPolicy,
) -> LoopStats:
    """Run until ``stop`` is set: the batch in hand is committed and acked before disconnecting."""
    loop = BatchLoop(transport=connection, ingestor=ingestor, clock=clock, stop=stop, policy=policy)
    connection.start()
    try:
        loop.run()
    finally:
        connection.stop()
    log.info(
        "collector.stopped",
        batches=loop.stats.batches,
        messages=loop.stats.messages,
        **loop.stats.by_disposition,
    )
    return loop.stats


def policy_from_settings(settings: CollectorSettings) -> BatchPolicy:
    """Batch size, wait, commit-time target and ledger retry ceiling from the settings."""
    return BatchPolicy(
        max_messages=settings.batch_max_messages,
        max_wait_s=settings.batch_max_wait_ms / 1000,
        target_commit_s=settings.batch_target_ms / 1000 if settings.batch_target_ms else None,
        retry=Backoff(initial_s=0.5, max_s=settings.ledger_retry_max_s),
    )
