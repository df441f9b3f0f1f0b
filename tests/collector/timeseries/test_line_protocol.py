"""The direct line-protocol renderer gives byte for byte what influxdb-client's Point gives."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from influxdb_client import Point, WritePrecision

from collector.timeseries.line_protocol import (
    escape_key,
    escape_measurement,
    escape_tag_value,
    render_line,
)
from collector.timeseries.points import BalanceFact, MovementFact, movement_points, timestamp_ns

TRICKY = st.sampled_from([",", "=", " ", "\n", "\t", "\r", "\\", '"', "#", "é", "\x00"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=4)), max_size=6).map("".join)
KEY = TEXT.filter(bool)
NUMBER = st.one_of(
    st.none(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
)
TIME_NS = st.integers(min_value=0, max_value=2**63 - 1)


def _client_line(
    measurement: str,
    tags: dict[str, str | None],
    fields: dict[str, int | float | Decimal | None],
    time_ns: int,
    integers: frozenset[str],
) -> str:
    """What influxdb-client renders, the values converted as ``build_point`` always did."""
    point = Point(measurement).time(time_ns, WritePrecision.NS)
    for key, tag in tags.items():
        if tag:
            point.tag(key, tag)
    for key, value in fields.items():
        if value is not None:
            point.field(key, int(value) if key in integers else float(value))  # type: ignore[call-overload, arg-type]
    return point.to_line_protocol()


@settings(max_examples=300, deadline=None)
@given(
    measurement=KEY.filter(lambda m: not m.startswith("#")),
    tags=st.dictionaries(KEY, st.one_of(st.none(), TEXT), max_size=5),
    fields=st.dictionaries(KEY, NUMBER, max_size=6),
    time_ns=TIME_NS,
    data=st.data(),
)
def test_render_line_matches_influxdb_client(measurement, tags, fields, time_ns, data):
    finite_ints = [k for k, v in fields.items() if v is None or _is_finite(v)]
    integers = frozenset(data.draw(st.lists(st.sampled_from(finite_ints), unique=True))
                         if finite_ints else [])  # fmt: skip
    expected = _client_line(measurement, tags, fields, time_ns, integers)
    assert render_line(measurement, tags, fields, time_ns, integers=integers) == expected


def _is_finite(value: object) -> bool:
    try:
        int(value)  # type: ignore[call-overload]
    except (OverflowError, ValueError):
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(
    names=st.tuples(TEXT, TEXT, TEXT, TEXT),
    qty=NUMBER.filter(lambda v: v is not None).map(lambda v: Decimal(str(v))),
    value=st.decimals(allow_nan=False, allow_infinity=False, places=6),
    cogs=st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4)),
    on_hand=st.decimals(allow_nan=False, allow_infinity=False, places=6),
    other_position=st.booleans(),
    movement_id=st.integers(min_value=1, max_value=2**40),
    micros=st.integers(min_value=0, max_value=4_000_000_000_000_000),
)
def test_movement_points_match_influxdb_client(  # noqa: PLR0917
    names, qty, value, cogs, on_hand, other_position, movement_id, micros
):
    sku, location, owner, kind = names
    at = datetime.fromtimestamp(micros / 1e6, UTC)
    movement = MovementFact(movement_id, at, sku, location, owner, kind, qty, value, cogs)
    where = (sku + "x", location, owner) if other_position else (sku, location, owner)
    balance = BalanceFact(*where, on_hand, value)
    ts = timestamp_ns(at, movement_id)
    expected = [
        _client_line(
            "stock_movement",
            {"sku": sku, "location": location, "owner": owner, "type": kind},
            {"qty": qty, "value": value, "cogs": cogs}, ts, frozenset(),
        ),
        _client_line(
            "stock_level",
            {"sku": where[0], "location": where[1], "owner": where[2]},
            {"on_hand": on_hand, "value": value}, ts, frozenset(),
        ),
    ]  # fmt: skip
    assert movement_points(movement, balance) == [line for line in expected if line]


def test_escaping_rules_by_example():
    assert escape_measurement("a b,c=d\n") == r"a\ b\,c=d\n"
    assert escape_key("a b,c=d\t") == r"a\ b\,c\=d\t"
    assert escape_tag_value("ends\\") == "ends\\ "
    assert escape_tag_value('quote"s') == 'quote"s'
