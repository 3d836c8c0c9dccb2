"""OSRS display names: what is legal, and when two spellings are one player."""

from __future__ import annotations

import pytest

from hiscores.usernames import MAX_LENGTH, InvalidUsername, clean, normalise


@pytest.mark.parametrize(
    "name",
    ["Zezima", "Lynx Titan", "a", "7", "123456789012", "Iron_Man", "B0aty", "a-b c_d", "Hc Dead"],
)
def test_legal_names_are_kept_as_given(name):
    assert clean(name) == name


def test_surrounding_spaces_go_and_nbsp_becomes_a_space():
    assert clean("  Zezima ") == "Zezima"
    assert clean("Iron\u00a0Man") == "Iron Man"
    assert clean(" 123456789012 ") == "123456789012"  # the limit counts the trimmed name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u00a0", "empty"),
        ("1234567890123", "at most 12"),
        ("_Zezima", "start and end"),
        ("Zezima-", "start and end"),
        ("Zé", "only letters"),
        ("Ze!ma", "only letters"),
        ("Ze\tma", "only letters"),
        ("Zez\nma", "only letters"),
    ],
)
def test_illegal_names_say_why(name, says):
    with pytest.raises(InvalidUsername, match=says):
        clean(name)


@pytest.mark.parametrize("value", [None, 42, b"Zezima"])
def test_non_text_is_illegal(value):
    with pytest.raises(InvalidUsername):
        clean(value)


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["Zezima", "zezima", " zezima", "ZEZIMA "], "zezima"),
        (
            ["Iron_Man", "iron man", "Iron-Man", "IRON\u00a0MAN", "iron__man", "Iron _-Man"],
            "iron man",
        ),
        (["Lynx Titan", "lynx_titan"], "lynx titan"),
    ],
)
def test_spellings_of_one_player_share_a_key(spellings, key):
    assert {normalise(s) for s in spellings} == {key}


def test_different_players_have_different_keys():
    assert normalise("Iron Man") != normalise("IronMan")


def test_max_length_is_twelve():
    assert MAX_LENGTH == 12
    assert normalise("a" * 12) == "a" * 12
    with pytest.raises(InvalidUsername):
        normalise("a" * 13)
