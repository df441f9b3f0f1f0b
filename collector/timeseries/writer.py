"""One drain step: read the oldest outbox lines, deliver them, settle what the server decided."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.engine import Engine

from collector.timeseries.delivery import deliver
from collector.timeseries.outbox import (
    PendingLine,
    PendingRow,
    Rejection,
    fetch_rows,
    read_status,
    settle,
)
from collector.timeseries.points import build_point, timestamp_ns, to_lines
from collector.timeseries.schema import COLLECTOR_OUTBOX
from collector.timeseries.sink import LineSink, WriteResult, WriteStatus

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
    """Moves lines from the outbox to the sink; the database and the sink are injected.

    The common case is fast: whole rows go out as they were recorded, up to
    ``max_lines`` per request and ``requests_per_drain`` requests per outbox read,
    and every row the server accepted leaves in one delete.  Only a refused or
    oversized request is handled line by line (bisected, see ``delivery``).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        sink: LineSink,
        clock: Callable[[], datetime],
        max_lines: int = 5_000,
        collector_name: str = "collector",
        requests_per_drain: int = 1,
    ) -> None:
        """Nothing happens until ``drain_once``."""
        if requests_per_drain < 1:
            raise ValueError(f"requests_per_drain must be at least 1, got {requests_per_drain}")
        self._engine, self._sink, self._clock = engine, sink, clock
        self._max_lines, self._name = max_lines, collector_name
        self._requests_per_drain = requests_per_drain
        self._unsettled: list[PendingLine] = []
        """Lines the server has not decided on yet: retried without reading them again."""

    @property
    def max_lines(self) -> int:
        """Most lines sent in one request."""
        return self._max_lines

    def drain_once(self) -> DrainReport:
        """Deliver one read of the outbox; rows leave it only once the server has decided on them.

        The HTTP requests run outside any database transaction, so ingest never
        waits on them.  Raises ``sqlalchemy.exc.SQLAlchemyError`` when the ledger
        database fails; nothing is lost then either (the rows stay queued).
        """
        if self._unsettled:
            return self._drain_lines(self._unsettled, done_before=[], written_before=0)
        with self._engine.connect() as conn:
            rows = fetch_rows(conn, max_lines=self._max_lines * self._requests_per_drain)
        if not rows:
            return DrainReport(0, 0, 0, None)
        fetched = sum(len(r.lines) for r in rows)
        done: list[int] = []
        written = 0
        for group in _requests(rows, self._max_lines):
            count = sum(len(r.lines) for r in group)
            if count <= self._max_lines:
                result = self._sink.write([line for r in group for line in r.lines])
                if result.status is WriteStatus.ACCEPTED:
                    done.extend(r.row_id for r in group)
                    written += count
                    continue
                if result.status is WriteStatus.RETRYABLE:
                    self._settle(done, [])
                    return DrainReport(fetched, written, 0, result)
            # refused or larger than a request: line by line; later rows are read again
            pending = [p for r in group for p in r.pending_lines()]
            report = self._drain_lines(pending, done_before=done, written_before=written)
            return DrainReport(fetched, report.written, report.rejected, report.failure)
        self._settle(done, [])
        return DrainReport(fetched, written, 0, None)

    def _drain_lines(
        self, pending: list[PendingLine], *, done_before: list[int], written_before: int
    ) -> DrainReport:
        """Deliver lines one by one (bisecting refusals), settling them with ``done_before``."""
        delivery = deliver(self._sink, pending, max_lines=self._max_lines)
        self._unsettled = delivery.unsettled(pending) if delivery.failure else []
        waiting_rows = {p.row_id for p in self._unsettled}
        done_rows = {p.row_id for p in pending} - waiting_rows
        self._settle([*done_before, *done_rows], delivery.rejections)
        for rejection in delivery.rejections:
            log.error(
                "timeseries.point_rejected",
                outbox_row=rejection.pending.row_id,
                reason=rejection.reason,
                line=rejection.pending.line[:200],
            )
        return DrainReport(
            len(pending), written_before + len(delivery.accepted), len(delivery.rejections),
            delivery.failure,
        )  # fmt: skip

    def _settle(self, done_rows: list[int], rejections: list[Rejection]) -> None:
        if done_rows or rejections:
            with self._engine.begin() as conn:
                settle(conn, done_row_ids=done_rows, rejections=rejections, at=self._clock())

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


def _requests(rows: list[PendingRow], max_lines: int) -> list[list[PendingRow]]:
    """Consecutive rows grouped into requests of at most ``max_lines`` (a bigger row alone)."""
    groups: list[list[PendingRow]] = []
    count = max_lines + 1
    for row in rows:
        if count + len(row.lines) > max_lines:
            groups.append([])
            count = 0
        groups[-1].append(row)
        count += len(row.lines)
    return groups
