"""Delivering a batch: accepted rows settle, refused batches are bisected, outages stop early."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.timeseries.delivery import deliver
from collector.timeseries.outbox import OutboxRow

AT = datetime(2026, 11, 25, tzinfo=UTC)


def _rows(n: int, bad: frozenset[int] = frozenset()) -> list[OutboxRow]:
    return [OutboxRow(i, f"m,k={'BAD' if i in bad else 'ok'} f={i} {i}", AT) for i in range(n)]


def test_a_good_batch_goes_in_one_request(sink):
    delivery = deliver(sink, _rows(5_000))
    assert delivery.accepted_ids == list(range(5_000))
    assert sink.requests == [5_000]


def test_one_bad_line_is_isolated_and_the_rest_stored(sink):
    delivery = deliver(sink, _rows(5_000, bad=frozenset({1_234})))
    assert [r.row.id for r in delivery.rejections] == [1_234]
    assert "unable to parse" in delivery.rejections[0].reason
    assert len(sink.stored) == 4_999
    assert sorted(delivery.accepted_ids) == [i for i in range(5_000) if i != 1_234]
    assert delivery.requests <= 2 * 13 + 1  # 2·ceil(log2 5000) + the first try


def test_every_bad_line_is_found(sink):
    bad = frozenset({0, 7, 8, 99})
    delivery = deliver(sink, _rows(100, bad=bad))
    assert {r.row.id for r in delivery.rejections} == bad
    assert len(delivery.accepted_ids) == 96


def test_an_outage_stops_delivery_and_settles_nothing(sink):
    sink.down = True
    delivery = deliver(sink, _rows(10))
    assert delivery.failure is not None
    assert delivery.failure.reason == "connection refused"
    assert delivery.settled == 0
    assert sink.requests == [10]
