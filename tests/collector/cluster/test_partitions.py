"""Partition assignment and the lease plan: pure, so the whole rebalance is simulated here."""

from __future__ import annotations

from collections import Counter

import pytest

from collector.cluster.partitions import (
    LeasePlan,
    device_of_topic,
    fair_share,
    partition_of,
    partition_of_topic,
    plan_leases,
)
from edge_agent import wire

N = 32


def test_a_device_always_lands_in_the_same_partition() -> None:
    # pinned: SHA-256 of the id, so every process and host (and Python version) agrees
    assert [partition_of(d, N) for d in ("pi-a", "pi-b", "shelf-0001")] == [24, 23, 3]
    assert partition_of("pi-a", 64) == 24


def test_a_thousand_devices_spread_over_every_partition() -> None:
    counts = Counter(partition_of(f"shelf-{n:04d}", N) for n in range(1000))
    assert set(counts) == set(range(N))
    assert max(counts.values()) < 3 * 1000 / N


def test_the_partition_of_a_message_is_its_topic_device_s() -> None:
    topic = wire.events_topic("site-1", "pi-a")
    assert device_of_topic(topic) == "pi-a"
    assert partition_of_topic(topic, N) == partition_of("pi-a", N)
    assert device_of_topic("weird/topic") == "weird/topic"  # still one partition: its owner's


@pytest.mark.parametrize(("live", "share"), [(1, 32), (2, 16), (3, 11), (5, 7), (0, 32)])
def test_the_fair_share_is_the_ceiling_of_partitions_per_live_member(live: int, share: int) -> None:
    assert fair_share(N, live) == share


def test_a_new_member_claims_free_partitions_up_to_its_share() -> None:
    plan = plan_leases(held=set(), claimable=set(range(N)), share=11)
    assert plan == LeasePlan(claim=tuple(range(11)))


def test_a_member_over_its_share_releases_its_highest_partitions_and_claims_nothing() -> None:
    plan = plan_leases(held=set(range(16)), claimable={20, 21}, share=11)
    assert plan == LeasePlan(release=(11, 12, 13, 14, 15))


def test_a_member_at_its_share_does_nothing() -> None:
    assert plan_leases(held={1, 2, 3}, claimable={4, 5}, share=3) == LeasePlan()


def _heartbeat(owners: dict[int, str], members: list[str]) -> None:
    """Each live member plans once in turn, as their heartbeats would interleave."""
    share = fair_share(N, len(members))
    for member in members:
        held = {p for p, owner in owners.items() if owner == member}
        claimable = set(range(N)) - set(owners)
        plan = plan_leases(held=held, claimable=claimable, share=share)
        for p in plan.release:
            del owners[p]
        for p in plan.claim:
            owners[p] = member


def test_members_joining_and_dying_converge_on_every_partition_owned_once_fairly() -> None:
    owners: dict[int, str] = {}
    _heartbeat(owners, ["a"])
    assert Counter(owners.values()) == {"a": N}
    for _ in range(2):  # b joins: a releases half, b claims it on the next heartbeat
        _heartbeat(owners, ["a", "b"])
    assert Counter(owners.values()) == {"a": 16, "b": 16}
    for _ in range(2):
        _heartbeat(owners, ["a", "b", "c"])
    assert sorted(Counter(owners.values()).values()) == [10, 11, 11]
    assert set(owners) == set(range(N))
    for p in [p for p, o in owners.items() if o == "b"]:  # b dies: its leases expire
        del owners[p]
    _heartbeat(owners, ["a", "c"])
    assert Counter(owners.values()) == {"a": 16, "c": 16}
    assert set(owners) == set(range(N))


def test_a_stable_cluster_plans_nothing() -> None:
    owners = {p: ("a" if p < 16 else "b") for p in range(N)}
    before = dict(owners)
    _heartbeat(owners, ["a", "b"])
    assert owners == before
