"""Gather deliveries into batches: up to N messages, or until the first waited long enough;
while a batch commits elsewhere, the next one is gathered with the devices taking turns."""

from __future__ import annotations

from collections.abc import Callable

from collector.runtime.fair_queue import FairQueue
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


def gather_while_committing(
    transport: Transport,
    waiting: FairQueue[str, Delivery],
    *,
    committing: Callable[[], bool],
    slice_s: float = 0.002,
    check_every: int = 32,
) -> None:
    """Move what arrives into ``waiting`` (one lane per topic) until the commit is answered.

    Everything is taken, not only a batch's worth: a batch filled here would shut out what
    arrives later in the commit (a live device's event behind another's backlog). The
    broker's receive maximum bounds how much that can be. The commit is asked about every
    ``check_every`` deliveries too, so a steady stream cannot keep the writer waiting.
    """
    taken = 0
    while True:
        delivery = transport.receive(0)
        if delivery is None:
            if not committing():
                return
            delivery = transport.receive(slice_s)
            if delivery is None:
                continue
        waiting.put(delivery.message.topic, delivery)
        taken += 1
        if taken % check_every == 0 and not committing():
            return


def gather_queued(transport: Transport, waiting: FairQueue[str, Delivery]) -> None:
    """Move what the transport holds now into ``waiting``, without waiting for more."""
    while (delivery := transport.receive(0)) is not None:
        waiting.put(delivery.message.topic, delivery)


def take_turns(waiting: FairQueue[str, Delivery], *, max_messages: int) -> list[Delivery]:
    """The next batch, devices in turn: up to ``max_messages`` of ``waiting``.

    Each device's own order is kept; between devices arrival order never meant anything.
    """
    batch: list[Delivery] = []
    while len(batch) < max_messages and (delivery := waiting.get(0)) is not None:
        batch.append(delivery)
    return batch


def someone_is_live(waiting: FairQueue[str, Delivery], *, max_messages: int) -> bool:
    """True when a device's whole queue fits in its share of a full batch.

    Such a device is sending live, and its events feel every millisecond of the commit;
    when every device has more than its share queued, the collector is behind all of
    them and full batches clear that fastest.
    """
    senders = waiting.senders()
    return senders > 0 and waiting.shortest_lane() <= max_messages // senders


class BatchSizer:
    """How many messages the next batch may take, so that its commit lasts about ``target_s``.

    A live event that arrives while batch N commits goes into N+1, so it waits for about
    two commits: the commit time, not the queue, is what live traffic feels while another
    device drains a backlog. The sizer keeps a smoothed commit time per message and caps
    the batch at ``target_s`` worth of it. With a fixed cost per commit ``a`` and ``c`` per
    message it settles where ``a + c * size = target_s``; on a fast ledger the cap is never
    reached and batches fill to ``max_messages`` as before. ``target_s`` None: no cap.
    """

    def __init__(
        self,
        *,
        max_messages: int,
        target_s: float | None,
        min_messages: int = 20,
        smoothing: float = 0.3,
    ) -> None:
        """No commit observed yet: the first batch may be full."""
        self._max = max_messages
        self._min = min(min_messages, max_messages)
        self._target_s = target_s
        self._smoothing = smoothing
        self._per_message_s: float | None = None

    def limit(self) -> int:
        """The most messages the next batch should hold."""
        if self._target_s is None or not self._per_message_s:
            return self._max
        fits = int(self._target_s / self._per_message_s)
        return max(self._min, min(self._max, fits))

    def observe(self, messages: int, commit_s: float) -> None:
        """A batch of ``messages`` took ``commit_s`` from hand-over to answer."""
        if messages <= 0 or commit_s < 0:
            return
        sample = commit_s / messages
        previous = self._per_message_s
        self._per_message_s = (
            sample if previous is None else previous + self._smoothing * (sample - previous)
        )
