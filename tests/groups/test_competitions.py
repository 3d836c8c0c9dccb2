"""Competitions (docs/api.md, "Competitions"): validation, standings from the
records nearest the boundaries, several metrics scored by summed ranks, teams,
and the start and finish announced once each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from groups.competitions import announce_boundaries
from groups.models import Competition
from groups.signals import competition_finished, competition_started
from players.deadlines import DEADLINE_WINDOW, after, before
from progress import efficiency
from tests.conftest import bearer_client
from tests.factories import PlayerFactory, UserFactory
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

START = NOW + timedelta(days=1)
END = START + timedelta(days=7)


def body(**extra):
    return {
        "title": "Skill of the week",
        "metrics": ["attack"],
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        **extra,
    }


def create(api, **extra):
    return api.post("/api/competitions", body(**extra), format="json")


@pytest.fixture
def players(db):
    return [PlayerFactory(username=name) for name in ("Alpha", "Bravo", "Charlie", "Delta")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": (NOW - timedelta(hours=1)).isoformat()}, "starts_at"),
        ({"ends_at": (START - timedelta(hours=1)).isoformat()}, "ends_at"),
        ({"ends_at": START.isoformat()}, "ends_at"),
        ({"metrics": []}, "metrics"),
        ({"metrics": ["attack", "attack"]}, "metrics"),
        ({"metrics": ["not_a_metric"]}, "metrics"),
        ({"title": "   "}, "title"),
        ({"participants": ["Nobody Tracked"]}, "participants"),
        ({"participants": ["bad name!!"]}, "participants"),
        ({"starts_at": "2026-06-20T12:00:00"}, "starts_at"),
    ],
)
def test_bad_competitions_are_422_naming_the_field(clock, api, players, change, field):
    response = create(api, **{"participants": ["Alpha"], **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["details"]
    assert not Competition.objects.exists()


def test_a_competition_needs_someone_to_take_part(clock, api):
    response = create(api)
    assert response.status_code == 422
    assert "participants" in response.json()["details"]


def test_a_player_in_two_teams_is_refused(clock, api, players):
    teams = [{"name": "Red", "members": ["Alpha", "Bravo"]}, {"name": "Blue", "members": ["bravo"]}]
    response = create(api, teams=teams)
    assert response.status_code == 422
    assert "Bravo" in response.json()["message"]
    assert not Competition.objects.exists()


def test_an_unknown_group_is_a_404(clock, api):
    assert create(api, group="nope").status_code == 404


def test_a_group_competition_takes_the_groups_tracked_members(clock, api, players):
    group = api.post(
        "/api/groups", {"name": "Clan", "members": ["Alpha", "Bravo", "Pending"]}, format="json"
    ).json()
    response = create(api, group=group["slug"])
    assert response.status_code == 201
    assert sorted(r["username"] for r in response.json()["standings"]) == ["Alpha", "Bravo"]
    assert api.get("/api/competitions", {"group": group["slug"]}).json()["count"] == 1


def grow(player, at, attack, zulrah=None):
    add_record(
        player,
        at,
        skills=skill_entries(100_000, attack=attack),
        bosses=boss_entries(zulrah=zulrah),
    )


def test_standings_rank_by_summed_metric_ranks_with_start_and_end_values(clock, api, players):
    alpha, bravo, charlie, _ = players
    for p in (alpha, bravo, charlie):
        grow(p, NOW - timedelta(days=2), 100_000, zulrah=10)
    competition = create(
        api, metrics=["attack", "zulrah"], participants=["Alpha", "Bravo", "Charlie"]
    ).json()
    upcoming = api.get(f"/api/competitions/{competition['id']}").json()
    assert upcoming["status"] == "upcoming"
    assert all(r["metrics"]["attack"]["gained"] == 0 for r in upcoming["standings"])

    clock.move_to(START + timedelta(days=2))
    grow(alpha, START + timedelta(days=1), 300_000, zulrah=11)  # attack 1st, zulrah 3rd
    grow(bravo, START + timedelta(days=1), 200_000, zulrah=15)  # attack 2nd, zulrah 1st
    grow(charlie, START + timedelta(days=1), 100_000, zulrah=13)  # attack 3rd, zulrah 2nd
    client = bearer_client(UserFactory(username="reader"))
    detail = client.get(f"/api/competitions/{competition['id']}").json()
    assert detail["status"] == "ongoing"
    rows = {r["username"]: r for r in detail["standings"]}
    assert rows["Alpha"]["metrics"]["attack"] == {
        "start": 100_000,
        "end": 300_000,
        "gained": 200_000,
        "rank": 1,
        "approximate": False,
    }
    assert rows["Bravo"]["metrics"]["zulrah"]["gained"] == 5
    assert rows["Alpha"]["metrics"]["zulrah"]["rank"] == 3
    # Attack and Zulrah both have rates: scored by the efficient hours gained.
    assert detail["scoring"] == "efficiency"
    main = efficiency.rates().tables["main"]

    def hours(attack: int, kills: int) -> float:
        end = dict.fromkeys(efficiency.SKILLS, 100_000) | {"attack": attack}
        before = end | {"attack": 100_000}
        return main.ehp(end) - main.ehp(before) + kills / main.boss_rates["zulrah"]

    expected = {
        "Alpha": hours(300_000, 1),
        "Bravo": hours(200_000, 5),
        "Charlie": hours(100_000, 3),
    }
    order = sorted(expected, key=lambda name: -expected[name])
    assert [r["username"] for r in detail["standings"]] == order
    for row in detail["standings"]:
        assert row["score"] == pytest.approx(expected[row["username"]], abs=1e-4)


def test_a_metric_without_a_rate_scores_by_summed_ranks(clock, api, players):
    alpha, bravo, charlie, _ = players
    for p in (alpha, bravo, charlie):
        grow(p, NOW - timedelta(days=2), 100_000, zulrah=10)
    competition = create(
        api, metrics=["attack", "overall"], participants=["Alpha", "Bravo", "Charlie"]
    ).json()
    clock.move_to(START + timedelta(days=2))
    grow(alpha, START + timedelta(days=1), 300_000)
    grow(bravo, START + timedelta(days=1), 200_000)
    grow(charlie, START + timedelta(days=1), 100_000)
    client = bearer_client(UserFactory(username="reader"))  # the clock moved: a fresh token
    detail = client.get(f"/api/competitions/{competition['id']}").json()
    assert detail["scoring"] == "ranks"
    # Overall moves with Attack here: Alpha 1+1, Bravo 2+2, Charlie 3+3.
    assert [(r["username"], r["score"], r["rank"]) for r in detail["standings"]] == [
        ("Alpha", 2, 1),
        ("Bravo", 4, 2),
        ("Charlie", 6, 3),
    ]


def test_the_end_is_the_state_at_the_end_and_later_records_do_not_count(clock, api, players):
    alpha = players[0]
    grow(alpha, NOW - timedelta(days=1), 100_000)
    competition = create(api, participants=["Alpha"]).json()
    clock.move_to(END + timedelta(days=3))
    grow(alpha, END - timedelta(minutes=2), 150_000)
    grow(alpha, END + DEADLINE_WINDOW + timedelta(seconds=1), 900_000)
    detail = bearer_client(UserFactory(username="r")).get(f"/api/competitions/{competition['id']}")
    assert detail.json()["status"] == "finished"
    assert detail.json()["standings"][0]["metrics"]["attack"]["gained"] == 50_000


def test_the_fetch_after_the_end_is_the_end_state(clock, api, players):
    """The end's deadline fetch, minutes after the end, shows what was gained in
    the minutes before it; a record after it does not count."""
    alpha = players[0]
    grow(alpha, NOW - timedelta(days=1), 100_000)
    competition = create(api, participants=["Alpha"]).json()
    clock.move_to(END + timedelta(days=3))
    grow(alpha, END - timedelta(hours=1), 150_000)
    grow(alpha, END + timedelta(minutes=1), 170_000)
    grow(alpha, END + timedelta(minutes=5), 900_000)
    detail = bearer_client(UserFactory(username="r")).get(f"/api/competitions/{competition['id']}")
    standing = detail.json()["standings"][0]["metrics"]["attack"]
    assert (standing["end"], standing["gained"]) == (170_000, 70_000)


def test_a_participant_renamed_mid_competition_keeps_their_standing(clock, api, players):
    alpha = players[0]
    grow(alpha, NOW - timedelta(days=1), 100_000)
    competition = create(api, participants=["Alpha"]).json()
    clock.move_to(START + timedelta(days=2))
    alpha.username, alpha.username_key = "Alpha Two", "alpha_two"
    alpha.save()
    grow(alpha, START + timedelta(days=1), 160_000)
    detail = bearer_client(UserFactory(username="r")).get(f"/api/competitions/{competition['id']}")
    row = detail.json()["standings"][0]
    assert (row["username"], row["metrics"]["attack"]["gained"]) == ("Alpha Two", 60_000)


def test_teams_are_totalled_and_ranked(clock, api, players):
    for p in players:
        grow(p, NOW - timedelta(days=1), 100_000)
    teams = [
        {"name": "Red", "members": ["Alpha", "Bravo"]},
        {"name": "Blue", "members": ["Charlie", "Delta"]},
    ]
    competition = create(api, teams=teams).json()
    clock.move_to(START + timedelta(days=2))
    for p, xp in zip(players, (110_000, 110_000, 150_000, 100_000), strict=True):
        grow(p, START + timedelta(days=1), xp)
    detail = bearer_client(UserFactory(username="r")).get(f"/api/competitions/{competition['id']}")
    teams = detail.json()["teams"]
    assert [(t["rank"], t["name"], t["gained"]["attack"], t["members"]) for t in teams] == [
        (1, "Blue", 50_000, 2),
        (2, "Red", 20_000, 2),
    ]


def test_start_and_metrics_are_fixed_once_it_started(clock, api, players):
    competition = create(api, participants=["Alpha"]).json()
    url = f"/api/competitions/{competition['id']}"
    assert api.patch(url, {"title": "New"}, format="json").status_code == 200
    clock.move_to(START + timedelta(hours=1))
    fresh = bearer_client(competition_creator())
    response = fresh.patch(url, {"metrics": ["zulrah"]}, format="json")
    assert response.status_code == 409
    assert response.json()["error_code"] == "competition_started"
    assert (
        fresh.patch(
            url, {"ends_at": (END + timedelta(days=1)).isoformat()}, format="json"
        ).status_code
        == 200
    )


def competition_creator():
    return Competition.objects.get().created_by


def test_only_the_creator_group_managers_or_staff_change_it(clock, api, players, staff_api):
    competition = create(api, participants=["Alpha"]).json()
    url = f"/api/competitions/{competition['id']}"
    stranger = bearer_client(UserFactory(username="stranger"))
    assert stranger.patch(url, {"title": "Mine"}, format="json").status_code == 403
    assert stranger.delete(url).status_code == 403
    assert staff_api.patch(url, {"title": "Staff"}, format="json").status_code == 200
    assert api.delete(url).status_code == 204


def test_the_list_filters_by_status(clock, api, players):
    create(api, participants=["Alpha"])
    assert api.get("/api/competitions", {"status": "upcoming"}).json()["count"] == 1
    assert api.get("/api/competitions", {"status": "ongoing"}).json()["count"] == 0
    assert api.get("/api/competitions", {"status": "someday"}).status_code == 422


def test_start_and_finish_are_announced_once_each(
    clock, api, players, django_capture_on_commit_callbacks
):
    create(api, participants=["Alpha"])
    heard = []
    competition_started.connect(lambda **kw: heard.append("started"), weak=False, dispatch_uid="s")
    competition_finished.connect(
        lambda **kw: heard.append("finished"), weak=False, dispatch_uid="f"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert announce_boundaries(now=START - timedelta(seconds=1)) == (0, 0)
            assert announce_boundaries(now=START) == (1, 0)
            assert announce_boundaries(now=START + timedelta(days=1)) == (0, 0)
            # The finish waits for the fetches after the end (players.deadlines).
            assert announce_boundaries(now=END) == (0, 0)
            assert announce_boundaries(now=END + DEADLINE_WINDOW) == (0, 1)
            assert announce_boundaries(now=END + timedelta(days=1)) == (0, 0)
    finally:
        competition_started.disconnect(dispatch_uid="s")
        competition_finished.disconnect(dispatch_uid="f")
    assert heard == ["started", "finished"]


def deadlines() -> set[tuple[str, str, object]]:
    from players.models import FetchDeadline

    return {
        (d.source, d.player.username, d.at) for d in FetchDeadline.objects.select_related("player")
    }


def test_every_participant_gets_a_deadline_at_both_boundaries_kept_in_step(clock, api, players):
    competition = create(api, participants=["Alpha", "Bravo"]).json()
    source = f"competition:{competition['id']}"
    assert deadlines() == {
        (source, name, moment)
        for name in ("Alpha", "Bravo")
        for moment in (before(START), after(END))
    }
    later_end = END + timedelta(days=1)
    url = f"/api/competitions/{competition['id']}"
    response = api.patch(
        url, {"participants": ["Charlie"], "ends_at": later_end.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert deadlines() == {
        (source, "Charlie", before(START)),
        (source, "Charlie", after(later_end)),
    }
    assert api.delete(url).status_code == 204
    assert deadlines() == set()


def test_the_next_fetch_of_a_participant_is_due_before_the_start(clock, api, players):
    from players.models import Player

    create(api, participants=["Alpha"])
    alpha = Player.objects.get(username="Alpha")
    assert alpha.fetch_deadline == START
    assert alpha.next_fetch_at <= START
