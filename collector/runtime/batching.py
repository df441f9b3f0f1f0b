"""Gather deliveries into one batch: up to N messages, or until the first waited long enough."""

from __future__ import annotations

from collections.abc import Callable

from collector.runtime.ports import Clock, Delivery, Transport


def collect_batch(
    transport: Transport,
    clock: Clock,
    *,
    max_messages: int,
    max_wait_s: float,
    idle_poll_s: float,
) -> list[Delivery]:
    """Wait up to ``idle_poll_s`` for a first delivery, then fill the batch.

    The batch closes when it holds ``max_messages`` or ``max_wait_s`` after the
    first delivery; once the deadline passed, whatever is already queued still
    joins (non-blocking), so a backlog drains in full batches.
    """
    first = transport.receive(idle_poll_s)
    if first is None:
        return []
    batch = [first]
    deadline = clock.monotonic() + max_wait_s
    while len(batch) < max_messages:
        remaining_s = max(deadline - clock.monotonic(), 0.0)
        delivery = transport.receive(remaining_s)
        if delivery is None:
            break
        batch.append(delivery)
    return batch


def collect_while_committing(
    transport: Transport,
    *,
    max_messages: int,
    committing: Callable[[], bool],
    slice_s: float = 0.002,
) -> list[Delivery]:
    """Gather the next batch while the previous one commits elsewhere.

    Returns as soon as that commit is answered (its acks must not wait for this batch to
    fill) or the batch is full: batches grow with the commit time, like a group commit.
    """
    batch: list[Delivery] = []
    while len(batch) < max_messages:
        delivery = transport.receive(0)
        if delivery is None:
            if not committing():
                break
            delivery = transport.receive(slice_s)
            if delivery is None:
                continue
        batch.append(delivery)
    return batch
