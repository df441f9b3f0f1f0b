"""Build the sequenced connection: reorder policy, resend backoff, and the ledger's progress."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
import structlog

from collector.ledger.schema import device_progress
from collector.runtime.backoff import Backoff
from collector.runtime.ports import Clock, Connection, Delivery
from collector.sequencing.reorder import ReorderBuffer, ReorderPolicy
from collector.sequencing.resend import ResendScheduler
from collector.sequencing.streams import StreamKey
from collector.sequencing.transport import SequencedConnection
from collector.settings import CollectorSettings

log = structlog.get_logger("collector.sequencing")


@dataclass(frozen=True, slots=True)
class SequencingOptions:
    """Reorder window and resend backoff; see docs/collector.md."""

    reorder_window_s: float = 2.0
    max_held_per_stream: int = 200
    resend_initial_s: float = 2.0
    resend_max_s: float = 30.0
    resend_max_attempts: int = 12


def seed_from_ledger(buffer: ReorderBuffer[Delivery], engine: sa.Engine) -> list[StreamKey]:
    """Start every known stream where the ledger stands; returns the streams with gaps.

    A stream the ledger has never seen starts at seq 0, so its first event is expected
    to be seq 1 and an earlier seq 2 waits for it like any other reordering.
    """
    with engine.connect() as conn:
        rows = conn.execute(sa.select(device_progress)).all()
    gapped = []
    for row in rows:
        key = StreamKey(row.site, row.device_id, int(row.epoch))
        gaps = [(int(low), int(high)) for low, high in json.loads(row.gaps)]
        buffer.seed(key, int(row.contiguous_seq), highest=int(row.highest_seq), gaps=gaps)
        if buffer.gap(key) is not None:
            gapped.append(key)
    log.info("sequence.seeded", streams=len(rows), with_gaps=len(gapped))
    return gapped


def sequenced(
    inner: Connection,
    *,
    clock: Clock,
    options: SequencingOptions,
    engine: sa.Engine | None = None,
) -> SequencedConnection:
    """``inner`` with the reorder window and resends; seeded from ``engine``'s ledger if given."""
    buffer: ReorderBuffer[Delivery] = ReorderBuffer(
        ReorderPolicy(window_s=options.reorder_window_s, max_held=options.max_held_per_stream)
    )
    resends = ResendScheduler(
        Backoff(initial_s=options.resend_initial_s, max_s=options.resend_max_s),
        max_attempts=options.resend_max_attempts,
    )
    if engine is not None:
        now_s = clock.monotonic()
        for key in seed_from_ledger(buffer, engine):
            gap = buffer.gap(key)
            if gap is not None:  # gaps from before a restart are asked for again
                resends.open(key, gap[0], now_s)
    return SequencedConnection(inner, clock=clock, buffer=buffer, resends=resends)


def options_from_settings(settings: CollectorSettings) -> SequencingOptions:
    """Reorder window and hold limit from the collector settings; resend backoff as default."""
    return SequencingOptions(
        reorder_window_s=settings.reorder_window_ms / 1000,
        max_held_per_stream=settings.reorder_max_held,
    )
