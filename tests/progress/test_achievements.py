"""Achievements: dated by the window between two records, never made up, and the
same after a rebuild (docs/api.md, "Achievements")."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiscores import levels
from players.models import Player
from players.records import HiscoreRecord
from progress import achievements
from progress.achievement_store import history_reached, on_record_written, rebuild
from progress.models import Achievement
from progress.signals import achievement_reached
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries
from tests.queued import run_queued

pytestmark = pytest.mark.django_db

XP_99 = levels.experience_for_level(99)


def stored(player) -> dict[str, tuple]:
    return {
        a.key: (a.achieved_at, a.achieved_after, a.achieved_before)
        for a in Achievement.objects.filter(player=player)
    }


def test_the_catalogue_covers_every_skill_boss_and_the_milestones():
    keys = {d.key for d in achievements.definitions()}
    assert {"attack.level.99", "sailing.experience.200000000", "zulrah.kills.1000"} <= keys
    assert {"overall.base_level.70", "overall.base_level.99", "clue_scrolls_all.score.100"} <= keys
    assert any(d.name == "Maxed" for d in achievements.definitions())
    assert len(keys) == len(achievements.definitions())


def test_a_99_between_two_records_is_dated_by_their_window(player):
    first = add_record(
        player, NOW - timedelta(days=3), skills=skill_entries(1_000_000, attack=XP_99 - 10)
    )
    second = add_record(
        player, NOW - timedelta(days=1), skills=skill_entries(1_000_000, attack=XP_99)
    )
    at, after, before = stored(player)["attack.level.99"]
    assert (at, after, before) == (second.fetched_at, first.last_checked_at, second.fetched_at)
    assert after < before


def test_a_first_record_already_at_99_has_no_date(player):
    first = add_record(
        player, NOW - timedelta(days=3), skills=skill_entries(1_000_000, attack=XP_99)
    )
    assert stored(player)["attack.level.99"] == (None, None, first.fetched_at)


def test_a_rollback_keeps_the_first_date_and_unranked_reaches_nothing(player):
    add_record(player, NOW - timedelta(days=4), skills=skill_entries(1_000_000, attack=XP_99 - 1))
    reached = add_record(
        player, NOW - timedelta(days=3), skills=skill_entries(1_000_000, attack=XP_99)
    )
    add_record(player, NOW - timedelta(days=2), skills=skill_entries(1_000_000, attack=XP_99 - 5))
    add_record(
        player,
        NOW - timedelta(days=1),
        skills=skill_entries(1_000_000, attack=XP_99 + 5, mining=None),
    )
    assert stored(player)["attack.level.99"][0] == reached.fetched_at
    assert not any(key.startswith("mining.") for key in stored(player))


def test_a_boss_new_to_the_hiscores_is_not_dated_as_if_killed_in_the_window(player):
    before = boss_entries()
    before.pop("zulrah")  # the row did not exist yet
    add_record(player, NOW - timedelta(days=3), bosses=before)
    shown = add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=600))
    assert stored(player)["zulrah.kills.500"] == (None, None, shown.fetched_at)


def test_an_unranked_boss_was_below_its_minimum_so_the_window_holds(player):
    first = add_record(player, NOW - timedelta(days=3), bosses=boss_entries())
    shown = add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=60))
    assert stored(player)["zulrah.kills.50"] == (
        shown.fetched_at,
        first.last_checked_at,
        shown.fetched_at,
    )


def test_a_row_the_catalogue_does_not_know_reaches_nothing(player):
    bosses = boss_entries(brand_new_boss=5000)
    add_record(player, NOW - timedelta(days=3), bosses=bosses)
    add_record(
        player,
        NOW - timedelta(days=1),
        bosses={**bosses, "brand_new_boss": {"rank": 1, "kc": 9000}},
    )
    assert not any(key.startswith("brand_new_boss") for key in stored(player))


def test_new_dated_achievements_are_announced_once_committed(
    player, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, player, achievements, **kwargs):
        heard.append((player.pk, sorted(f"{a.key}: {a.name}" for a in achievements)))

    achievement_reached.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            add_record(
                player, NOW - timedelta(days=3), skills=skill_entries(1_000_000, attack=XP_99)
            )
        assert heard == []  # the first record's are not news
        with django_capture_on_commit_callbacks(execute=True):
            add_record(
                player,
                NOW - timedelta(days=1),
                skills=skill_entries(1_000_000, attack=XP_99, agility=XP_99),
            )
        assert heard == [(player.pk, ["agility.level.99: 99 Agility"])]
    finally:
        achievement_reached.disconnect(receiver)


def test_the_rebuild_command_stores_what_the_incremental_path_did(player):
    add_record(player, NOW - timedelta(days=9), skills=skill_entries(1_000_000))
    add_record(
        player,
        NOW - timedelta(days=5),
        skills=skill_entries(14_000_000, mining=None),
        bosses=boss_entries(zulrah=120),
    )
    add_record(
        player,
        NOW - timedelta(days=1),
        skills=skill_entries(60_000_000),
        bosses=boss_entries(zulrah=90),
    )
    incremental = stored(player)
    assert incremental
    call_command("rebuild_achievements", stdout=io.StringIO())
    assert stored(player) == incremental


def test_a_record_written_before_others_queues_a_rebuild(
    player, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_record(player, NOW - timedelta(days=1), skills=skill_entries(1_000_000, attack=XP_99))
        add_record(
            player, NOW - timedelta(days=5), skills=skill_entries(1_000_000, attack=XP_99 - 1)
        )
    # Until the task runs, what the first record stored stays (undated).
    assert stored(player)["attack.level.99"][0] is None
    assert run_queued("celery") == 1
    later = HiscoreRecord.objects.get(player=player, fetched_at=NOW - timedelta(days=1))
    assert stored(player)["attack.level.99"][0] == later.fetched_at


def test_achievements_missing_after_the_upgrade_are_rebuilt(
    player, django_capture_on_commit_callbacks
):
    add_record(player, NOW - timedelta(days=5), skills=skill_entries(1_000_000, attack=XP_99))
    Achievement.objects.filter(player=player).delete()  # as before the upgrade
    with django_capture_on_commit_callbacks(execute=True):
        add_record(player, NOW - timedelta(days=1), skills=skill_entries(1_000_000, attack=XP_99))
    assert run_queued("celery") == 1
    assert "attack.level.99" in stored(player)


_levels = st.sampled_from([XP_99 - 1, XP_99, None, 60_000_000])
_kills = st.sampled_from([None, 40, 50, 120, "absent"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(_levels, _kills), min_size=1, max_size=6))
def test_incremental_equals_a_rebuild_and_dates_stay_inside_their_records(steps):
    player = PlayerFactory()
    try:
        for index, (xp, kc) in enumerate(steps):
            bosses = boss_entries(zulrah=None if kc == "absent" else kc)
            if kc == "absent":
                bosses.pop("zulrah")
            add_record(
                player,
                NOW - timedelta(days=10 - index),
                skills=skill_entries(1_000_000, attack=xp),
                bosses=bosses,
            )
        incremental = stored(player)
        records = list(HiscoreRecord.objects.filter(player=player).order_by("fetched_at"))
        moments = {r.fetched_at for r in records}
        checked = {r.last_checked_at for r in records}
        for at, after, before in incremental.values():
            assert before in moments
            assert at is None or (at == before and after in checked and after < before)
        assert {r.definition.key for r in history_reached(records)} == set(incremental)
        rebuild(player.pk)
        assert stored(player) == incremental
    finally:
        Player.objects.filter(pk=player.pk).delete()


def test_a_minus_one_from_the_hiscores_is_unranked_and_reaches_nothing(player):
    skills = skill_entries(1_000_000)
    skills["attack"] = {"rank": -1, "level": -1, "experience": -1}
    bosses = {**boss_entries(), "zulrah": {"rank": -1, "kc": -1}}
    add_record(player, NOW - timedelta(days=2), skills=skills, bosses=bosses)
    shown = add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=100))
    keys = stored(player)
    assert not any(key.startswith("attack.") for key in keys)
    # -1 kills read as unranked: below the minimum, so the window holds.
    assert keys["zulrah.kills.100"][0] == shown.fetched_at


def test_a_batch_of_players_records_stores_and_announces_as_one_at_a_time(
    django_capture_on_commit_callbacks,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def players_with_a_record(count: int, name: str) -> list[Player]:
        players = [PlayerFactory(username=f"{name} {index}") for index in range(count)]
        for who in players:
            add_record(who, NOW - timedelta(days=3), skills=skill_entries(1_000_000))
        return players

    def next_records(players: list[Player]) -> list[HiscoreRecord]:
        return [
            HiscoreRecordFactory(
                player=who,
                fetched_at=NOW - timedelta(days=1),
                skills_data=skill_entries(1_000_000, attack=XP_99 + index),
            )
            for index, who in enumerate(players)
        ]

    heard = []

    def receiver(sender, player, achievements, **kwargs):
        heard.append((player.pk, sorted(a.key for a in achievements)))

    one, many = players_with_a_record(1, "One"), players_with_a_record(5, "Many")
    achievement_reached.connect(receiver)
    try:
        counts = []
        for players in (one, many):
            records = next_records(players)
            with django_capture_on_commit_callbacks(execute=True):
                with CaptureQueriesContext(connection) as captured:
                    on_record_written(sender=HiscoreRecord, records=records)
                counts.append(len(captured.captured_queries))
    finally:
        achievement_reached.disconnect(receiver)
    assert counts[0] == counts[1]  # the queries of one player, however many
    for who in one + many:
        first = HiscoreRecord.objects.get(player=who, fetched_at=NOW - timedelta(days=3))
        assert stored(who)["attack.level.99"] == (
            NOW - timedelta(days=1),
            first.last_checked_at,
            NOW - timedelta(days=1),
        )
    assert sorted(heard) == sorted((who.pk, ["attack.level.99"]) for who in one + many)


def test_a_batch_of_first_records_stores_what_a_rebuild_does():
    players = [PlayerFactory(username=f"First {index}") for index in range(3)]
    records = [
        HiscoreRecordFactory(
            player=who,
            fetched_at=NOW - timedelta(days=1),
            skills_data=skill_entries(1_000_000 * (index + 1), attack=XP_99),
            bosses_data=boss_entries(zulrah=120 * index or None),
        )
        for index, who in enumerate(players)
    ]
    on_record_written(sender=HiscoreRecord, records=records)
    incremental = {who.pk: stored(who) for who in players}
    assert all(incremental.values())
    for who in players:
        rebuild(who.pk)
    assert {who.pk: stored(who) for who in players} == incremental
