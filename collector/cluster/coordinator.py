"""``Coordinator``: the member's heartbeat thread that renews, rebalances and claims leases.

Every ``heartbeat_s`` it records the member's heartbeat, renews each lease it holds
(reporting the partition's lag), then, from the number of live members, either
releases what is beyond its fair share or claims free and expired partitions up to
it. A release first stops the connection admitting the partition, so the posting
fence then refuses whatever was still in flight for it. If the database cannot be
reached for a whole TTL, the member stops admitting anything: its leases expire and
another member takes the partitions over. A member cut off from the broker (while the
database still answers) gives every lease up after a TTL and claims none until its
link is back, so its devices do not wait for it.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable

import sqlalchemy as sa
import structlog

from collector.cluster.leases import LeaseStore, PartitionLag
from collector.cluster.ownership import Grant, Ownership
from collector.cluster.partitions import fair_share, plan_leases
from collector.runtime.ports import Clock

log = structlog.get_logger("collector.cluster")

LagSource = Callable[[], dict[int, PartitionLag]]


def wait_before_next_s(started_s: float, now_s: float, heartbeat_s: float) -> float:
    """How long to wait for the next heartbeat, counted from the start of the last one.

    Waiting a whole heartbeat after a slow tick (a loaded machine) stretched the time
    between two renewals to the tick's length plus the heartbeat, eating the TTL's margin.
    A tenth of a heartbeat at least, so that ticks slower than the heartbeat do not spin.
    """
    return max(heartbeat_s / 10, heartbeat_s - (now_s - started_s))


class Coordinator:
    """Keeps ``ownership`` in step with the lease table, one heartbeat at a time."""

    def __init__(
        self,
        store: LeaseStore,
        ownership: Ownership,
        *,
        clock: Clock,
        heartbeat_s: float,
        ttl_s: float,
        lag: LagSource = dict,
        linked: Callable[[], bool] = lambda: True,
    ) -> None:
        """Nothing runs until ``start`` (or ``tick`` in a test)."""
        self._store = store
        self._ownership = ownership
        self._clock = clock
        self._heartbeat_s = heartbeat_s
        self._ttl_s = ttl_s
        self._lag = lag
        self._linked = linked
        self._unlinked_since_s: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renewed_at_s = clock.monotonic()

    def start(self) -> None:
        """Prepare the lease rows, take a first share, then keep at it in a thread."""
        self._store.prepare()
        self.tick()
        self._thread = threading.Thread(target=self._run, name="cluster-leases", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, release every lease and leave (call after the loop's last batch)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._heartbeat_s + self._ttl_s)
        held = self._ownership.held()
        self._ownership.revoke_all()
        try:
            self._store.leave(held.items())
        except sa.exc.SQLAlchemyError as err:
            log.warning("cluster.leave_failed", error=str(err), hint="the leases expire by TTL")
            return
        log.info("cluster.left", released=sorted(held))

    def tick(self) -> None:
        """One heartbeat: renew, then release beyond the fair share or claim up to it."""
        if not self._broker_reachable():
            self._step_aside()
            return
        live = self._store.beat(host=socket.gethostname(), pid=os.getpid())
        self._renew()
        self._renewed_at_s = self._clock.monotonic()
        held = self._ownership.held()
        share = fair_share(self._store.partitions, live)
        plan = plan_leases(held=held, claimable=self._store.claimable(), share=share)
        for partition in plan.release:
            self._ownership.revoke(partition)  # stop admitting first; the fence does the rest
            self._store.release(partition, held[partition])
        claimed = self._store.claim_many(plan.claim)
        streams = self._store.streams_of(claimed)
        for partition, token in claimed.items():
            self._ownership.grant(Grant(partition, token, tuple(streams[partition])))
        if plan.release or plan.claim:
            log.info(
                "cluster.rebalanced",
                members=live,
                share=share,
                released=list(plan.release),
                claimed=sorted(set(self._ownership.held()) - set(held)),
                holding=len(self._ownership.held()),
            )

    def _broker_reachable(self) -> bool:
        """False once the broker link has been down for a TTL (its events cannot arrive)."""
        now_s = self._clock.monotonic()
        if self._linked():
            self._unlinked_since_s = None
            return True
        if self._unlinked_since_s is None:
            self._unlinked_since_s = now_s
        return now_s - self._unlinked_since_s < self._ttl_s

    def _step_aside(self) -> None:
        """Release every lease and leave the members, so the others' shares cover them."""
        held = self._ownership.held()
        self._ownership.revoke_all()
        self._store.leave(held.items())
        if held:
            log.error("cluster.broker_unreachable", released=sorted(held),
                      hint="leases given up until the link to the broker is back")  # fmt: skip

    def _renew(self) -> None:
        held = self._ownership.held()
        renewed = self._store.renew(held, self._lag())
        for partition, token in sorted(held.items()):
            if partition not in renewed:
                self._ownership.revoke(partition)
                log.warning("cluster.lease_lost", partition=partition, token=token,
                            hint="another member holds it now")  # fmt: skip

    def beat(self) -> bool:
        """``tick``, surviving any failure (logged); False when the heartbeat failed."""
        try:
            self.tick()
        except sa.exc.SQLAlchemyError as err:
            self._unreachable(err)
            return False
        except Exception as err:  # the heartbeat must go on; a bug is logged loudly
            log.exception("cluster.tick_failed", error=repr(err))
            self._unreachable(err)
            return False
        return True

    def _run(self) -> None:
        started_s = self._clock.monotonic()
        while not self._stop.wait(wait_before_next_s(started_s, self._clock.monotonic(),
                                                     self._heartbeat_s)):  # fmt: skip
            started_s = self._clock.monotonic()
            self.beat()

    def _unreachable(self, err: Exception) -> None:
        """After a TTL without renewal, admit nothing: the leases are (about to be) gone."""
        silent_s = self._clock.monotonic() - self._renewed_at_s
        log.error("cluster.heartbeat_failed", error=str(err)[:300], silent_s=round(silent_s, 1))
        if silent_s >= self._ttl_s and self._ownership.held():
            self._ownership.revoke_all()
            log.error("cluster.leases_abandoned", hint="another member takes the partitions over")
