"""Rebuildable writes commit without waiting for the disk, and only in a transaction
of their own (progress.rebuildable)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from progress.rebuildable import commit_without_waiting_for_the_disk

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's"
    ),
]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_transaction_of_its_own_commits_without_waiting_and_the_next_waits_again():
    with transaction.atomic():
        commit_without_waiting_for_the_disk()
        assert synchronous_commit() == "off"
    with transaction.atomic():
        assert synchronous_commit() == "on"


def test_inside_an_outer_transaction_the_outer_one_keeps_waiting():
    with transaction.atomic(), transaction.atomic():
        commit_without_waiting_for_the_disk()
        assert synchronous_commit() == "on"
