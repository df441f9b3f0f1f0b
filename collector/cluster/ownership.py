"""Which partitions this member holds, and the connection that lets only their events through.

``Ownership`` is written by the coordinator's thread and read by the batch loop's.
``OwnedConnection`` sits between the MQTT consumer and the sequencer: every collector
of the cluster receives every event (its own persistent session), and each hands its
batch loop only those of the partitions it holds, tagged with the lease's fencing token.
The others are acknowledged to the broker at once and dropped: their owner has its own
copy, and no device ack is ever sent for them, so the device keeps them until the owner
confirms. When a partition is taken over, the new owner starts its devices' streams where
the ledger stands and asks each device to send again from there (``ResendCommand``).
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from collector.cluster.leases import PartitionLag, StreamSeed
from collector.cluster.partitions import partition_of, partition_of_topic
from collector.runtime.ports import Clock, Connection, Delivery
from collector.sequencing.streams import StreamKey, peek_position
from collector.sequencing.transport import StreamRecord
from edge_agent import wire

log = structlog.get_logger("collector.cluster")


@dataclass(frozen=True, slots=True)
class Grant:
    """A partition just claimed, with the ledger's progress of its streams read after the claim."""

    partition: int
    token: int
    streams: tuple[StreamSeed, ...] = ()


class Ownership:
    """Partition → fencing token of the leases this member holds now (thread-safe)."""

    def __init__(self) -> None:
        """Holding nothing."""
        self._lock = threading.Lock()
        self._tokens: dict[int, int] = {}  # replaced, never changed: readers need no lock
        self._grants: list[Grant] = []

    def token(self, partition: int) -> int | None:
        """The token ``partition`` is held under, or None."""
        return self._tokens.get(partition)

    def held(self) -> dict[int, int]:
        """Every partition held and its token."""
        return dict(self._tokens)

    def current(self) -> dict[int, int]:
        """The held tokens as they stand, not copied: a new object after every change."""
        return self._tokens

    def grant(self, grant: Grant) -> None:
        """The coordinator claimed a partition; the connection takes it over on its thread."""
        with self._lock:
            self._tokens = {**self._tokens, grant.partition: grant.token}
            self._grants.append(grant)

    def revoke(self, partition: int) -> None:
        """Stop admitting ``partition``'s events (lost, or about to be released)."""
        with self._lock:
            self._tokens = {p: t for p, t in self._tokens.items() if p != partition}

    def revoke_all(self) -> None:
        """Stop admitting anything (the database cannot be reached to renew)."""
        with self._lock:
            self._tokens = {}

    def take_grants(self) -> list[Grant]:
        """Grants not yet taken over, oldest first."""
        with self._lock:
            grants, self._grants = self._grants, []
        return grants


class StreamSeeder(Protocol):
    """The sequencer above: told where the ledger stands for the devices taken over."""

    def restart(self, belongs: Callable[[str], bool], record: Sequence[StreamRecord]) -> None:
        """Start the streams of the devices ``belongs`` names over from ``record``."""
        ...

    def forget(self, belongs: Callable[[str], bool]) -> None:
        """Drop the streams of the devices ``belongs`` names (their partition was let go)."""
        ...


