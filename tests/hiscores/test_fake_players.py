"""The fake's players: generated ones, the demo ones per mode, growth with the
clock, grants, and levels that always agree with XP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import time_machine

from hiscores import catalogue, levels
from hiscores.fake import (
    DE_IRONED,
    DEAD_HARDCORE,
    DEMO_NAMES,
    FakeHiscores,
    FakeHiscoresServer,
    UnknownPlayer,
)
from hiscores.fake.generated import generated_player
from hiscores.modes import TABLES, GameMode

START = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)


def overall_xp(document: dict) -> int:
    return document["skills"][0]["xp"]


def row(document: dict, name: str) -> dict:
    return next(r for r in (*document["skills"], *document["activities"]) if r["name"] == name)


# --- growth --------------------------------------------------------------------


def test_growth_moves_values_once_per_step():
    with time_machine.travel(START, tick=False) as traveller:
        fake = FakeHiscores(grow=True, step_seconds=30)
        at_start = overall_xp(fake.document("Psikoi"))
        traveller.shift(29)
        within_the_step = overall_xp(fake.document("Psikoi"))
        traveller.shift(1)
        one_step = overall_xp(fake.document("Psikoi"))
        traveller.shift(60)
        three_steps = overall_xp(fake.document("Psikoi"))

    assert within_the_step == at_start
    assert one_step > at_start
    assert three_steps - at_start == 3 * (one_step - at_start)


def test_growth_is_a_function_of_the_clock_not_of_the_requests():
    origin = START.timestamp()
    with time_machine.travel(START, tick=False) as traveller:
        busy = FakeHiscores(grow=True, growth_origin=origin)
        for _ in range(20):
            busy.document("B0aty")
            traveller.shift(17)
        idle = FakeHiscores(grow=True, growth_origin=origin)

        assert busy.document("B0aty") == idle.document("B0aty")
        assert busy.document("gen 12") == idle.document("gen 12")


def test_growth_over_http_follows_the_clock():
    with (
        time_machine.travel(START, tick=False) as traveller,
        FakeHiscoresServer(port=0, grow=True, step_seconds=30) as fake,
        httpx.Client(base_url=fake.base_url) as http,
    ):
        url = "/m=hiscore_oldschool/index_lite.json?player=Lynx%20Titan"
        before = http.get(url).json()
        traveller.shift(3_600)
        after = http.get(url).json()

    assert row(after, "Sailing")["xp"] > row(before, "Sailing")["xp"]
    assert row(after, "Zulrah")["score"] > row(before, "Zulrah")["score"]


def test_static_values_never_change():
    with time_machine.travel(START, tick=False) as traveller:
        fake = FakeHiscores(grow=False)
        first = [fake.document(name) for name in ("Psikoi", "gen 5", DEAD_HARDCORE)]
        traveller.shift(dt.timedelta(days=30))
        later = [fake.document(name) for name in ("Psikoi", "gen 5", DEAD_HARDCORE)]

    assert later == first


def test_pausing_growth_holds_values_and_resuming_continues_from_them():
    with time_machine.travel(START, tick=False) as traveller:
        fake = FakeHiscores(grow=True, step_seconds=30)
        traveller.shift(300)
        fake.set_growth(False)
        paused = overall_xp(fake.document("Psikoi"))
        traveller.shift(3_000)
        still_paused = overall_xp(fake.document("Psikoi"))
        fake.set_growth(True)
        resumed = overall_xp(fake.document("Psikoi"))
        traveller.shift(30)
        moving_again = overall_xp(fake.document("Psikoi"))

    assert still_paused == paused == resumed
    assert moving_again > resumed


def test_frozen_tables_do_not_grow():
    with time_machine.travel(START, tick=False) as traveller:
        fake = FakeHiscores(grow=True)
        hardcore_before = fake.document(DEAD_HARDCORE, GameMode.HARDCORE)
        ironman_before = fake.document(DEAD_HARDCORE, GameMode.IRONMAN)
        traveller.shift(dt.timedelta(hours=2))
        hardcore_after = fake.document(DEAD_HARDCORE, GameMode.HARDCORE)
        ironman_after = fake.document(DEAD_HARDCORE, GameMode.IRONMAN)

    assert hardcore_after == hardcore_before
    assert overall_xp(ironman_after) > overall_xp(ironman_before)


# --- lapsed modes ---------------------------------------------------------------


def test_a_dead_hardcore_is_frozen_below_the_ironman_table():
    fake = FakeHiscores()

    hardcore = fake.document(DEAD_HARDCORE, GameMode.HARDCORE)
    ironman = fake.document(DEAD_HARDCORE, GameMode.IRONMAN)

    assert overall_xp(hardcore) < overall_xp(ironman)


def test_a_de_ironed_account_is_frozen_below_the_regular_table():
    fake = FakeHiscores()

    ironman = fake.document(DE_IRONED, GameMode.IRONMAN)
    regular = fake.document(DE_IRONED, GameMode.REGULAR)

    assert overall_xp(ironman) < overall_xp(regular)
    with pytest.raises(UnknownPlayer):
        fake.document(DE_IRONED, GameMode.HARDCORE)


@pytest.mark.parametrize("mode", list(TABLES))
def test_each_demo_player_is_on_the_regular_table_and_their_own(mode):
    fake = FakeHiscores()

    assert fake.document(DEMO_NAMES[mode], mode)["name"] == DEMO_NAMES[mode]
    assert fake.document(DEMO_NAMES[mode], GameMode.REGULAR)["name"] == DEMO_NAMES[mode]


# --- generated players ------------------------------------------------------------


def test_generated_players_are_the_same_in_every_fake():
    names = [f"gen {n}" for n in (1, 2, 77, 999)]
    first = [FakeHiscores().document(name) for name in names]
    generated_player.cache_clear()  # so the second fake builds them afresh

    assert [FakeHiscores().document(name) for name in names] == first


def test_generated_players_are_built_only_when_looked_up():
    generated_player.cache_clear()

    fake = FakeHiscores(generated=100_000)
    nothing_built = generated_player.cache_info().currsize
    fake.document("gen 100000")

    assert nothing_built == 0
    assert generated_player.cache_info().currsize == 1
    with pytest.raises(UnknownPlayer):
        fake.document("gen 100001")


def test_generated_count_is_configurable():
    fake = FakeHiscores(generated=10)

    assert fake.document("gen 10")["name"] == "gen 10"
    with pytest.raises(UnknownPlayer):
        fake.document("gen 11")


@pytest.fixture(scope="module")
def population() -> list[dict]:
    fake = FakeHiscores()
    return [fake.document(f"gen {n}") for n in range(1, 301)]


def test_generated_levels_agree_with_experience(population):
    for document in population:
        for skill in document["skills"][1:]:
            if skill["rank"] != -1:
                assert skill["level"] == levels.level(skill["xp"])
            else:
                assert (skill["level"], skill["xp"]) in ((1, -1), (1, 0))


def test_generated_overall_counts_hidden_experience_too(population):
    for document in population:
        overall, skills = document["skills"][0], document["skills"][1:]
        visible = sum(s["xp"] for s in skills if s["rank"] != -1)
        if all(s["rank"] != -1 for s in skills):
            assert overall["xp"] == visible
            assert overall["level"] == sum(s["level"] for s in skills)
        else:
            assert overall["xp"] >= visible


def test_generated_players_are_a_mix_of_accounts(population):
    totals = [d["skills"][0]["level"] for d in population]
    combat = ("Attack", "Strength", "Defence", "Ranged", "Magic", "Prayer")
    skillers = [
        d
        for d in population
        if d["skills"][0]["level"] > 1_000 and all(row(d, s)["xp"] == 0 for s in combat)
    ]
    unranked_skills = [d for d in population if any(s["rank"] == -1 for s in d["skills"][1:])]
    bosses = [r for d in population for r in d["activities"] if r["name"] in _BOSS_NAMES]

    assert max(totals) > 2_000  # mains
    assert min(totals) < 600  # low levels
    assert skillers
    assert unranked_skills
    assert any(r["score"] == -1 for r in bosses)
    assert any(r["score"] >= 5 for r in bosses)


_BOSS_NAMES = {m.name for m in catalogue.BOSSES}


def test_some_generated_players_are_ironmen():
    fake = FakeHiscores()
    on_ironman = [n for n in range(1, 101) if _listed(fake, f"gen {n}", GameMode.IRONMAN)]

    assert on_ironman
    assert len(on_ironman) < 100


def _listed(fake: FakeHiscores, name: str, mode: GameMode) -> bool:
    try:
        fake.document(name, mode)
    except UnknownPlayer:
        return False
    return True


# --- grants and added players ----------------------------------------------------


def test_a_gain_raises_the_skill_its_level_and_overall():
    fake = FakeHiscores()
    before = fake.document("gen 1")

    fake.gain("GEN_1", "farming", 2_000_000)
    after = fake.document("gen 1")

    assert row(before, "Farming")["rank"] != -1
    assert row(after, "Farming")["xp"] == row(before, "Farming")["xp"] + 2_000_000
    assert row(after, "Farming")["level"] == levels.level(row(after, "Farming")["xp"])
    assert overall_xp(after) == overall_xp(before) + 2_000_000


def test_a_gain_of_kills_makes_a_boss_ranked():
    fake = FakeHiscores()
    fake.add_player("Boss Fan", bosses={"vorkath": 3})
    unranked = row(fake.document("Boss Fan"), "Vorkath")

    fake.gain("boss fan", "vorkath", 2)

    assert (unranked["rank"], unranked["score"]) == (-1, -1)
    assert row(fake.document("Boss Fan"), "Vorkath")["score"] == 5


def test_a_negative_gain_rolls_back_and_stops_at_zero():
    fake = FakeHiscores()
    fake.add_player("Roller", skills={"cooking": 50_000})

    fake.gain("Roller", "cooking", -20_000)
    halfway = row(fake.document("Roller"), "Cooking")["xp"]
    fake.gain("Roller", "cooking", -1_000_000)

    assert halfway == 30_000
    assert row(fake.document("Roller"), "Cooking")["xp"] == 0


def test_skill_experience_stops_at_200m():
    fake = FakeHiscores()

    fake.gain("Lynx Titan", "attack", 1_000)

    assert row(fake.document("Lynx Titan"), "Attack")["xp"] == levels.MAX_EXPERIENCE


def test_gains_for_unknown_players_or_metrics_are_refused():
    fake = FakeHiscores()

    with pytest.raises(UnknownPlayer):
        fake.gain("nobody", "attack", 1)
    with pytest.raises(ValueError):
        fake.gain("Zezima", "overall", 1)


def test_an_added_player_starts_untrained_and_overall_counts_the_hidden_hitpoints():
    fake = FakeHiscores()
    name = fake.add_player("Fresh_Acct", mode="ultimate_ironman")

    document = fake.document("fresh acct", GameMode.ULTIMATE)

    assert name == "Fresh_Acct"
    # Far outside the top two million: hidden, as on the real hiscores.
    hitpoints = row(document, "Hitpoints")
    assert (hitpoints["rank"], hitpoints["level"], hitpoints["xp"]) == (-1, 1, -1)
    assert document["skills"][0]["level"] == 10 + len(catalogue.SKILLS) - 1
    assert document["skills"][0]["xp"] == levels.experience_for_level(10)


def test_an_added_player_grows_only_when_asked():
    with time_machine.travel(START, tick=False) as traveller:
        fake = FakeHiscores(grow=True)
        fake.add_player("Still", skills={"mining": 100_000})
        fake.add_player("Moving", skills={"mining": 100_000}, grows=True)
        still, moving = overall_xp(fake.document("Still")), overall_xp(fake.document("Moving"))
        traveller.shift(3_600)

        assert overall_xp(fake.document("Still")) == still
        assert overall_xp(fake.document("Moving")) > moving


def test_reset_brings_back_the_starting_players():
    fake = FakeHiscores()
    original = fake.document("Psikoi")
    fake.add_player("Psikoi", skills={"attack": 1})
    fake.add_player("Someone New")

    fake.reset()

    assert fake.document("Psikoi") == original
    with pytest.raises(UnknownPlayer):
        fake.document("Someone New")
