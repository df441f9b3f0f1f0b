"""The one argon2 hasher of console passwords and API token secrets.

argon2's default profile (RFC 9106, low memory) costs about 100 ms a hash by design.
Hashes carry their own parameters, so a hash made under one profile verifies under any:
tests hash with argon2's ``CHEAPEST`` profile (``use_hasher``) and production
verifies whatever it stored.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    """The argon2 hash to store for ``secret``."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """True when ``secret`` matches ``stored_hash``; False for a mismatch or a broken hash."""
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash with ``hasher`` from now on; returns the one used so far (to restore it)."""
    global _hasher  # one process-wide hasher is the point of this module
    previous, _hasher = _hasher, hasher
    return previous


def verify_nobody(secret: str) -> None:
    """Check ``secret`` against a hash of nobody's: an unknown name takes as long as a known one."""
    stored = _nobody.get(id(_hasher))
    if stored is None:
        stored = _nobody[id(_hasher)] = _hasher.hash("not the secret of anyone")
    verify_secret(stored, secret)


_nobody: dict[int, str] = {}
