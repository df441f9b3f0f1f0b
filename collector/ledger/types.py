"""Column types that store decimals and instants exactly on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import QUANTUM, SCALE_DIGITS

_MICRO = 10**SCALE_DIGITS

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint and index names of every table in the ledger database (the migrations use them)."""
ACTOR_CHARS = 128
"""Width of the columns naming who did something: a person, a process, or an API token's
label (``token:`` and a name of up to 64 characters), like ``inbox.principal``."""


class Micro(sa.types.TypeDecorator[Decimal]):
    """A Decimal with at most 6 decimals, stored as a BIGINT of millionths.

    Exact in both databases and summable in SQL (``SUM`` returns micro-units, which
    this type turns back into a Decimal). More than 6 decimals is refused, never rounded.
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> int | None:
        """Decimal → integer micro-units."""
        if value is None:
            return None
        scaled = value * _MICRO
        micro_units = int(scaled)
        if micro_units != scaled:
            raise ValueError(f"{value} has more than {SCALE_DIGITS} decimals")
        return micro_units

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        """Integer micro-units → Decimal with exactly 6 decimals."""
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-SCALE_DIGITS).quantize(QUANTUM)

    def coerce_compared_value(self, op: Any, value: Any) -> sa.types.TypeEngine[Any]:
        """Compare against literals as Micro too, so ``qty > 0`` binds micro-units."""
        return self


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware instant stored in UTC; read back as aware UTC on every database.

    PostgreSQL stores ``timestamptz``. SQLite has no date type: the value is stored as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC (sortable, SQLAlchemy's own layout),
    formatted here in one step because ingest writes several per event.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        """Text on SQLite, timestamptz elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: instants must carry a zone")
        converted = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return converted.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return converted

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        """Parse SQLite text; attach UTC where the database dropped the zone."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def id_column_type() -> sa.types.TypeEngine[int]:
    """BIGINT on PostgreSQL; INTEGER on SQLite so the column is the rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
