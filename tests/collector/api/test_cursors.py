"""Cursors: sealed positions that open only for the list, filters and owners they came from."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from collector.api.cursors import CursorCodec, binding, load_cursor_key
from collector.api.problems import ProblemError
from collector.api.schema import api_secrets
from collector.ledger.engine import open_ledger
from collector.views.scope import Scope

NOW = datetime(2026, 12, 3, tzinfo=UTC)
A = Scope(frozenset({"client-a"}))
BOUND = binding("movements", A, {"sku": "SKU-1"})


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(Fernet.generate_key())


def test_a_sealed_position_opens_again(codec: CursorCodec) -> None:
    assert codec.open(codec.seal(BOUND, ["00000000000000000042"]), BOUND) == [
        "00000000000000000042"
    ]


def test_a_cursor_does_not_show_its_position(codec: CursorCodec) -> None:
    raw = base64.urlsafe_b64decode(codec.seal(BOUND, ["00000000000000000042"]))
    assert b"00000000000000000042" not in raw
    assert BOUND.encode() not in raw


@pytest.mark.parametrize(
    "other",
    [
        binding("movements", A, {"sku": "SKU-2"}),
        binding("movements", Scope(frozenset({"client-b"})), {"sku": "SKU-1"}),
        binding("movements", Scope.everyone(), {"sku": "SKU-1"}),
        binding("stock", A, {"sku": "SKU-1"}),
    ],
)
def test_a_cursor_opens_only_for_its_list_filters_and_owners(
    codec: CursorCodec, other: str
) -> None:
    cursor = codec.seal(BOUND, [1])
    with pytest.raises(ProblemError) as raised:
        codec.open(cursor, other)
    assert raised.value.kind.slug == "invalid-cursor"


def test_a_cursor_of_another_key_or_of_the_wrong_shape_is_refused(codec: CursorCodec) -> None:
    foreign = CursorCodec(Fernet.generate_key()).seal(BOUND, [1])
    for cursor in (foreign, "not-a-cursor", codec.seal(BOUND, [1, 2])):
        with pytest.raises(ProblemError):
            codec.open(cursor, BOUND)


def test_the_binding_is_the_same_whatever_the_order_of_filters_and_sets() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    event = UUID(int=7)
    one = binding("m", A, {"types": frozenset({"sale", "return"}), "from": at, "event": event})
    two = binding("m", A, {"event": event, "from": at, "types": frozenset({"return", "sale"})})
    assert one == two


def test_the_migration_makes_a_key_and_a_lost_key_is_made_again(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    with engine.begin() as conn:
        first = load_cursor_key(conn, now=NOW)
        assert load_cursor_key(conn, now=NOW) == first
        conn.execute(api_secrets.delete())
        made = load_cursor_key(conn, now=NOW)
        assert made != first
        assert conn.execute(sa.select(sa.func.count()).select_from(api_secrets)).scalar() == 1
    engine.dispose()
    CursorCodec(made)  # a valid Fernet key
