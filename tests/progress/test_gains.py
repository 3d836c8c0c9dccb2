from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from hiscores import catalogue, levels
from players.records import HiscoreRecord
from progress.analysis import MIN_RATE_SECONDS, analyse
from progress.gains import ABSENT, count_gain, gain_of, skill_change
from progress.states import STATE_FIELDS, state_of
from tests.factories import HiscoreRecordFactory
from tests.progress.builders import NOW, state

LATER = NOW + timedelta(days=2)
ALL_SKILLS = dict.fromkeys(catalogue.SKILL_SLUGS, 1_000_000)


def with_skill(slug: str, value: int | None) -> dict[str, int | None]:
    return {**ALL_SKILLS, slug: value}


@pytest.mark.django_db
def test_a_record_read_with_the_state_fields_gives_its_state_with_no_further_query(
    django_assert_num_queries,
):
    record = HiscoreRecordFactory(game_mode="ironman")
    read = HiscoreRecord.objects.only(*STATE_FIELDS).get(pk=record.pk)
    with django_assert_num_queries(0):
        state_read = state_of(read)
    assert state_read == state_of(record)
    assert state_read.game_mode == "ironman"
    # And a field left out is refused in tests (tests/conftest.py), not read back.
    with pytest.raises(AssertionError, match="game_mode was deferred"):
        state_of(HiscoreRecord.objects.only(*STATE_FIELDS[:-1]).get(pk=record.pk))


def test_boss_first_listed_at_the_minimum_counts_one_and_is_approximate():
    gain = count_gain(None, 5, minimum=5)
    assert (gain.value, gain.approximate) == (1, True)


def test_row_ranked_from_one_counts_every_kill_when_first_listed():
    assert count_gain(None, 3, minimum=catalogue.BY_SLUG["mimic"].minimum).value == 3


def test_last_man_standing_first_listed_counts_from_its_minimum():
    assert count_gain(None, 530, minimum=500).value == 31


def test_rollback_is_never_a_gain_and_is_reported():
    gain = count_gain(120, 110, minimum=5)
    assert (gain.value, gain.rollback) == (0, (120, 110))


def test_kills_falling_below_the_ranking_are_a_rollback():
    assert count_gain(12, None, minimum=5).rollback == (12, None)


def test_row_absent_from_the_older_record_gains_nothing_and_is_a_lower_bound():
    gain = count_gain(ABSENT, 40, minimum=5)
    assert (gain.value, gain.approximate) == (0, True)


def test_row_absent_from_the_newer_record_gains_nothing():
    assert count_gain(40, ABSENT, minimum=5) == count_gain(None, None, minimum=5)


def test_unranked_at_both_ends_is_zero_and_not_flagged():
    gain = count_gain(None, None, minimum=5)
    assert (gain.value, gain.approximate, gain.rollback) == (0, False, None)


def test_skill_unranked_to_ranked_counts_zero_when_overall_cannot_tell():
    start = state(skills=with_skill("sailing", None), overall=None)
    end = state(LATER, skills=with_skill("sailing", 50_000))
    change = skill_change(start, end, "sailing")
    assert (change.gain.value, change.gain.approximate) == (0, True)


def test_skill_unranked_to_ranked_is_inferred_from_overall_when_it_is_the_only_unknown():
    others = sum(ALL_SKILLS.values()) - ALL_SKILLS["sailing"]
    start = state(skills=with_skill("sailing", None), overall=others + 20_000)
    end = state(LATER, skills=with_skill("sailing", 50_000))
    change = skill_change(start, end, "sailing")
    assert (change.gain.value, change.gain.approximate, change.start) == (30_000, False, 20_000)


def test_inference_needs_every_other_skill_known():
    skills = {**with_skill("sailing", None), "hunter": None}
    start = state(skills=skills, overall=30_000_000)
    end = state(LATER, skills=with_skill("sailing", 50_000))
    assert skill_change(start, end, "sailing").gain.value == 0


def test_skill_ranked_then_unranked_is_a_lower_bound_not_a_rollback():
    start = state(skills=with_skill("sailing", 40_000))
    end = state(LATER, skills=with_skill("sailing", None))
    gain = skill_change(start, end, "sailing").gain
    assert (gain.value, gain.approximate, gain.rollback) == (0, True, None)


