"""The real sink against the real server: points written through it read back as written."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from collector.timeseries.influx_sink import InfluxSink
from collector.timeseries.outbox import list_rejected, read_status, record_lines
from collector.timeseries.points import BalanceFact, MovementFact, movement_points, to_lines
from collector.timeseries.sink import WriteStatus
from collector.timeseries.writer import OutboxWriter
from tests.collector.timeseries.victoria import free_port, wait_for_samples
from tests.support.services import VICTORIA_URL, is_listening, require, unique_name

pytestmark = pytest.mark.influx


@pytest.fixture(scope="module")
def victoria() -> str:
    require(is_listening("127.0.0.1", 8428), f"VictoriaMetrics at {VICTORIA_URL}")
    return VICTORIA_URL


@pytest.fixture
def sink(victoria):
    with InfluxSink(url=victoria, org="inventory", bucket="inventory", token="t") as real:
        yield real


def _sale_lines(owner: str, n: int) -> list[str]:
    """Sales a millisecond apart (VictoriaMetrics keeps milliseconds; InfluxDB nanoseconds)."""
    start = datetime.now(UTC)
    lines = []
    for i in range(1, n + 1):
        at = start + timedelta(milliseconds=i)
        movement = MovementFact(
            i, at, "COLA-330", "main/a-1", owner, "sale", Decimal(-1), Decimal("-0.45"),
            Decimal("0.45"),
        )  # fmt: skip
        balance = BalanceFact("COLA-330", "main/a-1", owner, Decimal(100 - i), Decimal(45 - i))
        lines += to_lines(movement_points(movement, balance))
    return lines


def test_points_read_back_as_series_per_field(victoria, sink):
    owner = unique_name("own")
    assert sink.write(_sale_lines(owner, 3)).status is WriteStatus.ACCEPTED
    series = wait_for_samples(victoria, f'{{__name__="stock_level_on_hand",owner="{owner}"}}', 3)
    [level] = series
    assert level["metric"] == {
        "__name__": "stock_level_on_hand",
        "sku": "COLA-330",
        "location": "main/a-1",
        "owner": owner,
    }
    assert level["values"] == [99, 98, 97]
    cogs = wait_for_samples(victoria, f'{{__name__="stock_movement_cogs",owner="{owner}"}}', 3)
    assert cogs[0]["metric"]["type"] == "sale"
    assert cogs[0]["values"] == [0.45, 0.45, 0.45]


def test_unreachable_server_is_retryable():
    with InfluxSink(url=f"http://127.0.0.1:{free_port()}", org="o", bucket="b", token="t") as s:
        result = s.write(["m f=1 1"])
    assert result.status is WriteStatus.RETRYABLE
    assert "Connection refused" in (result.reason or "")


def test_oversized_line_is_rejected_with_the_server_reason(sink):
    too_long = "m,k=" + "x" * 300_000 + f" f=1 {time.time_ns()}"
    result = sink.write([too_long])
    assert result.status is WriteStatus.REJECTED
    assert result.reason.startswith("HTTP 400: ")
    assert "too long line" in result.reason


def test_writer_sets_the_bad_line_aside_and_stores_the_rest(victoria, sink, outbox_engine):
    owner = unique_name("own")
    good = _sale_lines(owner, 20)
    bad = "m,k=" + "x" * 300_000 + f" f=1 {time.time_ns()}"
    with outbox_engine.begin() as conn:
        record_lines(conn, [*good[:17], bad, *good[17:]], recorded_at=datetime.now(UTC))
    writer = OutboxWriter(engine=outbox_engine, sink=sink, clock=lambda: datetime.now(UTC))
    report = writer.drain_once()
    assert (report.written, report.rejected) == (40, 1)
    with outbox_engine.connect() as conn:
        [rejected] = list_rejected(conn)
        assert read_status(conn, now=datetime.now(UTC)).backlog_points == 0
    assert rejected["line"] == bad
    assert "too long line" in rejected["reason"]
    series = wait_for_samples(victoria, f'{{__name__="stock_level_on_hand",owner="{owner}"}}', 20)
    # VictoriaMetrics, like InfluxDB, keeps the good lines of a refused request (partial
    # write), so bisecting may store some twice: count distinct timestamps, as InfluxDB would.
    assert len(set(series[0]["timestamps"])) == 20
