"""A queue that takes turns between its senders: one device's backlog cannot starve the rest.

After an outage an edge agent drains hours of events at once. In one first-in, first-out
queue every other device's live event waits behind that device's whole window; here each
sender (an MQTT topic, so one device) has its own FIFO and ``get`` visits the senders in
turn (round robin, one item each). A sender's own order is kept, which is the only order
the ledger relies on; between senders arrival order never meant anything (the broker
interleaves them as it pleases).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class FairQueue(Generic[K, T]):
    """Thread-safe, unbounded; ``put`` from one thread, ``get`` from another."""

    def __init__(self) -> None:
        """An empty queue."""
        self._lanes: dict[K, deque[T]] = {}
        self._turns: deque[K] = deque()  # senders with something queued, next one first
        self._size = 0
        self._ready = threading.Condition(threading.Lock())

    def put(self, key: K, item: T) -> None:
        """Queue ``item`` behind what ``key`` already queued."""
        with self._ready:
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = deque()
                self._turns.append(key)
            lane.append(item)
            self._size += 1
            self._ready.notify()

    def get(self, timeout_s: float) -> T | None:
        """The next sender's oldest item, waiting at most ``timeout_s`` (0: only what is queued)."""
        with self._ready:
            if not self._size and timeout_s > 0:
                deadline_s = time.monotonic() + timeout_s
                while not self._size:
                    remaining_s = deadline_s - time.monotonic()
                    if remaining_s <= 0 or not self._ready.wait(remaining_s):
                        break
            if not self._size:
                return None
            return self._take()

    def __len__(self) -> int:
        """Items queued, over all senders."""
        with self._ready:
            return self._size

    def senders(self) -> int:
        """Senders with something queued."""
        with self._ready:
            return len(self._turns)

    def shortest_lane(self) -> int:
        """Items queued by the sender with the fewest (0 when empty)."""
        with self._ready:
            return min((len(lane) for lane in self._lanes.values()), default=0)

    def _take(self) -> T:
        key = self._turns.popleft()
        lane = self._lanes[key]
        item = lane.popleft()
        self._size -= 1
        if lane:
            self._turns.append(key)  # its next item waits for everyone else's turn
        else:
            del self._lanes[key]
        return item
