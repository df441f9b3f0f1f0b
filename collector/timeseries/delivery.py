"""Deliver a batch of outbox rows through a sink, bisecting refused batches (pure over the port).

A server refuses a whole request for one bad line.  Splitting the refused
batch in halves and sending each again isolates the bad lines in about
``2·log2(n)`` requests per bad line, so the good ones still get through and
only the bad ones are set aside with the server's reason.  Re-sending good
lines of a refused batch is safe: InfluxDB stores a point once per series and
timestamp, and a 400 may already have written the good part (partial write).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from collector.timeseries.outbox import OutboxRow, Rejection
from collector.timeseries.sink import LineSink, WriteResult, WriteStatus


@dataclass(slots=True)
class Delivery:
    """What happened to a batch: accepted ids, rejected rows, and the failure that stopped it."""

    accepted_ids: list[int] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    failure: WriteResult | None = None
    requests: int = 0

    @property
    def settled(self) -> int:
        """Rows that may leave the outbox (accepted or rejected)."""
        return len(self.accepted_ids) + len(self.rejections)


def deliver(sink: LineSink, rows: Sequence[OutboxRow]) -> Delivery:
    """Send rows; on a retryable failure stop at once and leave the rest for the next attempt."""
    delivery = Delivery()
    if rows:
        _send(sink, rows, delivery)
    return delivery


def _send(sink: LineSink, rows: Sequence[OutboxRow], out: Delivery) -> bool:
    """Send one slice; False when a retryable failure ended the whole delivery."""
    result = sink.write([r.line for r in rows])
    out.requests += 1
    if result.status is WriteStatus.ACCEPTED:
        out.accepted_ids.extend(r.id for r in rows)
        return True
    if result.status is WriteStatus.RETRYABLE:
        out.failure = result
        return False
    if len(rows) == 1:
        out.rejections.append(Rejection(rows[0], result.reason or "rejected without a reason"))
        return True
    middle = len(rows) // 2
    return _send(sink, rows[:middle], out) and _send(sink, rows[middle:], out)
