"""The one argon2 hasher: production strength by default, hashes portable across profiles."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable

from argon2 import PasswordHasher, extract_parameters, profiles

from collector import secret_hashing


def test_a_process_starts_on_argon2s_production_profile() -> None:
    """A fresh copy of the module (this session's runs on CHEAPEST) hashes at full cost."""
    spec = importlib.util.spec_from_file_location("fresh_secret_hashing", secret_hashing.__file__)
    assert spec is not None
    assert spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fresh  # as importlib's recipe does: dataclasses look it up
    try:
        spec.loader.exec_module(fresh)
    finally:
        del sys.modules[spec.name]
    assert extract_parameters(fresh.hash_secret("x")) == profiles.RFC_9106_LOW_MEMORY
    assert extract_parameters(secret_hashing.hash_secret("x")) == profiles.CHEAPEST


def test_a_secret_verifies_and_another_does_not() -> None:
    stored = secret_hashing.hash_secret("s3cret-of-twenty-chars")
    assert secret_hashing.verify_secret(stored, "s3cret-of-twenty-chars")
    assert not secret_hashing.verify_secret(stored, "s3cret-of-twenty-charz")


def test_a_broken_hash_is_a_mismatch_not_an_error() -> None:
    assert not secret_hashing.verify_secret("not-a-hash", "anything")


def test_a_hash_made_under_one_profile_verifies_under_another() -> None:
    strong = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    stored = strong.hash("made in production")
    assert secret_hashing.verify_secret(stored, "made in production")  # verified on CHEAPEST


def test_checking_nobody_accepts_no_secret() -> None:
    secret_hashing.verify_nobody("not the secret of anyone")  # returns nothing, raises nothing
    verify: Callable[[str], object] = secret_hashing.verify_nobody
    assert verify("x") is None  # the None it is declared to return, checked at run time
