"""Which partition a device belongs to, and which leases a member should claim or release.

Pure: no IO, no clock. A device always hashes to the same partition (SHA-256 of its id,
never Python's salted ``hash``), so every collector agrees without talking to the others.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection
from dataclasses import dataclass

from edge_agent import wire

_TOPIC_PARTS = len(wire.events_topic("site", "device").split("/"))


def partition_of(device_id: str, partitions: int) -> int:
    """The partition of ``device_id``: stable across processes, hosts and Python versions."""
    digest = hashlib.sha256(device_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % partitions


def device_of_topic(topic: str) -> str:
    """The device id an events topic names; the whole topic for any other shape.

    A malformed topic still lands in exactly one partition, whose owner dead-letters it.
    """
    parts = topic.split("/")
    return parts[3] if len(parts) == _TOPIC_PARTS else topic


def partition_of_topic(topic: str, partitions: int) -> int:
    """The partition a message on ``topic`` belongs to."""
    return partition_of(device_of_topic(topic), partitions)


def fair_share(partitions: int, live_members: int) -> int:
    """Most partitions one member should hold: ``ceil(partitions / live members)``."""
    return math.ceil(partitions / max(live_members, 1))


@dataclass(frozen=True, slots=True)
class LeasePlan:
    """What one member does on a heartbeat: leases to give up, then leases to try to take."""

    release: tuple[int, ...] = ()
    claim: tuple[int, ...] = ()


def plan_leases(*, held: Collection[int], claimable: Collection[int], share: int) -> LeasePlan:
    """Give up what is beyond ``share`` (the highest partitions), or claim up to it.

    ``claimable``: partitions no live lease holds (free, or expired). A member never
    releases and claims in the same heartbeat, so a rebalance cannot flap.
    """
    mine = sorted(set(held))
    if len(mine) > share:
        return LeasePlan(release=tuple(mine[share:]))
    wanted = share - len(mine)
    free = sorted(set(claimable) - set(mine))
    return LeasePlan(claim=tuple(free[:wanted]))
