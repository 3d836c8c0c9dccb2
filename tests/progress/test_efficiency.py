"""EHP and EHB against values worked out by hand from the algorithm and the figures
in progress/rates/wom.json (docs/api.md, "Efficiency")."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from progress import efficiency
from progress.gains import Gain

MAIN = efficiency.rates().tables["main"]


def methods(table: str, skill: str) -> list[tuple[int, float]]:
    """(start experience, rate) brackets of a skill, read from the data file."""
    data = json.loads(efficiency.RATES_FILE.read_text())["tables"][table]["skills"]
    entry = next(e for e in data if e["skill"] == skill)
    return [(m["start_exp"], m["rate"]) for m in entry["methods"]]


def hours(brackets: list[tuple[int, float]], start: int, end: int) -> float:
    """Time from `start` to `end` experience through the brackets, by hand."""
    total = 0.0
    for index, (at, rate) in enumerate(brackets):
        upto = brackets[index + 1][0] if index + 1 < len(brackets) else end
        low, high = max(at, start), min(upto, end)
        if high > low:
            total += (high - low) / rate
    return total


def test_the_data_file_says_where_its_figures_come_from():
    document = json.loads(efficiency.RATES_FILE.read_text())
    assert document["attribution"]["license"] == "MIT"
    assert len(document["attribution"]["commit"]) == 40
    assert efficiency.rates().version == document["version"]
    assert set(document["tables"]) >= {"main", "ironman", "ultimate", "lvl3", "f2p", "def1"}


def test_a_skill_without_bonuses_is_the_time_through_its_brackets():
    # Runecraft gives and receives no bonus experience in the main table.
    brackets = methods("main", "runecraft")
    expected = hours(brackets, 0, 1_000_000)
    # The first bracket ends before 1m: two terms, as computed by hand.
    assert brackets[1][0] < 1_000_000 < brackets[2][0]
    assert expected == pytest.approx(
        brackets[1][0] / brackets[0][1] + (1_000_000 - brackets[1][0]) / brackets[1][1]
    )
    assert MAIN.ehp({"runecraft": 1_000_000}) == pytest.approx(expected, abs=1e-4)


def test_a_skill_with_an_end_bonus_counts_the_time_it_saves_in_the_bonus_skill():
    # Mining gives Smithing 0.08 experience per experience above 1,210,421, counted
    # as already there when Mining reaches 200m ("end" bonus).
    data = json.loads(efficiency.RATES_FILE.read_text())["tables"]["main"]["skills"]
    (bonus,) = next(e for e in data if e["skill"] == "mining")["bonuses"]
    assert bonus["bonus_skill"] == "smithing" and bonus["end"]
    mining = 2_000_000
    smithing = methods("main", "smithing")
    own = hours(methods("main", "mining"), 0, mining)
    # Smithing's time to 200m, less the bonus still to come, with Mining reset to 0
    # and as it is: the Mining already trained past the bonus start left less to come.
    top = efficiency.MAX_EXPERIENCE
    left_reset = top - (top - bonus["start_exp"]) * bonus["ratio"]
    left_now = top - (top - mining) * bonus["ratio"]
    saved = hours(smithing, 0, int(left_reset)) - hours(smithing, 0, int(left_now))
    assert MAIN.ehp({"mining": mining}) == pytest.approx(own + saved, abs=1e-3)


def test_ehb_is_kills_over_kills_per_hour():
    rate = MAIN.boss_rates["zulrah"]
    assert MAIN.ehb({"zulrah": 500, "vorkath": None}) == pytest.approx(500 / rate + 0, abs=1e-4)


def test_time_to_max_is_zero_when_maxed_and_the_whole_way_from_nothing():
    maxed = dict.fromkeys(efficiency.SKILLS, efficiency.EXPERIENCE_AT_99)
    assert MAIN.time_to_max(maxed) == pytest.approx(0, abs=1e-6)
    assert MAIN.time_to_max({}) == pytest.approx(MAIN.ehp(maxed), abs=1e-6)
    everything = dict.fromkeys(efficiency.SKILLS, efficiency.MAX_EXPERIENCE)
    assert MAIN.time_to_200m_all(everything) == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize(
    ("mode", "xp", "expected"),
    [
        ("regular", {"attack": 5_000_000, "defence": 5_000_000, "agility": 1_000}, "main"),
        ("regular", {"attack": 5_000_000, "agility": 1_000}, "def1"),
        ("skiller_defence", {"attack": 5_000_000, "defence": 0, "agility": 1}, "def1"),
        ("regular", {"hitpoints": 1154, "agility": 1_000_000}, "lvl3"),
        ("regular", {"hitpoints": 1154, "mining": 1_000_000}, "f2p_lvl3"),
        ("regular", {"attack": 1_000, "defence": 1_000, "mining": 1_000_000}, "f2p"),
        ("ironman", {"attack": 1_000, "defence": 1_000, "mining": 1_000_000}, "f2p_ironman"),
        ("hardcore_ironman", {"attack": 5, "defence": 5, "agility": 5}, "ironman"),
        ("ultimate_ironman", {"attack": 5, "defence": 5, "agility": 5}, "ultimate"),
        ("ultimate_ironman", {"hitpoints": 1154, "mining": 5}, "f2p_lvl3_ironman"),
        ("skiller", {"hitpoints": 1154, "agility": 5}, "lvl3"),
    ],
)
def test_the_account_type_comes_from_the_game_mode_and_the_stats(mode, xp, expected):
    assert efficiency.table_for(mode, xp).account_type == expected


def test_a_type_without_a_table_falls_back_to_main_and_says_so():
    body = efficiency.table_for("deadman", {"attack": 5, "defence": 5, "agility": 5}).body()
    assert body == {
        "account_type": "main",
        "ehp_table": "main",
        "ehb_table": "main",
        "fell_back_to_main": False,
    }
    lvl3 = efficiency.table_for("skiller", {"agility": 5}).body()
    # Level 3 skillers have an EHP table but no EHB one: main's kills per hour.
    assert lvl3["ehp_table"] == "lvl3" and lvl3["ehb_table"] == "main"
    assert lvl3["fell_back_to_main"] is True


def test_a_table_without_a_skill_counts_it_as_trained_for_free():
    # The level-3 table has no Attack entry: its experience costs no time to speak of.
    lvl3 = efficiency.rates().tables["lvl3"]
    assert "attack" not in lvl3.methods
    assert lvl3.ehp({"attack": 1_000_000}) == pytest.approx(0, abs=0.01)


_xp = st.integers(min_value=0, max_value=efficiency.MAX_EXPERIENCE)


@settings(max_examples=40, deadline=None)
@given(
    start=st.fixed_dictionaries({s: _xp for s in ("mining", "smithing", "slayer", "attack")}),
    extra=st.fixed_dictionaries(
        {s: st.integers(0, 5_000_000) for s in ("mining", "smithing", "slayer", "attack")}
    ),
)
def test_a_gain_under_one_table_is_never_negative(start, extra):
    end = {s: min(efficiency.MAX_EXPERIENCE, start[s] + extra[s]) for s in start}
    gains = {s: Gain(end[s] - start[s]) for s in start}
    assert efficiency.ehp_gained(MAIN, start, end, gains) >= 0


def test_a_rollback_gains_no_ehp():
    start = {"runecraft": 2_000_000}
    end = {"runecraft": 1_000_000}
    gains = {"runecraft": Gain(rollback=(2_000_000, 1_000_000))}
    assert efficiency.ehp_gained(MAIN, start, end, gains) == 0
    assert efficiency.ehb_gained(MAIN, {"zulrah": Gain(rollback=(50, 40))}) == 0


def test_a_gain_is_the_difference_under_the_one_table():
    start, end = {"runecraft": 1_000_000}, {"runecraft": 3_000_000}
    gains = {"runecraft": Gain(2_000_000)}
    assert efficiency.ehp_gained(MAIN, start, end, gains) == pytest.approx(
        MAIN.ehp(end) - MAIN.ehp(start)
    )


def test_the_ehp_of_a_state_asked_for_again_is_not_computed_again(monkeypatch):
    state = {"attack": 13_034_431, "woodcutting": 4_567_890, "firemaking": 12_345}
    first = MAIN.ehp(state)
    monkeypatch.setattr(MAIN, "ehp_by_skill", pytest.fail)
    # Any spelling of the same state: unranked and missing skills count as 0.
    assert MAIN.ehp({**state, "cooking": None, "fishing": -1}) == first


experiences = st.sampled_from([0, 50_000, 1_300_000, 13_034_431, 60_000_000, 200_000_000])


@given(
    st.lists(experiences, min_size=len(efficiency.SKILLS), max_size=len(efficiency.SKILLS)),
    experiences,
)
def test_a_skill_no_bonus_reads_changes_no_bonus_experience(values, other):
    """What lets an EHP reuse the bonus experience when it resets such a skill."""
    stats = dict(zip(efficiency.SKILLS, values, strict=True))
    for table in efficiency.rates().tables.values():
        for skill in set(efficiency.SKILLS) - table.bonus_inputs:
            for end in (False, True):
                assert table.bonus_experience({**stats, skill: other}, end=end) == (
                    table.bonus_experience(stats, end=end)
                ), (table.name, skill)


@given(st.lists(st.none() | experiences, min_size=1, max_size=len(efficiency.SKILLS)))
def test_the_ehp_kept_for_a_state_is_the_ehp_computed(values):
    table = efficiency.rates().tables["main"]
    experience = dict(zip(efficiency.SKILLS, values, strict=False))
    assert table.ehp(experience) == table.ehp_by_skill(experience)["overall"]