class OwnedConnection:
    """A ``Connection`` that hands over only the events of partitions this member holds."""

    def __init__(
        self,
        inner: Connection,
        *,
        ownership: Ownership,
        partitions: int,
        clock: Clock,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        """Wrap the broker connection; set ``seeder`` to the sequencer built on top of it."""
        self._inner = inner
        self._ownership = ownership
        self._partitions = partitions
        self._clock = clock
        self._new_id = new_id
        self.seeder: StreamSeeder | None = None
        self._active: dict[int, int] = {}
        self._tokens_seen: dict[int, int] = {}
        self._seen: dict[str, tuple[str, int]] = {}
        self._pending: dict[tuple[int, int], tuple[int, float]] = {}
        self._pending_lock = threading.Lock()

    # ------------------------------------------------------------------ Transport

    def receive(self, timeout_s: float) -> Delivery | None:
        """Next delivery of a held partition, tagged with its token; others are passed by."""
        if self._ownership.current() is not self._tokens_seen:
            self._let_go()
        self._take_over()
        deadline_s = self._clock.monotonic() + max(timeout_s, 0.0)
        while True:
            delivery = self._inner.receive(max(deadline_s - self._clock.monotonic(), 0.0))
            if delivery is None:
                return None
            partition = partition_of_topic(delivery.message.topic, self._partitions)
            token = self._ownership.token(partition)
            if token is not None and self._active.get(partition) == token:
                with self._pending_lock:
                    key = (delivery.connection, delivery.mid)
                    self._pending[key] = (partition, self._clock.monotonic())
                message = dataclasses.replace(delivery.message, lease=token)
                return dataclasses.replace(delivery, message=message)
            self._pass_by(delivery)

    def ack(self, delivery: Delivery) -> None:
        """PUBACK a committed (or fenced) delivery."""
        with self._pending_lock:
            self._pending.pop((delivery.connection, delivery.mid), None)
        self._inner.ack(delivery)

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish, unchanged."""
        self._inner.publish(topic, payload)

    def start(self) -> None:
        """Start the wrapped connection."""
        self._inner.start()

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Stop the wrapped connection."""
        self._inner.stop(flush_timeout_s)

    # ------------------------------------------------------------------ lag

    def lag(self) -> dict[int, PartitionLag]:
        """Per held partition: events received and not yet acknowledged, and the oldest's age."""
        now_s = self._clock.monotonic()
        with self._pending_lock:
            pending = list(self._pending.values())
        lag: dict[int, PartitionLag] = {}
        for partition, since_s in pending:
            seen = lag.get(partition, PartitionLag())
            age_s = round(now_s - since_s, 3)
            oldest_s = age_s if seen.oldest_s is None else max(seen.oldest_s, age_s)
            lag[partition] = PartitionLag(seen.events + 1, oldest_s)
        return lag

    # ------------------------------------------------------------------ internals

    def _pass_by(self, delivery: Delivery) -> None:
        """Not ours: PUBACK it (the owner has its own copy) and remember the device's epoch."""
        self._inner.ack(delivery)
        position = peek_position(delivery.message)
        if position is not None:
            key = position.key
            _site, epoch = self._seen.get(key.device_id, (key.site, 0))
            self._seen[key.device_id] = (key.site, max(epoch, key.epoch))

    def _let_go(self) -> None:
        """Forget the streams of partitions lost or released since the last look.

        Otherwise the sequencer would go on holding their events and asking their devices
        to resend gaps that are now another member's, rewinding the device under its owner.
        """
        self._tokens_seen = self._ownership.current()
        for partition, token in list(self._active.items()):
            if self._tokens_seen.get(partition) == token:
                continue
            del self._active[partition]
            if self.seeder is not None:
                self.seeder.forget(self._of_partition(partition))
            log.info("cluster.partition_let_go", partition=partition, token=token)

    def _of_partition(self, partition: int) -> Callable[[str], bool]:
        """A test of whether a device hashes into ``partition``."""
        return lambda device_id: partition_of(device_id, self._partitions) == partition

    def _take_over(self) -> None:
        """Start every newly granted partition: seed its streams, ask its devices again."""
        for grant in self._ownership.take_grants():
            if self._ownership.token(grant.partition) != grant.token:
                continue  # lost again before this thread got to it
            self._active[grant.partition] = grant.token
            resends = self._seed(grant)
            for device_id, (site, epoch, from_seq) in sorted(resends.items()):
                self._send_resend(site, device_id, epoch, from_seq)
            log.info(
                "cluster.partition_taken_over",
                partition=grant.partition,
                token=grant.token,
                streams=len(grant.streams),
                resends=len(resends),
            )

    def _seed(self, grant: Grant) -> dict[str, tuple[str, int, int]]:
        """Seed the sequencer; returns device → (site, epoch, from_seq) to ask again."""
        if self.seeder is not None:
            record = [
                (StreamKey(s.site, s.device_id, s.epoch), s.contiguous_seq, s.highest_seq, s.gaps)
                for s in grant.streams
            ]
            self.seeder.restart(
                lambda device_id: partition_of(device_id, self._partitions) == grant.partition,
                record,
            )
        targets: dict[str, tuple[str, int, int]] = {}
        gapped: set[str] = set()
        for s in grant.streams:
            known = targets.get(s.device_id)
            if known is None or s.epoch > known[1]:
                targets[s.device_id] = (s.site, s.epoch, s.contiguous_seq + 1)
                if s.highest_seq > s.contiguous_seq:
                    gapped.add(s.device_id)
                else:
                    gapped.discard(s.device_id)
        for device_id, (site, epoch) in self._seen.items():
            if partition_of(device_id, self._partitions) != grant.partition:
                continue
            known = targets.get(device_id)
            if known is None or epoch > known[1]:
                targets[device_id] = (site, epoch, 1)
                gapped.discard(device_id)
        if self.seeder is not None:
            # the sequencer, just seeded with those gaps, asks for each from its first missing
            # seq (and again on its backoff): one more RESEND here would rewind the device twice
            targets = {d: target for d, target in targets.items() if d not in gapped}
        return targets

    def _send_resend(self, site: str, device_id: str, epoch: int, from_seq: int) -> None:
        command = wire.ResendCommand(
            command_id=self._new_id(), name=wire.CommandName.RESEND, epoch=epoch,
            from_seq=from_seq,
        )  # fmt: skip
        topic = wire.commands_topic(site, device_id)
        self._inner.publish(topic, command.model_dump_json(by_alias=True).encode())
