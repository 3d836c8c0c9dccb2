"""Counts password checks in processes the test does not run itself (gunicorn's
workers): `password_checks_settings` puts CountingHasher first, so it hashes the
dummy password of an unknown username, and the victim's password is stored with
it, so it verifies every guess at a real account. Each check appends a line to
the file PASSWORD_CHECKS_FILE names (appends of a line are atomic across
processes); without that variable nothing is counted."""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth.hashers import MD5PasswordHasher, make_password


class CountingHasher(MD5PasswordHasher):
    algorithm = "counted_md5"

    def encode(self, password: str, salt: str) -> str:
        # Both ways of checking pass here: MD5's verify() encodes the guess again.
        _count()
        return super().encode(password, salt)


def _count() -> None:
    path = os.environ.get("PASSWORD_CHECKS_FILE")
    if path:
        with open(path, "a") as ledger:
            ledger.write("checked\n")


def counted_password(password: str) -> str:
    """A stored password whose every later check is counted (this process counts none)."""
    return make_password(password, hasher=CountingHasher())


def checks_in(ledger: Path) -> int:
    return len(ledger.read_text().splitlines()) if ledger.exists() else 0