def test_overall_unknown_at_start_is_the_sum_of_skill_gains_when_every_skill_is_known():
    start = state(skills=ALL_SKILLS, overall=None)
    end = state(LATER, skills={**ALL_SKILLS, "attack": 1_200_000, "magic": 1_050_000})
    gain = gain_of(start, end, "overall")
    assert (gain.value, gain.approximate) == (250_000, False)


def test_overall_unknown_with_a_skill_unknown_is_approximate():
    start = state(skills=with_skill("attack", None), overall=None)
    end = state(LATER, skills={**ALL_SKILLS, "magic": 1_050_000})
    gain = gain_of(start, end, "overall")
    assert (gain.value, gain.approximate) == (50_000, True)


def test_overall_going_down_is_a_rollback():
    gain = gain_of(state(overall=5_000_000), state(LATER, overall=4_000_000), "overall")
    assert (gain.value, gain.rollback) == (0, (5_000_000, 4_000_000))


def test_levels_follow_the_experience_table_past_99():
    at_98 = levels.experience_for_level(98)
    at_101 = levels.experience_for_level(101)
    analysis = analyse(
        state(skills=with_skill("attack", at_98)), state(LATER, skills=with_skill("attack", at_101))
    )
    assert analysis.levels["attack"] == 1
    assert analysis.virtual_levels["attack"] == 3
    assert analysis.experience["attack"].value == at_101 - at_98


def test_every_catalogue_metric_is_listed_even_unchanged():
    body = analyse(state(), state(LATER)).body()
    assert list(body["experience_gained"]) == ["overall", *catalogue.SKILL_SLUGS]
    assert list(body["boss_kills_gained"]) == list(catalogue.BOSS_SLUGS)
    assert list(body["activity_scores_gained"]) == list(catalogue.ACTIVITY_SLUGS)
    assert set(body["daily_rates"]) == {"overall", *(m.slug for m in catalogue.ALL[1:])}
    assert set(body["experience_gained"].values()) == {0}


def test_rows_the_catalogue_does_not_know_are_carried_and_never_invented():
    start = state(bosses={"new_boss": None})
    end = state(LATER, bosses={"new_boss": 12, "newer_boss": 30})
    analysis = analyse(start, end)
    assert analysis.bosses["new_boss"].value == 0
    assert analysis.bosses["newer_boss"].value == 0
    assert {"new_boss", "newer_boss"} <= set(analysis.approximate())


def test_daily_rates_are_over_the_span_between_the_records_compared():
    start = state(bosses={"zulrah": 100})
    end = state(NOW + timedelta(days=4), bosses={"zulrah": 140})
    assert analyse(start, end).daily_rates()["zulrah"] == pytest.approx(10.0)


def test_no_daily_rate_is_given_over_less_than_a_day():
    # 250,000 XP in 4 minutes is not 90 million a day: the rate is withheld.
    start = state(skills=with_skill("attack", 1_000_000))
    for span in (timedelta(0), timedelta(minutes=4), timedelta(days=1) - timedelta(seconds=1)):
        end = state(NOW + span, skills=with_skill("attack", 1_250_000))
        rates = analyse(start, end).daily_rates()
        assert rates["attack"] is None
        assert set(rates.values()) == {None}


def test_a_day_is_the_shortest_span_with_a_rate():
    start = state(skills=with_skill("attack", 1_000_000))
    end = state(NOW + timedelta(seconds=MIN_RATE_SECONDS), skills=with_skill("attack", 1_250_000))
    assert analyse(start, end).daily_rates()["attack"] == pytest.approx(250_000)


def test_anomalies_name_the_metric_and_both_values():
    start = state(skills=with_skill("cooking", 2_000_000))
    end = state(LATER, skills=with_skill("cooking", 1_900_000))
    assert {"metric": "cooking", "start": 2_000_000, "end": 1_900_000} in analyse(
        start, end
    ).anomalies()


def test_state_of_treats_minus_one_and_a_zero_total_as_unknown():
    record = SimpleNamespace(
        fetched_at=NOW,
        overall_experience=0,
        overall_level=0,
        skills_data={"attack": {"rank": -1, "level": 1, "experience": -1}, "sailing": None},
        bosses_data={"zulrah": {"rank": -1, "kc": -1}},
        activities_data={},
    )
    result = state_of(record)
    assert result.overall_experience is None
    assert result.skills == {"attack": None, "sailing": None}
    assert result.bosses == {"zulrah": None}
