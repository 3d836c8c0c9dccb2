"""OSRS display names: what is legal, and the key under which two spellings are one player."""

from __future__ import annotations

import re

MAX_LENGTH = 12
# The hiscores treat space, underscore, hyphen and the non-breaking space alike.
_SEPARATORS = re.compile(r"[ _\-\u00a0]+")
_LEGAL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 _\-]*[A-Za-z0-9])?$")


class InvalidUsername(ValueError):
    """The text cannot be an OSRS display name; the message says why."""


def clean(raw: str) -> str:
    """The display name as given, trimmed and with non-breaking spaces made plain.

    Raises InvalidUsername when it is not a legal OSRS name.
    """
    if not isinstance(raw, str):
        raise InvalidUsername("A username must be text.")
    name = raw.replace("\u00a0", " ").strip()
    if not name:
        raise InvalidUsername("A username cannot be empty.")
    if len(name) > MAX_LENGTH:
        raise InvalidUsername(f"A username has at most {MAX_LENGTH} characters.")
    if not _LEGAL.match(name):
        raise InvalidUsername(
            "A username may hold only letters, digits, spaces, '-' and '_', "
            "and must start and end with a letter or digit."
        )
    return name


def normalise(raw: str) -> str:
    """The lookup key: lower case, every run of separators folded to one space."""
    return _SEPARATORS.sub(" ", clean(raw)).strip().lower()
