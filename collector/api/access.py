"""Who may do what: roles, the actions each allows, and the principal a request runs as.

Roles (``collector tokens create --role …``):

- ``admin``: everything;
- ``ops``: read everything, review alerts, run counts, replay dead letters, command devices;
- ``integration``: post transactions, read items and stock (a POS, a web shop, an ERP);
- ``client``: read only, and only the owners named on the token (a 3PL's customer);
  its own bills too. Only ``admin`` manages billing (rate cards, closing, invoicing).

Owner scoping is enforced in every query (``Principal.owners``), not only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from collector.views.scope import Scope


class Role(StrEnum):
    """What a token may do."""

    ADMIN = "admin"
    OPS = "ops"
    INTEGRATION = "integration"
    CLIENT = "client"


class Action(StrEnum):
    """Something a request does; each route needs one."""

    READ_ITEMS = "read items"
    WRITE_ITEMS = "write items"
    READ_STOCK = "read stock"
    READ_LOCATIONS = "read locations"
    WRITE_LOCATIONS = "write locations"
    POST_TRANSACTIONS = "post transactions"
    READ_MOVEMENTS = "read movements"
    READ_REPORTS = "read reports"
    READ_ALERTS = "read alerts"
    REVIEW_ALERTS = "review alerts"
    READ_COUNTS = "read counts"
    RUN_COUNTS = "run counts"
    READ_DEAD_LETTERS = "read dead letters"
    REPLAY_DEAD_LETTERS = "replay dead letters"
    READ_DEVICES = "read devices"
    COMMAND_DEVICES = "command devices"
    READ_PURCHASING = "read purchasing"
    MANAGE_PURCHASING = "manage purchasing"
    READ_BILLS = "read bills"
    MANAGE_BILLING = "manage billing"
    MANAGE_RETENTION = "manage retention"


_READS = frozenset(a for a in Action if a.value.startswith("read "))
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OPS: _READS
    | {
        Action.REVIEW_ALERTS,
        Action.RUN_COUNTS,
        Action.REPLAY_DEAD_LETTERS,
        Action.COMMAND_DEVICES,
        Action.MANAGE_PURCHASING,
    },
    Role.INTEGRATION: frozenset(
        {Action.POST_TRANSACTIONS, Action.READ_ITEMS, Action.READ_STOCK, Action.READ_LOCATIONS}
    ),
    Role.CLIENT: frozenset(
        {
            Action.READ_ITEMS,
            Action.READ_STOCK,
            Action.READ_LOCATIONS,
            Action.READ_MOVEMENTS,
            Action.READ_REPORTS,
            Action.READ_BILLS,
        }
    ),
}
"""The permission table: the role column of docs/api.md is rendered from it. A client (a
3PL's customer) reads its own goods: items, stock, movements, reports and bills; discrepancy
alerts are the warehouse's own work, as counts, devices and dead letters are."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Whom a request runs as: a token (or a console user), its role and owner scope."""

    name: str
    role: Role
    owners: frozenset[str] | None
    """The owners whose data it may see; None: every owner (every role but ``client``)."""
    token_id: int | None = None

    def may(self, action: Action) -> bool:
        """Whether the role allows ``action``."""
        return action in ROLE_ACTIONS[self.role]

    def sees_owner(self, owner: str) -> bool:
        """Whether records of ``owner`` are visible to it."""
        return self.owners is None or owner in self.owners

    @property
    def scope(self) -> Scope:
        """What the principal may read, for the queries of ``collector.views``."""
        return Scope(self.owners)

    @property
    def label(self) -> str:
        """How changes it makes are recorded (alert history, movement reasons, logs)."""
        return f"token:{self.name}" if self.token_id is not None else self.name
