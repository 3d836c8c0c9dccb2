"""Records (progress.bests, progress.bests_table): the rules on chosen histories,
the upkeep as records are written, and the rebuild command."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from players.records import HiscoreRecord
from progress import bests, bests_store, bests_table
from progress.gains import Gain
from progress.models import BestCursor, BestGain
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.progress.builders import (
    NOW,
    activity_entries,
    add_record,
    boss_entries,
    skill_entries,
    state,
)
from tests.progress.test_bests_properties import brute_force, table

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def records_of(player) -> dict[tuple[str, str], tuple]:
    return {
        (r.metric, r.period): (r.value, r.approximate, r.start_at, r.end_at)
        for r in BestGain.objects.filter(player=player)
    }


def test_the_best_day_is_the_largest_gain_between_records_a_day_apart(player):
    t = NOW - 10 * DAY
    add_record(player, t, bosses=boss_entries(zulrah=10))
    add_record(player, t + 0.5 * DAY, bosses=boss_entries(zulrah=30))
    add_record(player, t + 3 * DAY, bosses=boss_entries(zulrah=40))
    add_record(player, t + 3.9 * DAY, bosses=boss_entries(zulrah=100))
    rows = records_of(player)
    # 40 -> 100 within a day beats 10 -> 30; over a week, 10 -> 100.
    assert rows["zulrah", "day"] == (60, False, t + 3 * DAY, t + 3.9 * DAY)
    assert rows["zulrah", "week"] == (90, False, t, t + 3.9 * DAY)


def test_a_rollback_is_never_a_gain(player):
    t = NOW - 10 * DAY
    add_record(player, t, bosses=boss_entries(zulrah=100))
    add_record(player, t + DAY / 2, bosses=boss_entries(zulrah=40))
    add_record(player, t + DAY * 0.75, bosses=boss_entries(zulrah=50))
    # Only 40 -> 50 gained; 100 -> 40 is no gain, and 100 -> 50 neither.
    assert records_of(player)["zulrah", "day"] == (10, False, t + DAY / 2, t + DAY * 0.75)


def test_a_row_first_ranked_inside_the_window_is_a_flagged_lower_bound(player):
    t = NOW - 10 * DAY
    add_record(player, t, bosses=boss_entries())  # zulrah unranked
    add_record(player, t + DAY / 2, bosses=boss_entries(zulrah=12))
    # Listed from 5 kills: at least 12 - 4.
    assert records_of(player)["zulrah", "day"] == (8, True, t, t + DAY / 2)


def test_an_exact_gain_beats_an_equal_approximate_one():
    end = state(NOW, bosses={"zulrah": 12})
    unranked = state(NOW - DAY / 2, bosses={"zulrah": None})
    at_four = state(NOW - DAY / 4, bosses={"zulrah": 4})
    got = bests.bests_ending_at(end, {"day": unranked}, [(at_four, {"zulrah"})], metrics=["zulrah"])
    assert got["zulrah", "day"] == bests.Best(8, False, at_four.at, NOW)


def test_a_skill_revealed_by_overall_may_start_a_record_after_a_steady_step():
    """Overall reveals an unranked skill; the next record grows Overall no less, yet
    reveals less of the skill (its totals do not add up): the later start gains more,
    so it is a break."""
    others = {slug: 1_000_000 for slug in bests.catalogue.SKILL_SLUGS if slug != "attack"}
    first = state(NOW - 3 * DAY, skills={**others, "attack": None}, overall=23_800_000)
    steady = state(
        NOW - 2 * DAY,
        skills={**others, "attack": None, "sailing": 1_500_000},
        overall=23_800_000,
    )
    ranked = state(NOW - DAY, skills={**others, "attack": 900_000, "sailing": 1_500_000})
    assert bests.broken_metrics(first, steady) == {"attack", "ehp"}  # EHP follows the skills
    got = bests.bests_ending_at(ranked, {"week": first}, [(steady, {"attack"})], metrics=["attack"])
    # 900,000 - (23,800,000 - 22,000,000 - 1,500,000) from the steady step's record.
    assert got["attack", "week"] == bests.Best(600_000, False, steady.at, ranked.at)


def test_a_break_names_the_metrics_that_did_not_simply_hold_or_grow():
    before = state(NOW - DAY, bosses={"zulrah": 10, "vorkath": None})
    broken = bests.broken_metrics
    assert broken(before, state(NOW, bosses={"zulrah": 11, "vorkath": None})) == set()
    # A boss's break is EHB's too, which is computed from the kills.
    assert broken(before, state(NOW, bosses={"zulrah": 9, "vorkath": None})) == {"zulrah", "ehb"}
    assert broken(before, state(NOW, bosses={"zulrah": 11, "vorkath": 50})) == {"vorkath", "ehb"}
    assert broken(before, state(NOW, bosses={"zulrah": 11})) == {"vorkath", "ehb"}
    # A skill rolled back: the skill, Overall, which sums the skills, and EHP.
    skills = {"attack": 1_000, "strength": 1_000}
    assert broken(
        state(NOW - DAY, skills=skills), state(NOW, skills={**skills, "attack": 900})
    ) == {"attack", "overall", "ehp"}
    # The first record starts every window that holds it: no mark needed.
    assert broken(None, before) == set()


def test_a_registered_metric_gets_records(player, monkeypatch):
    monkeypatch.setattr(bests, "METRICS", dict(bests.METRICS))

    def doubled_attack(start, end):
        gain = bests.METRICS["attack"](start, end)
        return Gain(gain.value * 2, gain.approximate)

    bests.register("double_attack", doubled_attack)
    t = NOW - 10 * DAY
    add_record(player, t, skills=skill_entries(attack=1_000))
    add_record(player, t + DAY / 2, skills=skill_entries(attack=1_500))
    assert records_of(player)["double_attack", "day"][0] == 1_000


def test_a_record_written_before_the_cursor_rebuilds_the_player(player):
    t = NOW - 10 * DAY
    add_record(player, t + DAY / 2, bosses=boss_entries(zulrah=50))
    add_record(player, t + DAY, bosses=boss_entries(zulrah=60))
    # History loaded after the fact, older than what was folded in.
    add_record(player, t, bosses=boss_entries(zulrah=10))
    written = list(HiscoreRecord.objects.filter(player=player).order_by("fetched_at"))
    assert table(player) == brute_force(written)
    assert records_of(player)["zulrah", "day"][0] == 50


def test_a_lost_signal_is_made_good_by_the_next_record(player):
    t = NOW - 10 * DAY
    add_record(player, t, bosses=boss_entries(zulrah=10))
    # Written without `record_written` (a process killed after the commit).
    HiscoreRecordFactory(
        player=player,
        fetched_at=t + DAY / 2,
        skills_data=skill_entries(),
        bosses_data=boss_entries(zulrah=70),
    )
    assert bests_store.lagging_players() == []  # latest_record was not moved either
    add_record(player, t + DAY * 0.75, bosses=boss_entries(zulrah=75))
    written = list(HiscoreRecord.objects.filter(player=player).order_by("fetched_at"))
    assert table(player) == brute_force(written)
    assert records_of(player)["zulrah", "day"][0] == 65


def test_rebuild_records_folds_in_players_never_folded_and_reports_progress(player):
    t = NOW - 10 * DAY
    add_record(player, t, bosses=boss_entries(zulrah=10))
    add_record(player, t + DAY / 2, bosses=boss_entries(zulrah=30))
    expected = table(player)
    # As right after the upgrade that added the table: nothing folded in.
    BestGain.objects.all().delete()
    BestCursor.objects.all().delete()
    assert bests_store.lagging_players() == [player.pk]
    out = io.StringIO()
    call_command("rebuild_records", stdout=out)
    assert table(player) == expected
    assert "1 / 1 players (100%), 2 records folded in" in out.getvalue()
    assert bests_store.lagging_players() == []


def test_rebuild_records_all_recomputes_every_player(player):
    other = PlayerFactory(username="Lynx Titan")
    t = NOW - 10 * DAY
    for who in (player, other):
        add_record(who, t, bosses=boss_entries(zulrah=10))
        add_record(who, t + DAY / 2, bosses=boss_entries(zulrah=30))
    expected = {who.pk: table(who) for who in (player, other)}
    BestGain.objects.filter(player=other).update(value=1)  # a row gone wrong
    out = io.StringIO()
    call_command("rebuild_records", "--all", stdout=out)
    assert {who.pk: table(who) for who in (player, other)} == expected
    assert "2 / 2 players (100%), 4 records folded in" in out.getvalue()


def test_deleting_a_player_leaves_no_rows(player):
    from players.tracking import player_untrack

    add_record(player, NOW - 2 * DAY, bosses=boss_entries(zulrah=10))
    add_record(player, NOW - DAY, bosses=boss_entries(zulrah=30))
    assert BestGain.objects.exists()
    player_untrack(player=player)
    assert not BestGain.objects.exists()
    assert not BestCursor.objects.exists()


def test_folding_in_a_record_reads_as_much_whatever_the_history(player):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_next_record(who, records: int) -> int:
        start = NOW - 300 * DAY
        for index in range(records):
            add_record(
                who, start + index * (290 * DAY / records), bosses=boss_entries(zulrah=10 + index)
            )
        with CaptureQueriesContext(connection) as captured:
            add_record(who, NOW, bosses=boss_entries(zulrah=10 + records + 5))
        return len(captured.captured_queries)

    short = queries_for_next_record(player, 3)
    long = queries_for_next_record(PlayerFactory(username="Long History"), 60)
    assert long == short


def _histories_then_batch(count: int) -> tuple[list, list[HiscoreRecord]]:
    """`count` players with a few records folded in (a break among them), then one
    new record each, written without the signal: the batch a task writes."""
    players = [PlayerFactory(username=f"Batch {count} {index}") for index in range(count)]
    for index, who in enumerate(players):
        for step, (days, zulrah) in enumerate(((40, 10), (20, 30), (3, 25), (1, 40))):
            add_record(
                who,
                NOW - days * DAY,
                skills=skill_entries(attack=1_000_000 + step * 50_000 + index),
                bosses=boss_entries(zulrah=zulrah),
            )
    batch = [
        HiscoreRecordFactory(
            player=who,
            fetched_at=NOW,
            skills_data=skill_entries(attack=1_400_000 + index),
            bosses_data=boss_entries(zulrah=70 + index),
            activities_data=activity_entries(),
        )
        for index, who in enumerate(players)
    ]
    return players, batch


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("chunk", [3, bests_store.UPSERT_CHUNK])
def test_a_written_batch_is_folded_in_as_brute_force_says(count, chunk, monkeypatch):
    # A small chunk: the rows go as full chunks and a rest, each a statement.
    monkeypatch.setattr(bests_store, "UPSERT_CHUNK", chunk)
    players, batch = _histories_then_batch(count)
    bests_table.on_record_written(sender=HiscoreRecord, records=batch)
    for who in players:
        written = list(HiscoreRecord.objects.filter(player=who).order_by("fetched_at"))
        assert table(who) == brute_force(written)
        assert BestCursor.objects.get(pk=who.pk).through_at == NOW


def test_a_batch_of_many_players_costs_the_queries_of_one():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        _, batch = _histories_then_batch(count)
        with CaptureQueriesContext(connection) as captured:
            bests_table.on_record_written(sender=HiscoreRecord, records=batch)
        return len(captured.captured_queries)

    one = queries_for(1)
    # The rows go UPSERT_CHUNK at a time: the full chunks in one call, the rest in another.
    assert one <= queries_for(8) <= one + 1
    assert one <= 12


def test_a_batch_of_first_records_is_folded_in_at_once_and_later_ones_follow():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def first_records(count: int) -> list:
        players = [PlayerFactory(username=f"First {count} {index}") for index in range(count)]
        return [
            HiscoreRecordFactory(
                player=who,
                fetched_at=NOW - 2 * DAY,
                skills_data=skill_entries(attack=1_000_000 + index),
                bosses_data=boss_entries(zulrah=10 + index),
                activities_data=activity_entries(),
            )
            for index, who in enumerate(players)
        ]

    def queries_for(batch: list) -> int:
        with CaptureQueriesContext(connection) as captured:
            bests_table.on_record_written(sender=HiscoreRecord, records=batch)
        return len(captured.captured_queries)

    batch = first_records(6)
    assert queries_for(first_records(1)) == queries_for(batch)
    for index, record in enumerate(batch):
        assert BestCursor.objects.get(pk=record.player_id).through_at == record.fetched_at
        assert not BestGain.objects.filter(player_id=record.player_id).exists()
        # The next record folds in from the cursor the first one left.
        add_record(
            record.player,
            NOW - DAY,
            skills=skill_entries(attack=1_200_000 + index),
            bosses=boss_entries(zulrah=30 + index),
        )
        written = list(HiscoreRecord.objects.filter(player=record.player).order_by("fetched_at"))
        assert table(record.player) == brute_force(written)
