"""What a generated ledger is made of, and the key it is cached under."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache

GENERATOR_VERSION = 4
"""Bump whenever the same parameters would give a different ledger (cached ones go stale)."""


@dataclass(frozen=True, slots=True)
class GenParams:
    """Sizes and seed of a generated ledger; equal parameters give the same ledger."""

    movements: int = 1_000_000
    """Journal lines to generate (generation stops at the event that reaches it)."""
    seed: int = 1
    skus: int = 5_000
    locations: int = 200
    """Leaf locations (shelves and bins); sites, zones and aisles are their ancestors."""
    owners: int = 3
    """``own`` and ``owners - 1`` 3PL clients."""
    days: int = 365
    start: date = date(2025, 1, 1)

    def __post_init__(self) -> None:
        """Refuse sizes the generator cannot build."""
        problems = [
            text
            for ok, text in (
                (self.movements >= 1, "movements must be at least 1"),
                (self.skus >= 1, "skus must be at least 1"),
                (self.locations >= 2, "locations must be at least 2 (a pick and a reserve bin)"),
                (1 <= self.owners <= 26, "owners must be 1 to 26"),
                (self.days >= 1, "days must be at least 1"),
            )
            if not ok
        ]
        if problems:
            raise ValueError("; ".join(problems))

    def key(self, database: str) -> str:
        """File-name-safe cache key of this ledger on ``database`` (``sqlite``, ``postgresql``).

        Names the sizes for people and hashes everything, schema head included, so a
        ledger built for an older schema or generator is never taken for a current one.
        """
        fields = {**asdict(self), "start": self.start.isoformat()}
        fields |= {"database": database, "version": GENERATOR_VERSION, "head": schema_head()}
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:10]
        return f"ledger-{database}-m{self.movements}-s{self.seed}-{digest}"

    def describe(self) -> str:
        """One line for logs and reports."""
        return (
            f"{self.movements:,} movements, seed {self.seed}, {self.skus:,} SKUs, "
            f"{self.locations} locations, {self.owners} owners, {self.days} days from "
            f"{self.start.isoformat()}"
        )


@lru_cache(maxsize=1)
def schema_head() -> str:
    """The newest migration of the ledger schema (what ``open_ledger`` upgrades to)."""
    from alembic.config import Config  # noqa: PLC0415 - only needed for cache keys
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", "collector.ledger:migrations")
    heads = ScriptDirectory.from_config(config).get_heads()
    return ",".join(sorted(heads))
