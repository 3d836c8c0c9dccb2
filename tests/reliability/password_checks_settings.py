"""The project's settings, with every password check counted (password_checks.py)."""

from osrsdiff.settings import *  # noqa: F403
from osrsdiff.settings import PASSWORD_HASHERS

PASSWORD_HASHERS = ["tests.reliability.password_checks.CountingHasher", *PASSWORD_HASHERS]
