"""``Scope``: which owners' records a read may see (a 3PL client sees only its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Scope:
    """The owners a reader may see; ``owners`` None means every owner."""

    owners: frozenset[str] | None = None

    @classmethod
    def everyone(cls) -> Scope:
        """No restriction (admin, ops and integration tokens, the CLI)."""
        return cls(None)

    @property
    def is_restricted(self) -> bool:
        """True for a client's scope."""
        return self.owners is not None

    def where(self, owner_column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """The SQL condition limiting ``owner_column`` to this scope (always true when open)."""
        if self.owners is None:
            return sa.true()
        return owner_column.in_(sorted(self.owners))

    def sees(self, owner: str) -> bool:
        """Whether a record of ``owner`` is visible."""
        return self.owners is None or owner in self.owners
