"""The row catalogue: today's order, slugs, kinds and listing minimums."""

from __future__ import annotations

from pathlib import Path

import pytest

import hiscores
from hiscores import catalogue
from hiscores.catalogue import Kind

ORDER_FILE = Path(hiscores.__file__).parent / "fake" / "samples" / "hiscores_order.txt"


def recorded_order() -> tuple[list[str], list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in ORDER_FILE.read_text().splitlines():
        if line in ("SKILLS", "ACTIVITIES"):
            current = sections.setdefault(line, [])
        elif line:
            current.append(line)
    return sections["SKILLS"], sections["ACTIVITIES"]


def test_order_matches_the_hiscores():
    skills, activities = recorded_order()
    assert [m.name for m in (catalogue.OVERALL, *catalogue.SKILLS)] == skills
    assert [m.name for m in catalogue.ACTIVITIES] == activities
    assert [m.name for m in catalogue.ALL] == skills + activities


def test_counts():
    assert len(catalogue.SKILLS) + 1 == 25
    assert len(catalogue.ACTIVITIES) == 91
    assert len(catalogue.BOSSES) == 71
    assert len(catalogue.OTHER_ACTIVITIES) == 20
    assert len(catalogue.ALL) == 116


def test_slugs_and_names_are_unique():
    assert len({m.slug for m in catalogue.ALL}) == len(catalogue.ALL)
    assert len(catalogue.BY_NAME) == len(catalogue.BY_SLUG) == len(catalogue.ALL)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Overall", "overall"),
        ("Runecraft", "runecraft"),
        ("Kree'Arra", "kreearra"),
        ("K'ril Tsutsaroth", "kril_tsutsaroth"),
        ("Chambers of Xeric: Challenge Mode", "chambers_of_xeric_challenge_mode"),
        ("Clue Scrolls (all)", "clue_scrolls_all"),
        ("Bounty Hunter (Legacy) - Rogue", "bounty_hunter_legacy_rogue"),
        ("TzKal-Zuk", "tzkal_zuk"),
        ("LMS - Rank", "last_man_standing"),
        ("PvP Arena - Rank", "pvp_arena"),
        ("Rifts closed", "guardians_of_the_rift"),
    ],
)
def test_slugs(name, slug):
    assert catalogue.BY_NAME[name].slug == slug


def test_slugify_serves_rows_not_in_the_catalogue():
    assert catalogue.slugify("  The Mad King's Gate! ") == "the_mad_kings_gate"


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("Mimic", 1),
        ("TzKal-Zuk", 1),
        ("Zulrah", 5),
        ("Sol Heredit", 5),
        ("Clue Scrolls (all)", 1),
        ("Clue Scrolls (master)", 1),
        ("LMS - Rank", 500),
        ("PvP Arena - Rank", 2525),
        ("Soul Wars Zeal", 200),
        ("Rifts closed", 2),
        ("Colosseum Glory", 300),
        ("Collections Logged", 500),
        ("Attack", None),
        ("Overall", None),
    ],
)
def test_minimums_from_the_hiscores_sheet(name, minimum):
    assert catalogue.BY_NAME[name].minimum == minimum


def test_kinds():
    assert {m.kind for m in (catalogue.OVERALL, *catalogue.SKILLS)} == {Kind.SKILL}
    assert all(m.kind is Kind.BOSS for m in catalogue.BOSSES)
    assert catalogue.BY_NAME["Clue Scrolls (hard)"].kind is Kind.CLUES
    assert catalogue.BY_NAME["Soul Wars Zeal"].kind is Kind.MINIGAME
    assert catalogue.BY_NAME["Grid Points"].kind is Kind.POINTS
    assert not Kind.BOSS.is_activity and Kind.CLUES.is_activity


def test_bosses_are_alphabetical_but_for_two_jagex_exceptions():
    names = [m.name for m in catalogue.BOSSES]
    assert names.index("Phosani's Nightmare") + 1 == names.index("Obor")
    assert names.index("The Gauntlet") + 1 == names.index("The Corrupted Gauntlet")
    rest = [n for n in names if n not in ("Phosani's Nightmare", "The Gauntlet")]
    # Jagex sorts ignoring apostrophes: Kraken, Kree'Arra, K'ril Tsutsaroth.
    assert rest == sorted(rest, key=lambda name: name.lower().replace("'", ""))
