"""A resolution and a fetch at the same moment (PostgreSQL: row locks): both
take the player's lock, so whichever comes second sees the first's result, and
every record ends in exactly one history."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from players.flags import flag_resolve_name_transfer
from players.models import FetchOutcome, Player, PlayerFlag
from players.records import HiscoreRecord
from tests.players.test_flags import BASE, STRANGER, answer, record_at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def in_thread(work, barrier: threading.Barrier, results: list, index: int) -> threading.Thread:
    def run():
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # reported by the test
            results[index] = error
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.parametrize("attempt", range(3))
def test_a_transfer_resolved_while_a_fetch_records_keeps_every_record_once(attempt):
    player = Player.objects.create(
        username="Zezima", username_key="zezima", next_fetch_at="2026-01-01T00:00Z"
    )
    record_at(player, 0, answer())
    record_at(player, 1, answer(attack=BASE + 20_000))
    record_at(player, 2, STRANGER)
    flag = PlayerFlag.objects.get()
    newer = answer(kc=4, attack=210_000, cooking=50_000_000, magic=90_000)

    barrier, results = threading.Barrier(2), [None, None]
    threads = [
        in_thread(lambda: flag_resolve_name_transfer(flag=flag), barrier, results, 0),
        in_thread(lambda: record_at(player, 3, newer), barrier, results, 1),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not any(isinstance(r, Exception) for r in results), results
    archived = Player.objects.get(archived=True)
    player.refresh_from_db()
    assert HiscoreRecord.objects.count() == 4
    assert archived.records.count() == 2  # the old account's, never the new answer
    assert player.records.count() == 2
    # Recorded first, the answer was held and released; second, it counted at once.
    assert results[1] in (FetchOutcome.FLAGGED, FetchOutcome.STORED)
    assert not HiscoreRecord.objects.filter(flagged=True).exists()
    assert player.latest_record == player.records.latest("fetched_at")
