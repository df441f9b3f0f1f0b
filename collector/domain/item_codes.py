"""Items per owner: an owner's own SKU codes and GTINs, and which item a code names.

A client's item has the internal SKU ``owner:code`` (``acme:SKU-1``); ``/`` cannot be the
separator because SKUs travel in URL paths and MQTT topics, and ``:`` is in no owner id.
A code is looked up in the naming owner's catalogue first, then in the shared one; a
code only other owners use is refused as ambiguous (docs/owner-items.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from collector.errors import RejectedEventError

SEPARATOR = ":"
MAX_SKU_CHARS = 64


class CodeKind(StrEnum):
    """What an owner's code is: its own SKU code, or a GTIN (zero-padded to 14 digits)."""

    SKU = "sku"
    GTIN = "gtin"


def owner_sku(owner: str, code: str) -> str:
    """The internal SKU of ``owner``'s item ``code``; ``ValueError`` when it is too long."""
    sku = f"{owner}{SEPARATOR}{code}"
    if len(sku) > MAX_SKU_CHARS:
        raise ValueError(
            f"owner {owner}'s code {code!r} makes the SKU {sku!r}, longer than "
            f"{MAX_SKU_CHARS} characters: use a shorter code"
        )
    return sku


def padded_gtin(gtin: str) -> str:
    """A GTIN-8/12/13/14 as its 14-digit form (how owners' GTINs are stored)."""
    return gtin.zfill(14)


@dataclass(frozen=True, slots=True)
class CodeMatches:
    """Where a code was found: the naming owner's item, a shared item, other owners' items."""

    own: str | None = None
    shared: str | None = None
    others: Sequence[str] = ()
    """Owners (other than the naming one) whose catalogue has the code."""


def choose(kind: CodeKind, code: str, owner: str, matches: CodeMatches) -> str | None:
    """The SKU ``code`` names for ``owner``; None when no catalogue has it (unknown).

    ``RejectedEventError`` when only other owners' catalogues have it: which one is
    meant cannot be told, and guessing would post one client's goods to another's.
    """
    if matches.own is not None:
        return matches.own
    if matches.shared is not None:
        return matches.shared
    if not matches.others:
        return None
    whose = ", ".join(sorted(matches.others))
    raise RejectedEventError(
        f"{kind.value} {code!r} is in no catalogue of owner {owner} and not in the shared "
        f"one; it is a client code of owner(s) {whose}: send it with the owner whose code "
        "it is (or bind the device to that owner)"
    )
