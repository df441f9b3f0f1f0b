"""Delivering lines: accepted ones settle, refused requests are bisected, outages stop early."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.timeseries.delivery import deliver
from collector.timeseries.outbox import PendingLine

AT = datetime(2026, 11, 25, tzinfo=UTC)


def _lines(n: int, bad: frozenset[int] = frozenset(), per_row: int = 1_000) -> list[PendingLine]:
    return [
        PendingLine(i // per_row, i % per_row, f"m,k={'BAD' if i in bad else 'ok'} f={i} {i}", AT)
        for i in range(n)
    ]


def _numbers(lines) -> list[int]:
    return [int(p.line.rsplit(" ", 1)[1]) for p in lines]


def test_good_lines_go_in_requests_of_at_most_max_lines(sink):
    delivery = deliver(sink, _lines(12_000), max_lines=5_000)
    assert _numbers(delivery.accepted) == list(range(12_000))
    assert sink.requests == [5_000, 5_000, 2_000]


def test_one_bad_line_is_isolated_and_the_rest_stored(sink):
    delivery = deliver(sink, _lines(5_000, bad=frozenset({1_234})), max_lines=5_000)
    assert [_numbers([r.pending]) for r in delivery.rejections] == [[1_234]]
    assert "unable to parse" in delivery.rejections[0].reason
    assert len(sink.stored) == 4_999
    assert sorted(_numbers(delivery.accepted)) == [i for i in range(5_000) if i != 1_234]
    assert delivery.requests <= 2 * 13 + 1  # 2·ceil(log2 5000) + the first try


def test_every_bad_line_is_found(sink):
    bad = frozenset({0, 7, 8, 99})
    delivery = deliver(sink, _lines(100, bad=bad), max_lines=5_000)
    assert {_numbers([r.pending])[0] for r in delivery.rejections} == bad
    assert len(delivery.accepted) == 96


def test_an_outage_stops_delivery_and_settles_nothing(sink):
    sink.down = True
    lines = _lines(10)
    delivery = deliver(sink, lines, max_lines=4)
    assert delivery.failure is not None
    assert delivery.failure.reason == "connection refused"
    assert delivery.unsettled(lines) == lines
    assert sink.requests == [4]


def test_lines_after_a_mid_delivery_failure_stay_unsettled(sink):
    lines = _lines(10)

    def fail_second_request(batch, real=sink.write):
        sink.down = len(sink.requests) >= 1
        return real(batch)

    sink.write = fail_second_request
    delivery = deliver(sink, lines, max_lines=4)
    assert _numbers(delivery.accepted) == [0, 1, 2, 3]
    assert _numbers(delivery.unsettled(lines)) == list(range(4, 10))
