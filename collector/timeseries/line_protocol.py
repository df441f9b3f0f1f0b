"""InfluxDB line protocol rendered directly: the escaping rules, byte for byte as influxdb-client.

The ledger records a batch's points inside its own transaction, so building
them must cost little; ``influxdb_client.Point`` spends most of its time on
generality the collector does not need (numpy, datetimes, precision
conversion).  These functions produce exactly the bytes ``Point.to_line_protocol``
produces for the values the collector writes (strings as tags; ints, floats and
Decimals as fields), which ``tests/collector/timeseries/test_line_protocol.py``
checks against the client on generated cases.

Rules (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):

* measurement: ``,`` and space are backslash-escaped; ``\\n``, ``\\t``, ``\\r``
  become the two characters backslash-letter;
* tag keys, tag values and field keys: the same plus ``=``; a tag value ending
  in a backslash gets a trailing space so the backslash cannot escape the
  separator;
* tags sorted by key, empty tag values left out; fields sorted by key, ``None``
  and non-finite floats left out, integers suffixed ``i``, floats as Python's
  shortest repr with a trailing ``.0`` trimmed; a point without any field
  renders as the empty string (the server would refuse it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal

Number = int | float | Decimal

_ESCAPE_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"})
_ESCAPE_KEY = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
_NEEDS_ESCAPE = frozenset(",= \n\t\r")
_isfinite = math.isfinite


def escape_measurement(name: str) -> str:
    """A measurement name as line protocol spells it."""
    return name.translate(_ESCAPE_MEASUREMENT)


def escape_key(key: str) -> str:
    """A tag key or field key as line protocol spells it."""
    return key.translate(_ESCAPE_KEY)


def escape_tag_value(value: str) -> str:
    """A tag value as line protocol spells it (a trailing backslash gets a space after it)."""
    escaped = value if _NEEDS_ESCAPE.isdisjoint(value) else value.translate(_ESCAPE_KEY)
    return escaped + " " if escaped.endswith("\\") else escaped


def number_text(value: Number) -> str | None:
    """A float field's value, or ``None`` when it is not finite (such a field is left out)."""
    as_float = float(value)
    if not _isfinite(as_float):
        return None
    text = repr(as_float)
    return text[:-2] if text.endswith(".0") else text


def tag_set(tags: Iterable[tuple[str, str | None]]) -> str:
    """``,k=v,k=v`` for the non-empty tags, sorted by key (``""`` when there is none)."""
    parts = [
        f"{escape_key(key)}={escape_tag_value(value)}"
        for key, value in sorted(tags, key=lambda kv: kv[0])
        if value
    ]
    return "," + ",".join(parts) if parts else ""


def render_line(
    measurement: str,
    tags: Mapping[str, str | None],
    fields: Mapping[str, Number | None],
    time_ns: int,
    *,
    integers: frozenset[str] = frozenset(),
) -> str:
    """One point's line; fields named in ``integers`` are written as integers, others as floats.

    Returns ``""`` when no field is left (all ``None`` or non-finite).
    """
    rendered: list[str] = []
    for key in sorted(fields):
        value = fields[key]
        if value is None:
            continue
        if key in integers:
            rendered.append(f"{escape_key(key)}={int(value)}i")
            continue
        text = number_text(value)
        if text is not None:
            rendered.append(f"{escape_key(key)}={text}")
    if not rendered:
        return ""
    head = escape_measurement(measurement) + tag_set(tags.items())
    return f"{head} {','.join(rendered)} {time_ns}"
