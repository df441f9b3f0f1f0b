"""One drain step: read the oldest outbox lines, deliver them, settle what the server decided."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.engine import Engine

from collector.timeseries.delivery import deliver
from collector.timeseries.outbox import PendingLine, fetch_pending, read_status, settle
from collector.timeseries.points import build_point, timestamp_ns, to_lines
from collector.timeseries.schema import COLLECTOR_OUTBOX
from collector.timeseries.sink import LineSink, WriteResult

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DrainReport:
    """Outcome of one drain step."""

    fetched: int
    written: int
    rejected: int
    failure: WriteResult | None

    @property
    def is_idle(self) -> bool:
        """Nothing was waiting."""
        return self.fetched == 0


class OutboxWriter:
    """Moves lines from the outbox to the sink; the database and the sink are injected."""

    def __init__(
        self,
        *,
        engine: Engine,
        sink: LineSink,
        clock: Callable[[], datetime],
        max_lines: int = 5_000,
        collector_name: str = "collector",
    ) -> None:
        """Nothing happens until ``drain_once``."""
        self._engine, self._sink, self._clock = engine, sink, clock
        self._max_lines, self._name = max_lines, collector_name
        self._unsettled: list[PendingLine] = []
        """Lines the server has not decided on yet: retried without reading them again."""

    @property
    def max_lines(self) -> int:
        """Most lines sent in one drain step."""
        return self._max_lines

    def drain_once(self) -> DrainReport:
        """Deliver one batch; rows leave the outbox only once the server has decided on them.

        The HTTP request runs outside any database transaction, so ingest never
        waits on it.  Raises ``sqlalchemy.exc.SQLAlchemyError`` when the ledger
        database fails; nothing is lost then either (the rows stay queued).
        """
        pending = self._unsettled or self._fetch()
        if not pending:
            return DrainReport(0, 0, 0, None)
        delivery = deliver(self._sink, pending, max_lines=self._max_lines)
        self._unsettled = delivery.unsettled(pending) if delivery.failure else []
        waiting_rows = {p.row_id for p in self._unsettled}
        done_rows = {p.row_id for p in pending} - waiting_rows
        if done_rows or delivery.rejections:
            with self._engine.begin() as conn:
                settle(
                    conn, done_row_ids=done_rows, rejections=delivery.rejections, at=self._clock()
                )
        for rejection in delivery.rejections:
            log.error(
                "timeseries.point_rejected",
                outbox_row=rejection.pending.row_id,
                reason=rejection.reason,
                line=rejection.pending.line[:200],
            )
        return DrainReport(
            len(pending), len(delivery.accepted), len(delivery.rejections), delivery.failure
        )

    def _fetch(self) -> list[PendingLine]:
        with self._engine.connect() as conn:
            return fetch_pending(conn, max_lines=self._max_lines)

    def report_status(self) -> WriteResult:
        """Write the outbox's own backlog figures straight to the sink (best effort, not queued)."""
        now = self._clock()
        with self._engine.connect() as conn:
            status = read_status(conn, now=now)
        point = build_point(
            COLLECTOR_OUTBOX,
            tags={"collector": self._name},
            fields={
                "backlog_points": status.backlog_points,
                "oldest_age_s": status.oldest_age_s or 0.0,
                "rejected_points": status.rejected_points,
            },
            time_ns=timestamp_ns(now, 0),
        )
        return self._sink.write(to_lines([point]))
