"""The one argon2 hasher of console passwords and API token secrets.

argon2's default profile (RFC 9106, low memory) costs about 100 ms a hash by design.
Hashes carry their own parameters, so a hash made under one profile verifies under any:
tests hash with argon2's ``CHEAPEST`` profile (``use_hasher``) and production
verifies whatever it stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(slots=True)
class _Current:
    hasher: PasswordHasher
    nobody_hash: str | None = None  # made with ``hasher`` on first use, forgotten with it


_current = _Current(PasswordHasher())  # one process-wide hasher is the point of this module


def hash_secret(secret: str) -> str:
    """The argon2 hash to store for ``secret``."""
    return _current.hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """True when ``secret`` matches ``stored_hash``; False for a mismatch or a broken hash."""
    try:
        return _current.hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash with ``hasher`` from now on; returns the one used so far (to restore it)."""
    previous = _current.hasher
    _current.hasher, _current.nobody_hash = hasher, None
    return previous


def verify_nobody(secret: str) -> None:
    """Check ``secret`` against a hash of nobody's: an unknown name takes as long as a known one."""
    if _current.nobody_hash is None:
        _current.nobody_hash = _current.hasher.hash("not the secret of anyone")
    verify_secret(_current.nobody_hash, secret)
