"""Deliver outbox lines through a sink, bisecting refused requests (pure over the port).

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

from collector.timeseries.outbox import PendingLine, Rejection
from collector.timeseries.sink import LineSink, WriteResult, WriteStatus


@dataclass(slots=True)
class Delivery:
    """What happened to the lines: accepted, rejected, and the failure that stopped it."""

    accepted: list[PendingLine] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    failure: WriteResult | None = None
    requests: int = 0

    def unsettled(self, lines: Sequence[PendingLine]) -> list[PendingLine]:
        """Those of ``lines`` the server has decided nothing about yet."""
        done = {(p.row_id, p.position) for p in self.accepted}
        done.update((r.pending.row_id, r.pending.position) for r in self.rejections)
        return [p for p in lines if (p.row_id, p.position) not in done]


def deliver(sink: LineSink, lines: Sequence[PendingLine], *, max_lines: int) -> Delivery:
    """Send lines in requests of at most ``max_lines``; stop at the first retryable failure."""
    delivery = Delivery()
    for start in range(0, len(lines), max_lines):
        if not _send(sink, lines[start : start + max_lines], delivery):
            break
    return delivery


def _send(sink: LineSink, lines: Sequence[PendingLine], out: Delivery) -> bool:
    """Send one slice; False when a retryable failure ended the whole delivery."""
    result = sink.write([p.line for p in lines])
    out.requests += 1
    if result.status is WriteStatus.ACCEPTED:
        out.accepted.extend(lines)
        return True
    if result.status is WriteStatus.RETRYABLE:
        out.failure = result
        return False
    if len(lines) == 1:
        out.rejections.append(Rejection(lines[0], result.reason or "rejected without a reason"))
        return True
    middle = len(lines) // 2
    return _send(sink, lines[:middle], out) and _send(sink, lines[middle:], out)
